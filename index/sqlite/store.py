"""Writing and reading listings and vendor profiles in the SQLite index file.

Every function takes an open connection; `transaction` wraps a batch so it is all or nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from crawlers.listing import Listing
from crawlers.vendor_profile import VendorProfile
from index.backend import UpsertReport
from index.fields import FREE_TEXT_FIELDS, keyword_list_values, normalize_keyword
from index.sqlite.columns import (
    COLUMN_FIELDS,
    column_values,
    field_column,
    format_timestamp,
    free_text_values,
)
from index.sqlite.versioning import (
    UpsertOutcome,
    merge_listing,
    stronger_outcome,
    upsert_report,
)

_COLUMNS = ["id", "document", *(field_column(field.name) for field in COLUMN_FIELDS)]
_INSERT_LISTING = (
    f"INSERT INTO listings ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
)
_UPDATE_LISTING = f"UPDATE listings SET {', '.join(f'{c} = ?' for c in _COLUMNS)} WHERE seq = ?"
_INSERT_FTS = (
    f"INSERT INTO listings_fts (rowid, {', '.join(FREE_TEXT_FIELDS)}) "
    f"VALUES (?, {', '.join('?' * len(FREE_TEXT_FIELDS))})"
)


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[None]:
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def upsert_listings(connection: sqlite3.Connection, listings: Iterable[Listing]) -> UpsertReport:
    """Merge each listing with the stored one (see `versioning`), in one transaction."""
    outcomes: dict[str, UpsertOutcome] = {}
    with transaction(connection):
        for listing in listings:
            outcome = _upsert_one(connection, listing)
            outcomes[listing.id] = stronger_outcome(outcomes.get(listing.id), outcome)
    return upsert_report(outcomes)


def _upsert_one(connection: sqlite3.Connection, listing: Listing) -> UpsertOutcome:
    row = connection.execute(
        "SELECT seq, document FROM listings WHERE id = ?", (listing.id,)
    ).fetchone()
    stored = Listing.model_validate_json(row[1]) if row else None
    merged = merge_listing(stored, listing)
    if merged.archived is not None:
        _archive(connection, merged.archived)
    document = merged.listing.model_dump_json()
    if row is None or row[1] != document:
        _write(connection, merged.listing, document, row[0] if row else None)
    return merged.outcome


def _archive(connection: sqlite3.Connection, listing: Listing) -> None:
    connection.execute(
        "INSERT OR REPLACE INTO listing_versions (id, version, captured_at, document) "
        "VALUES (?, ?, ?, ?)",
        (
            listing.id,
            listing.version,
            format_timestamp(listing.captured_at),
            listing.model_dump_json(),
        ),
    )


def _write(
    connection: sqlite3.Connection, listing: Listing, document: str, seq: int | None
) -> None:
    values = [listing.id, document, *column_values(listing)]
    if seq is None:
        cursor = connection.execute(_INSERT_LISTING, values)
        assert cursor.lastrowid is not None
        seq = cursor.lastrowid
    else:
        connection.execute(_UPDATE_LISTING, [*values, seq])
        _delete_derived_rows(connection, seq)
    connection.executemany(
        "INSERT OR IGNORE INTO listing_keywords (seq, field, value) VALUES (?, ?, ?)",
        [(seq, field, value) for field, value in keyword_list_values(listing)],
    )
    connection.execute(_INSERT_FTS, [seq, *free_text_values(listing)])


def _delete_derived_rows(connection: sqlite3.Connection, seq: int) -> None:
    connection.execute("DELETE FROM listing_keywords WHERE seq = ?", (seq,))
    connection.execute("DELETE FROM listings_fts WHERE rowid = ?", (seq,))


def restore_listings(
    connection: sqlite3.Connection, items: Iterable[tuple[Listing, Sequence[Listing]]]
) -> int:
    """Store listings and their earlier versions exactly as given (no merge), in one
    transaction; the number of listings written."""
    written = 0
    with transaction(connection):
        for listing, versions in items:
            for version in versions:
                _archive(connection, version)
            row = connection.execute(
                "SELECT seq FROM listings WHERE id = ?", (listing.id,)
            ).fetchone()
            _write(connection, listing, listing.model_dump_json(), row[0] if row else None)
            written += 1
    return written


def get_listing(connection: sqlite3.Connection, listing_id: str) -> Listing | None:
    row = connection.execute("SELECT document FROM listings WHERE id = ?", (listing_id,)).fetchone()
    return Listing.model_validate_json(row[0]) if row else None


def listing_history(connection: sqlite3.Connection, listing_id: str) -> list[Listing]:
    """Archived versions oldest first, then the current listing."""
    rows = connection.execute(
        "SELECT document FROM listing_versions WHERE id = ? ORDER BY version", (listing_id,)
    ).fetchall()
    history = [Listing.model_validate_json(document) for (document,) in rows]
    current = get_listing(connection, listing_id)
    return [*history, current] if current else history


def delete_listings(connection: sqlite3.Connection, listing_ids: Iterable[str]) -> int:
    """Delete listings with their history and derived rows; the number of listings deleted."""
    deleted = 0
    with transaction(connection):
        for listing_id in dict.fromkeys(listing_ids):
            row = connection.execute(
                "SELECT seq FROM listings WHERE id = ?", (listing_id,)
            ).fetchone()
            connection.execute("DELETE FROM listing_versions WHERE id = ?", (listing_id,))
            if row is None:
                continue
            _delete_derived_rows(connection, row[0])
            connection.execute("DELETE FROM listings WHERE seq = ?", (row[0],))
            deleted += 1
    return deleted


def upsert_vendor_profiles(
    connection: sqlite3.Connection, profiles: Iterable[VendorProfile]
) -> int:
    """Store profiles by (source, handle), keeping the newest capture; the number written."""
    written = 0
    with transaction(connection):
        for profile in profiles:
            cursor = connection.execute(
                "INSERT INTO vendors (source, handle, market, captured_at, document) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (source, handle) DO UPDATE SET "
                "market = excluded.market, captured_at = excluded.captured_at, "
                "document = excluded.document WHERE excluded.captured_at >= vendors.captured_at",
                (
                    profile.source,
                    normalize_keyword(profile.handle),
                    profile.market,
                    format_timestamp(profile.captured_at),
                    profile.model_dump_json(),
                ),
            )
            written += cursor.rowcount
    return written


def get_vendor_profile(
    connection: sqlite3.Connection, source: str, handle: str
) -> VendorProfile | None:
    row = connection.execute(
        "SELECT document FROM vendors WHERE source = ? AND handle = ?",
        (source, normalize_keyword(handle)),
    ).fetchone()
    return VendorProfile.model_validate_json(row[0]) if row else None
