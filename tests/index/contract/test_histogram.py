"""Trends: `histogram` counts the matching listings per calendar bucket, alike on every backend.

Expected buckets are computed here from the corpus itself (for `*`) or from the dates of the
listings a query matches, so both backends must give exactly these buckets.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import pytest

from crawlers.listing import Listing
from index.backend import IndexBackend
from index.errors import FacetFieldError
from index.histogram import bucket_start

QUERIES = ("*", "glock", "price.amount_usd:[100 TO 1000]", "ships_to:us OR ships_to:de")
INTERVALS = ("day", "week", "month", "year")


def _first_seen(corpus: list[Listing], again: list[Listing]) -> dict[str, datetime]:
    seen = {listing.id: listing.first_seen for listing in corpus}
    for listing in again:
        seen[listing.id] = min(seen[listing.id], listing.first_seen)
    return seen


def _buckets(days: list[date], interval: str) -> list[tuple[date, int]]:
    return sorted(Counter(bucket_start(day, interval) for day in days).items())


@pytest.mark.parametrize("interval", INTERVALS)
def test_histogram_of_everything_counts_the_corpus(
    corpus_backend: IndexBackend,
    corpus: list[Listing],
    corpus_recrawl: list[Listing],
    interval: str,
) -> None:
    seen = _first_seen(corpus, corpus_recrawl)
    expected = _buckets([moment.date() for moment in seen.values()], interval)
    assert corpus_backend.histogram("*", interval=interval) == expected
    assert sum(count for _, count in expected) == corpus_backend.count("*")


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("field", ["first_seen", "last_seen", "posted_at"])
def test_histogram_counts_the_matching_listings(
    corpus_backend: IndexBackend, query: str, field: str
) -> None:
    days = [
        moment.date()
        for listing in corpus_backend.scan_listings(query)
        if (moment := getattr(listing, field)) is not None
    ]
    assert days, "the query should match dated listings"
    for interval in ("day", "month"):
        assert corpus_backend.histogram(query, field, interval) == _buckets(days, interval)


def test_histogram_of_nothing_is_empty(corpus_backend: IndexBackend) -> None:
    assert corpus_backend.histogram("nosuchwordanywhere") == []


@pytest.mark.parametrize("field", ["title", "vendor", "price.amount_usd", "nonsense"])
def test_histogram_needs_a_date_field(corpus_backend: IndexBackend, field: str) -> None:
    with pytest.raises(FacetFieldError):
        corpus_backend.histogram("*", field)


def test_histogram_rejects_unknown_intervals(corpus_backend: IndexBackend) -> None:
    with pytest.raises(ValueError, match="interval"):
        corpus_backend.histogram("*", interval="fortnight")
