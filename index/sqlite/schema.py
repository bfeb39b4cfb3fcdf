"""The SQLite schema of the embedded index.

One file (WAL mode) holds two sets of searchable tables (`index.sqlite.tables`), one for the
current listings and one for their earlier versions:

- `listings` / `listing_versions`: one row per listing (per archived version), the JSON
  document plus one typed column per keyword, number, date and bool field (from the field
  registry); `seq` is the stable integer key shared with the derived tables (an explicit
  INTEGER PRIMARY KEY, so VACUUM never renumbers it)
- `listing_keywords` / `version_keywords`: one row per value of a keyword-list field
- `listings_fts` / `versions_fts`: FTS5 over the free-text fields, unicode61 with diacritics
  removed, and `*_fts_terms`, their vocabularies of distinct tokens (to expand wildcards)
- `listings_stem_fts` / `versions_stem_fts`: FTS5 over the Snowball stems of title and
  description, with the stemming route (language) of the row (see `index.stemming`)

and `vendors` (vendor profiles) and `index_meta` (the schema fingerprint). Opening, upgrading
and refusing files is `index.sqlite.index_file`.
"""

from __future__ import annotations

import hashlib

from index.fields import FREE_TEXT_FIELDS
from index.sqlite.columns import COLUMN_FIELDS, SQL_TYPE_OF_KIND, field_column
from index.sqlite.tables import LISTING_TABLES, STEMMED_COLUMNS, VERSION_TABLES, TableSet

FTS_TOKENIZER = "unicode61 remove_diacritics 2"
# bm25 weight per FTS column, in FREE_TEXT_FIELDS order: a title match counts most
FTS_COLUMN_WEIGHTS: dict[str, float] = {
    "title": 4.0,
    "description": 1.0,
    "vendor": 2.0,
    "category_path": 1.5,
}
INDEXED_COLUMNS = (
    "market",
    "source",
    "vendor",
    "category",
    "status",
    "language",
    "firearm_related",
    "price.amount_usd",
    "first_seen",
    "last_seen",
    "posted_at",
)


def _rows_table(tables: TableSet) -> str:
    columns = ",\n  ".join(
        f"{field_column(field.name)} {SQL_TYPE_OF_KIND[field.kind]}" for field in COLUMN_FIELDS
    )
    if tables.key == ("id",):
        return (
            f"CREATE TABLE {tables.rows} (\n  seq INTEGER PRIMARY KEY,\n"
            f"  id TEXT NOT NULL UNIQUE,\n  document TEXT NOT NULL,\n  {columns}\n)"
        )
    return (
        f"CREATE TABLE {tables.rows} (\n  seq INTEGER PRIMARY KEY,\n  id TEXT NOT NULL,\n"
        f"  document TEXT NOT NULL,\n  {columns},\n  UNIQUE ({', '.join(tables.key)})\n)"
    )


def _column_indexes() -> list[str]:
    return [
        f"CREATE INDEX listings_by_{field_column(name)} ON listings({field_column(name)})"
        for name in INDEXED_COLUMNS
    ]


def stems_table(tables: TableSet) -> str:
    return (
        f"CREATE VIRTUAL TABLE {tables.stems} USING fts5({', '.join(STEMMED_COLUMNS)}, "
        f"route UNINDEXED, tokenize = '{FTS_TOKENIZER}')"
    )


def searchable_tables(tables: TableSet) -> list[str]:
    """The row, keyword, FTS (with vocabulary) and stem tables of one table set."""
    return [
        _rows_table(tables),
        f"CREATE TABLE {tables.keywords} (\n  seq INTEGER NOT NULL,\n  field TEXT NOT NULL,\n"
        "  value TEXT NOT NULL,\n  PRIMARY KEY (field, value, seq)\n) WITHOUT ROWID",
        f"CREATE INDEX {tables.keywords}_by_listing ON {tables.keywords}(seq, field, value)",
        f"CREATE VIRTUAL TABLE {tables.fts} USING fts5({', '.join(FREE_TEXT_FIELDS)}, "
        f"tokenize = '{FTS_TOKENIZER}')",
        f"CREATE VIRTUAL TABLE {tables.terms} USING fts5vocab({tables.fts}, row)",
        stems_table(tables),
    ]


def schema_statements() -> list[str]:
    return [
        *searchable_tables(LISTING_TABLES),
        *_column_indexes(),
        *searchable_tables(VERSION_TABLES),
        "CREATE TABLE vendors (\n  source TEXT NOT NULL,\n  handle TEXT NOT NULL,\n"
        "  market TEXT NOT NULL,\n  captured_at TEXT NOT NULL,\n  document TEXT NOT NULL,\n"
        "  PRIMARY KEY (source, handle)\n)",
        "CREATE TABLE index_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ]


def schema_fingerprint() -> str:
    return hashlib.sha256("\n;\n".join(schema_statements()).encode()).hexdigest()[:16]
