"""The `IndexBackend` contract that every index backend implements.

Both the embedded SQLite backend and the Elasticsearch backend pass the same contract test
suite over the same corpus: the same query returns the same listings on both.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Protocol, get_args, runtime_checkable

from crawlers.listing import Listing
from crawlers.vendor_profile import VendorProfile

SortOrder = Literal["relevance", "newest", "oldest", "price_asc", "price_desc"]
# what a search reads: the current listings, or the earlier versions kept when listings changed
VersionScope = Literal["current", "earlier"]
SORT_ORDERS: tuple[SortOrder, ...] = get_args(SortOrder)
VERSION_SCOPES: tuple[VersionScope, ...] = get_args(VersionScope)


def check_sort(sort: str) -> None:
    """ValueError for a sort order no backend knows."""
    if sort not in SORT_ORDERS:
        raise ValueError(f"unknown sort order {sort!r}; use one of {', '.join(SORT_ORDERS)}")


def check_page(limit: int, offset: int, sort: str) -> None:
    """ValueError for a negative page bound or an unknown sort order."""
    if limit < 0 or offset < 0:
        raise ValueError("limit and offset must not be negative")
    check_sort(sort)


def check_versions(versions: str) -> None:
    """ValueError for a version scope no backend knows."""
    if versions not in VERSION_SCOPES:
        raise ValueError(f"unknown versions {versions!r}; use {' or '.join(VERSION_SCOPES)}")


@dataclass(frozen=True)
class UpsertReport:
    """What one upsert batch did, by listing id."""

    new: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()

    def __add__(self, other: UpsertReport) -> UpsertReport:
        return UpsertReport(
            self.new + other.new,
            self.changed + other.changed,
            self.unchanged + other.unchanged,
        )


@dataclass(frozen=True)
class SearchHit:
    """A matching listing; of an earlier version in a search of `versions="earlier"`
    (`listing.id` and `listing.version` say which, `listing.captured_at` when it was seen)."""

    listing: Listing
    score: float
    highlights: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class FacetBucket:
    value: str
    count: int


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: list[SearchHit]
    facets: dict[str, list[FacetBucket]] = field(default_factory=dict)

    def document(self, query: str) -> dict[str, Any]:
        """The result as one JSON document (what `armswatch search --json` prints and the
        dashboard's `/api/search` answers): every hit's listing with its score and highlights."""
        return {
            "query": query,
            "total": self.total,
            "hits": [
                {
                    **hit.listing.model_dump(mode="json"),
                    "score": hit.score,
                    "highlights": hit.highlights,
                }
                for hit in self.hits
            ],
            "facets": {
                name: [{"value": bucket.value, "count": bucket.count} for bucket in buckets]
                for name, buckets in self.facets.items()
            },
        }


@runtime_checkable
class IndexBackend(Protocol):
    """Stores listings and answers Lucene-syntax queries over them."""

    def upsert(self, listings: Iterable[Listing]) -> UpsertReport:
        """Insert or update listings by id (idempotent).

        Keeps `first_seen`, moves `last_seen`, and when title, description, price, shipping,
        vendor or the status across removed/active changed, keeps the previous version in the
        history and bumps `version` (see `index.sqlite.versioning`).
        """
        ...

    def refresh(self) -> None:
        """Make every write so far, by any client of the same index, visible to searches
        (a no-op where writes are visible at once)."""
        ...

    def restore(self, items: Iterable[tuple[Listing, Sequence[Listing]]]) -> int:
        """Store (listing, earlier versions oldest first) pairs exactly as given, without the
        upsert rule: for copies between backends and backups. Replaces a stored listing of the
        same id and its versions of the same numbers; the number of listings written."""
        ...

    def get(self, listing_id: str) -> Listing | None: ...

    def get_many(self, listing_ids: Iterable[str]) -> dict[str, Listing]:
        """The stored listings among `listing_ids`, by id (ids not stored are left out)."""
        ...

    def history(self, listing_id: str) -> list[Listing]:
        """Every stored version of a listing, oldest first (the current one last)."""
        ...

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
    ) -> SearchResult:
        """Listings matching a Lucene query. With `versions="earlier"` the same query runs over
        the earlier versions instead (one hit per matching version, ties ordered by id and
        version), e.g. to find listings whose title once said what it no longer says."""
        ...

    def count(self, query: str = "*", *, versions: VersionScope = "current") -> int: ...

    def histogram(
        self, query: str = "*", field: str = "first_seen", interval: str = "day"
    ) -> list[tuple[date, int]]:
        """(first day of bucket, count) of the matching listings per calendar `interval`
        (day, week, month, year; UTC) of a date `field`, oldest first, empty buckets left out."""
        ...

    def scan_listings(self, query: str = "*", *, sort: SortOrder = "newest") -> Iterator[Listing]:
        """Every listing matching a query in `sort` order, streamed (for exports and copies)."""
        ...

    def earlier_versions(self, listing_ids: Iterable[str]) -> dict[str, list[Listing]]:
        """The archived versions of each listing, oldest first, without the current one;
        listings without any are left out."""
        ...

    def delete(self, listing_ids: Iterable[str]) -> int: ...

    def upsert_vendors(self, profiles: Iterable[VendorProfile]) -> int: ...

    def scan_vendors(self) -> Iterator[VendorProfile]:
        """Every stored vendor profile, streamed."""
        ...

    def close(self) -> None: ...
