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
from index.fields import normalize_keyword
from index.sqlite.columns import format_timestamp
from index.sqlite.tables import (
    LISTING_TABLES,
    VERSION_TABLES,
    delete_derived_rows,
    find_seq,
    write_row,
)
from index.sqlite.versioning import (
    UpsertOutcome,
    merge_listing,
    stronger_outcome,
    upsert_report,
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
        archive_version(connection, merged.archived)
    document = merged.listing.model_dump_json()
    if row is None or row[1] != document:
        _write(connection, merged.listing, document, row[0] if row else None)
    return merged.outcome


def archive_version(connection: sqlite3.Connection, listing: Listing) -> None:
    """Keep a version in the history (replacing a stored one of the same id and version)."""
    seq = find_seq(connection, VERSION_TABLES, listing)
    write_row(connection, VERSION_TABLES, listing, listing.model_dump_json(), seq)


def _write(
    connection: sqlite3.Connection, listing: Listing, document: str, seq: int | None
) -> None:
    write_row(connection, LISTING_TABLES, listing, document, seq)


def restore_listings(
    connection: sqlite3.Connection, items: Iterable[tuple[Listing, Sequence[Listing]]]
) -> int:
    """Store listings and their earlier versions exactly as given (no merge), in one
    transaction; the number of listings written."""
    written = 0
    with transaction(connection):
        for listing, versions in items:
            for version in versions:
                archive_version(connection, version)
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
            _delete_versions(connection, listing_id)
            if row is None:
                continue
            delete_derived_rows(connection, LISTING_TABLES, row[0])
            connection.execute("DELETE FROM listings WHERE seq = ?", (row[0],))
            deleted += 1
    return deleted


def _delete_versions(connection: sqlite3.Connection, listing_id: str) -> None:
    rows = connection.execute("SELECT seq FROM listing_versions WHERE id = ?", (listing_id,))
    for (seq,) in rows.fetchall():
        delete_derived_rows(connection, VERSION_TABLES, seq)
    connection.execute("DELETE FROM listing_versions WHERE id = ?", (listing_id,))


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
