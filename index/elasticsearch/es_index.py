"""`ElasticsearchIndex`: the `IndexBackend` over an Elasticsearch 8 cluster.

Listings, their earlier versions and vendor profiles live in three indices behind aliases
(`<prefix>-listings`, `<prefix>-listings-history`, `<prefix>-vendors`); see `mapping` for the
documents, `query_dsl` for how queries translate, `writes` for the upsert rule.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from types import TracebackType

from elasticsearch import ApiError, Elasticsearch, TransportError

from crawlers.listing import Listing
from crawlers.vendor_profile import VendorProfile
from index.backend import SearchResult, SortOrder, UpsertReport, VersionScope, check_versions
from index.elasticsearch import bulk_reads, indices, searching, writes
from index.elasticsearch.connection import EsSettings, connect, parse_es_url
from index.elasticsearch.histogram import listing_histogram
from index.elasticsearch.mapping import IndexNames
from index.elasticsearch.query_dsl import CompiledSearch, compile_search
from index.histogram import Bucket
from index.query import build_query

logger = logging.getLogger(__name__)


class ElasticsearchIndex:
    """The `IndexBackend` on Elasticsearch; creates its indices when they are missing."""

    def __init__(self, client: Elasticsearch, names: IndexNames, url: str = "") -> None:
        self.client = client
        self.names = names
        self.url = url
        self._unrefreshed = False  # writes made since the last refresh
        indices.ensure_indices(client, names)

    @classmethod
    def from_url(cls, url: str) -> ElasticsearchIndex:
        """Open the index an `http(s)://` URL names (BackendConfigError when it cannot)."""
        settings: EsSettings = parse_es_url(url)
        return cls(connect(settings), IndexNames(settings.prefix), settings.redacted_url)

    def upsert(self, listings: Iterable[Listing]) -> UpsertReport:
        """Write a batch without refreshing; the next read refreshes once (see `make_visible`)."""
        try:
            report, wrote = writes.upsert_listings(self.client, self.names, listings)
        except BaseException:
            self._unrefreshed = True  # part of the batch may have been written
            raise
        self._unrefreshed = self._unrefreshed or wrote
        return report

    def restore(self, items: Iterable[tuple[Listing, Sequence[Listing]]]) -> int:
        """Store listings with their earlier versions exactly as given (see the protocol)."""
        self._unrefreshed = True
        return writes.restore_listings(self.client, self.names, items)

    def refresh(self) -> None:
        """Make every write so far visible to searches, this client's and others' (reads call
        this when this client wrote since the last refresh)."""
        self._unrefreshed = False
        try:
            writes.refresh_listings(self.client, self.names)
        except BaseException:
            self._unrefreshed = True
            raise

    def make_visible(self) -> None:
        """Refresh when this client wrote since the last refresh (writes of other clients
        need `refresh`)."""
        if self._unrefreshed:
            self.refresh()

    def get(self, listing_id: str) -> Listing | None:
        self.make_visible()
        return writes.fetch_listings(self.client, self.names.listings, [listing_id]).get(listing_id)

    def get_many(self, listing_ids: Iterable[str]) -> dict[str, Listing]:
        self.make_visible()
        return writes.fetch_listings(self.client, self.names.listings, listing_ids)

    def history(self, listing_id: str) -> list[Listing]:
        self.make_visible()
        return writes.listing_history(self.client, self.names, listing_id)

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
        self.make_visible()
        return searching.search_listings(
            self.client,
            self._alias_of(versions),
            self._compile(query, now),
            limit=limit,
            offset=offset,
            facets=facets,
            sort=sort,
            highlight=highlight,
        )

    def count(
        self, query: str = "*", *, versions: VersionScope = "current", now: datetime | None = None
    ) -> int:
        self.make_visible()
        alias = self._alias_of(versions)
        return searching.count_listings(self.client, alias, self._compile(query, now))

    def _alias_of(self, versions: VersionScope) -> str:
        check_versions(versions)
        return self.names.history if versions == "earlier" else self.names.listings

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
        self.make_visible()
        return listing_histogram(self.client, self.names.listings, compiled, field, interval)

    def scan_listings(
        self, query: str = "*", *, sort: SortOrder = "newest", now: datetime | None = None
    ) -> Iterator[Listing]:
        """Every listing matching a query, in `sort` order (search_after in a point-in-time)."""
        compiled = self._compile(query, now)
        self.make_visible()
        return searching.scan_listings(self.client, self.names.listings, compiled, sort)

    def earlier_versions(self, listing_ids: Iterable[str]) -> dict[str, list[Listing]]:
        """The archived versions of each listing, oldest first (without the current one)."""
        self.make_visible()
        return bulk_reads.earlier_versions(self.client, self.names, listing_ids)

    def scan_vendors(self) -> Iterator[VendorProfile]:
        """Every stored vendor profile."""
        return bulk_reads.vendor_profiles(self.client, self.names)

    def delete(self, listing_ids: Iterable[str]) -> int:
        self.make_visible()  # finds history versions by search
        return writes.delete_listings(self.client, self.names, listing_ids)

    def upsert_vendors(self, profiles: Iterable[VendorProfile]) -> int:
        return writes.upsert_vendor_profiles(self.client, self.names, profiles)

    def get_vendor(self, source: str, handle: str) -> VendorProfile | None:
        """The stored profile of a vendor on a source (handle compared case-insensitively)."""
        return writes.get_vendor_profile(self.client, self.names, source, handle)

    def migrate(self, new_version: int) -> dict[str, int]:
        """Rebuild the listings and history indices as version `new_version` (documents copied
        by scan + bulk, aliases swapped atomically, old indices deleted); copies by alias."""
        self.make_visible()
        copied: dict[str, int] = {}
        for alias in (self.names.listings, self.names.history):
            _, copied[alias] = indices.migrate_alias(self.client, self.names, alias, new_version)
        return copied

    def drop(self) -> None:
        """Delete every index of this prefix (for tests and resets)."""
        indices.delete_indices(self.client, self.names)

    def close(self) -> None:
        """Refresh writes not yet visible (so other clients see them at once), then close."""
        try:
            self.make_visible()
        except (ApiError, TransportError) as error:  # the writes stand; ES refreshes within 1 s
            logger.warning("could not refresh %s on close: %s", self, error)
        finally:
            self.client.close()

    def __enter__(self) -> ElasticsearchIndex:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ElasticsearchIndex({self.url or self.names.prefix!r})"

    @staticmethod
    def _compile(query: str, now: datetime | None) -> CompiledSearch:
        return compile_search(build_query(query, now=now))
