"""`SqliteIndex`: the embedded index backend, one SQLite file with FTS5."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType

from crawlers.listing import Listing
from crawlers.vendor_profile import VendorProfile
from index.backend import SearchResult, SortOrder, UpsertReport, VersionScope
from index.histogram import Bucket
from index.query import build_query
from index.sqlite import bulk_reads, store
from index.sqlite.facet_columns import FacetColumnCache
from index.sqlite.histogram import listing_histogram
from index.sqlite.index_file import connect
from index.sqlite.search import count_listings, search_listings
from index.sqlite.tables import tables_of
from index.sqlite.where import CompiledQuery, compile_query

logger = logging.getLogger(__name__)


class SqliteIndex:
    """The `IndexBackend` over one SQLite file (created with its directory when missing).

    Safe to share between threads: calls are serialised on one connection.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._connection = connect(self.path)
        self._facet_columns = FacetColumnCache()

    def upsert(self, listings: Iterable[Listing]) -> UpsertReport:
        with self._lock:
            return store.upsert_listings(self._connection, listings)

    def refresh(self) -> None:
        """Nothing to do: a committed write is visible to every connection at once."""

    def restore(self, items: Iterable[tuple[Listing, Sequence[Listing]]]) -> int:
        """Store listings with their earlier versions exactly as given (see the protocol)."""
        with self._lock:
            return store.restore_listings(self._connection, items)

    def get(self, listing_id: str) -> Listing | None:
        with self._lock:
            return store.get_listing(self._connection, listing_id)

    def get_many(self, listing_ids: Iterable[str]) -> dict[str, Listing]:
        wanted = list(dict.fromkeys(listing_ids))
        return {listing.id: listing for listing in self._listings_in_pages(wanted)}

    def history(self, listing_id: str) -> list[Listing]:
        with self._lock:
            return store.listing_history(self._connection, listing_id)

    def search(
        self,
        query: str,
        *,
        limit: int = 20,
        offset: int = 0,
        facets: Sequence[str] = (),
        sort: SortOrder = "relevance",
        highlight: bool = True,
        versions: VersionScope = "current",
        now: datetime | None = None,
    ) -> SearchResult:
        """Listings (or earlier versions) matching a Lucene query; `now` anchors date math
        (default: the clock)."""
        compiled = self._compile(query, now, versions)
        with self._lock:
            return search_listings(
                self._connection,
                compiled,
                limit=limit,
                offset=offset,
                facets=facets,
                sort=sort,
                highlight=highlight,
                facet_cache=self._facet_columns,
            )

    def count(
        self, query: str = "*", *, versions: VersionScope = "current", now: datetime | None = None
    ) -> int:
        compiled = self._compile(query, now, versions)
        with self._lock:
            return count_listings(self._connection, compiled)

    def histogram(
        self,
        query: str = "*",
        field: str = "first_seen",
        interval: str = "day",
        *,
        now: datetime | None = None,
    ) -> list[Bucket]:
        """(first day of bucket, count) of the matching listings per `interval` of `field`."""
        compiled = self._compile(query, now)
        with self._lock:
            return listing_histogram(self._connection, compiled, field, interval)

    def scan_listings(
        self, query: str = "*", *, sort: SortOrder = "newest", now: datetime | None = None
    ) -> Iterator[Listing]:
        """Every listing matching a query, in `sort` order, read a page at a time."""
        compiled = self._compile(query, now)
        with self._lock:
            ids = bulk_reads.matching_ids(self._connection, compiled, sort)
        return self._listings_in_pages(ids)

    def _listings_in_pages(self, ids: list[str]) -> Iterator[Listing]:
        for first in range(0, len(ids), bulk_reads.PAGE):
            with self._lock:
                page = bulk_reads.listings_by_id(
                    self._connection, ids[first : first + bulk_reads.PAGE]
                )
            yield from page

    def earlier_versions(self, listing_ids: Iterable[str]) -> dict[str, list[Listing]]:
        """The archived versions of each listing, oldest first (without the current one)."""
        with self._lock:
            return bulk_reads.earlier_versions(self._connection, listing_ids)

    def scan_vendors(self) -> Iterator[VendorProfile]:
        """Every stored vendor profile."""
        after: tuple[str, str] | None = ("", "")
        while after is not None:
            with self._lock:
                page, after = bulk_reads.vendor_page(self._connection, after)
            yield from page

    def delete(self, listing_ids: Iterable[str]) -> int:
        with self._lock:
            return store.delete_listings(self._connection, listing_ids)

    def upsert_vendors(self, profiles: Iterable[VendorProfile]) -> int:
        with self._lock:
            return store.upsert_vendor_profiles(self._connection, profiles)

    def get_vendor(self, source: str, handle: str) -> VendorProfile | None:
        """The stored profile of a vendor on a source (handle compared case-insensitively)."""
        with self._lock:
            return store.get_vendor_profile(self._connection, source, handle)

    def close(self) -> None:
        """Close the file, first letting SQLite refresh its query-planner statistics: only
        upkeep, so skipped when another process (a crawl's worker, another crawl) holds the
        write lock at that moment."""
        with self._lock:
            try:
                self._connection.execute("PRAGMA optimize")
            except sqlite3.OperationalError as error:  # database is locked: try next time
                logger.debug("PRAGMA optimize skipped on %s: %s", self.path, error)
            finally:
                self._connection.close()

    def __enter__(self) -> SqliteIndex:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqliteIndex({str(self.path)!r})"

    @staticmethod
    def _compile(
        query: str, now: datetime | None, versions: VersionScope = "current"
    ) -> CompiledQuery:
        return compile_query(build_query(query, now=now), tables_of(versions))
