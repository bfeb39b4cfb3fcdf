"""Reading the SQLite index in bulk: every matching listing, earlier versions, vendors.

For exports and copies between backends (`armswatch index copy`); pages are small, so a
caller can stream a large index without holding it in memory.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from crawlers.listing import Listing
from crawlers.vendor_profile import VendorProfile
from index.backend import SortOrder
from index.sqlite.search import order_by
from index.sqlite.where import CompiledQuery

PAGE = 500


def matching_ids(
    connection: sqlite3.Connection, query: CompiledQuery, sort: SortOrder
) -> list[str]:
    """The ids of every matching listing in `sort` order (relevance reads as newest last_seen)."""
    rows = query.tables.rows
    order = order_by(query.tables, sort)
    sql = f"SELECT {rows}.id FROM {rows} WHERE {query.where.sql} ORDER BY {order}"
    return [row[0] for row in connection.execute(sql, query.where.params)]


def listings_by_id(connection: sqlite3.Connection, ids: list[str]) -> list[Listing]:
    """The stored listings among `ids`, in the order of `ids`."""
    marks = ", ".join("?" * len(ids))
    rows = connection.execute(f"SELECT id, document FROM listings WHERE id IN ({marks})", ids)
    documents = dict(rows.fetchall())
    return [Listing.model_validate_json(documents[i]) for i in ids if i in documents]


def earlier_versions(
    connection: sqlite3.Connection, listing_ids: Iterable[str]
) -> dict[str, list[Listing]]:
    """The archived versions of each listing, oldest first (listings without any left out)."""
    wanted = list(dict.fromkeys(listing_ids))
    versions: dict[str, list[Listing]] = {}
    for first in range(0, len(wanted), PAGE):
        chunk = wanted[first : first + PAGE]
        marks = ", ".join("?" * len(chunk))
        rows = connection.execute(
            f"SELECT id, document FROM listing_versions WHERE id IN ({marks}) ORDER BY id, version",
            chunk,
        )
        for listing_id, document in rows:
            versions.setdefault(listing_id, []).append(Listing.model_validate_json(document))
    return versions


def vendor_page(
    connection: sqlite3.Connection, after: tuple[str, str] = ("", "")
) -> tuple[list[VendorProfile], tuple[str, str] | None]:
    """Up to PAGE vendor profiles after the (source, handle) key `after`, and the key of the
    next page (None after the last)."""
    rows = connection.execute(
        "SELECT source, handle, document FROM vendors WHERE (source, handle) > (?, ?) "
        "ORDER BY source, handle LIMIT ?",
        (*after, PAGE),
    ).fetchall()
    profiles = [VendorProfile.model_validate_json(document) for _, _, document in rows]
    return profiles, ((rows[-1][0], rows[-1][1]) if len(rows) == PAGE else None)
