"""The two sets of searchable tables (current listings, earlier versions) and writing one row.

Current listings and their earlier versions are stored alike, so one query compiler searches
either: a row table (the JSON document plus one typed column per field), its keyword-list rows,
its FTS5 table over the free-text fields (with a vocabulary for wildcard patterns) and its stem
table (Snowball stems of title and description in the listing's language, see
`index.stemming`). A row's `seq` keys its keyword, FTS and stem rows.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from crawlers.listing import Listing
from index.backend import VersionScope, check_versions
from index.fields import FREE_TEXT_FIELDS, keyword_list_values
from index.sqlite.columns import (
    COLUMN_FIELDS,
    SqlValue,
    column_values,
    field_column,
    free_text_values,
)
from index.stemming import stem_route, stemmed_text

STEMMED_COLUMNS = ("title", "description")
ROW_COLUMNS = ("id", "document", *(field_column(field.name) for field in COLUMN_FIELDS))


@dataclass(frozen=True)
class TableSet:
    rows: str
    keywords: str
    fts: str
    terms: str  # fts5vocab of `fts`
    stems: str
    key: tuple[str, ...]  # the columns that identify a row

    @property
    def tie_break(self) -> str:
        """ORDER BY terms that make an order total (rows in key order)."""
        return ", ".join(f"{self.rows}.{column}" for column in self.key)


LISTING_TABLES = TableSet(
    "listings",
    "listing_keywords",
    "listings_fts",
    "listings_fts_terms",
    "listings_stem_fts",
    ("id",),
)
VERSION_TABLES = TableSet(
    "listing_versions",
    "version_keywords",
    "versions_fts",
    "versions_fts_terms",
    "versions_stem_fts",
    ("id", "version"),
)


def tables_of(versions: VersionScope) -> TableSet:
    """The tables a search of `versions` reads; ValueError for an unknown scope."""
    check_versions(versions)
    return VERSION_TABLES if versions == "earlier" else LISTING_TABLES


def find_seq(connection: sqlite3.Connection, tables: TableSet, listing: Listing) -> int | None:
    """The seq of the stored row with the listing's key (id, or id and version), if any."""
    key_values: list[SqlValue] = [listing.id, listing.version]
    condition = " AND ".join(f"{column} = ?" for column in tables.key)
    row = connection.execute(
        f"SELECT seq FROM {tables.rows} WHERE {condition}", key_values[: len(tables.key)]
    ).fetchone()
    return int(row[0]) if row else None


def write_row(
    connection: sqlite3.Connection,
    tables: TableSet,
    listing: Listing,
    document: str,
    seq: int | None,
) -> None:
    """Insert (seq None) or replace the row `seq` with the listing and its derived rows."""
    values: list[SqlValue] = [listing.id, document, *column_values(listing)]
    if seq is None:
        marks = ", ".join("?" * len(ROW_COLUMNS))
        cursor = connection.execute(
            f"INSERT INTO {tables.rows} ({', '.join(ROW_COLUMNS)}) VALUES ({marks})", values
        )
        assert cursor.lastrowid is not None
        seq = cursor.lastrowid
    else:
        assignments = ", ".join(f"{column} = ?" for column in ROW_COLUMNS)
        connection.execute(f"UPDATE {tables.rows} SET {assignments} WHERE seq = ?", [*values, seq])
        delete_derived_rows(connection, tables, seq)
    connection.executemany(
        f"INSERT OR IGNORE INTO {tables.keywords} (seq, field, value) VALUES (?, ?, ?)",
        [(seq, field, value) for field, value in keyword_list_values(listing)],
    )
    fts_marks = ", ".join("?" * len(FREE_TEXT_FIELDS))
    connection.execute(
        f"INSERT INTO {tables.fts} (rowid, {', '.join(FREE_TEXT_FIELDS)}) VALUES (?, {fts_marks})",
        [seq, *free_text_values(listing)],
    )
    write_stems(connection, tables, seq, listing)


def write_stems(
    connection: sqlite3.Connection, tables: TableSet, seq: int, listing: Listing
) -> None:
    """The stem row of a listing row: its title and description stemmed on its route."""
    route = stem_route(listing.language)
    connection.execute(
        f"INSERT INTO {tables.stems} (rowid, {', '.join(STEMMED_COLUMNS)}, route) "
        "VALUES (?, ?, ?, ?)",
        [seq, *(stemmed_text(getattr(listing, name), route) for name in STEMMED_COLUMNS), route],
    )


def delete_derived_rows(connection: sqlite3.Connection, tables: TableSet, seq: int) -> None:
    connection.execute(f"DELETE FROM {tables.keywords} WHERE seq = ?", (seq,))
    connection.execute(f"DELETE FROM {tables.fts} WHERE rowid = ?", (seq,))
    connection.execute(f"DELETE FROM {tables.stems} WHERE rowid = ?", (seq,))
