"""Searching the listings index: ordered hits, totals, facets, highlights, deep pages.

Ordering matches the embedded backend (`index.sqlite.search`):
- relevance: full-text score (filter-only matches score 0), then newest `last_seen`
- newest / oldest: by `first_seen`; price_asc / price_desc: by `price.amount_usd`, missing last
Ties are broken by the listing id (and version, among earlier versions), so pages are stable.
The same functions search the history index (earlier versions) when given its alias. Pages
within the first `MAX_RESULT_WINDOW` hits use from/size; deeper ones walk there with
`search_after` in a point-in-time, as `scan_hits` does.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any

from elasticsearch import Elasticsearch

from crawlers.listing import Listing
from index.backend import (
    FacetBucket,
    SearchHit,
    SearchResult,
    SortOrder,
    check_page,
    check_sort,
)
from index.elasticsearch.documents import LISTING_KEY, SORT_ID, es_field, listing_from_source
from index.elasticsearch.highlight import highlight_listing
from index.elasticsearch.query_dsl import CompiledSearch
from index.fields import IndexField, facet_field

FACET_SIZE = 20
MAX_RESULT_WINDOW = 10_000  # Elasticsearch's default index.max_result_window
SCAN_PAGE = 1000
PIT_KEEP_ALIVE = "2m"
# the listing id, then the version (unique among earlier versions; one per current listing)
_TIE_BREAK = [{SORT_ID: "asc"}, {"version": {"order": "asc", "missing": "_last"}}]
SORTS: dict[SortOrder, list[Any]] = {
    "relevance": [
        {"_score": "desc"},
        {"last_seen": {"order": "desc", "missing": "_last"}},
        *_TIE_BREAK,
    ],
    "newest": [{"first_seen": "desc"}, *_TIE_BREAK],
    "oldest": [{"first_seen": "asc"}, *_TIE_BREAK],
    "price_asc": [{"price.amount_usd": {"order": "asc", "missing": "_last"}}, *_TIE_BREAK],
    "price_desc": [{"price.amount_usd": {"order": "desc", "missing": "_last"}}, *_TIE_BREAK],
}


def search_listings(
    client: Elasticsearch,
    alias: str,
    compiled: CompiledSearch,
    *,
    limit: int,
    offset: int,
    facets: Sequence[str],
    sort: SortOrder,
    highlight: bool,
) -> SearchResult:
    check_page(limit, offset, sort)
    facet_fields = [facet_field(name) for name in facets]
    aggregations = {
        f"facet_{number}": _facet_aggregation(field) for number, field in enumerate(facet_fields)
    }
    shallow = offset + limit <= MAX_RESULT_WINDOW
    response = client.search(
        index=alias,
        query=compiled.query,
        sort=SORTS[sort],
        from_=offset if shallow else 0,
        size=limit if shallow else 0,
        track_total_hits=True,
        source_includes=[LISTING_KEY],
        aggregations=aggregations or None,
    )
    if shallow:
        raw_hits = response["hits"]["hits"]
    else:
        raw_hits = list(islice(scan_hits(client, alias, compiled, sort), offset, offset + limit))
    hits = [_hit(raw, compiled, highlight) for raw in raw_hits]
    buckets = response.get("aggregations", {})
    return SearchResult(
        total=int(response["hits"]["total"]["value"]),
        hits=hits,
        facets={name: _buckets(buckets[f"facet_{number}"]) for number, name in enumerate(facets)},
    )


def count_listings(client: Elasticsearch, alias: str, compiled: CompiledSearch) -> int:
    return int(client.count(index=alias, query=compiled.query)["count"])


def _hit(raw: dict[str, Any], compiled: CompiledSearch, highlight: bool) -> SearchHit:
    listing = listing_from_source(raw["_source"])
    marked = highlight_listing(listing, compiled.positive_text) if highlight else {}
    return SearchHit(listing, float(raw.get("_score") or 0.0), marked)


def scan_hits(
    client: Elasticsearch, alias: str, compiled: CompiledSearch, sort: SortOrder = "newest"
) -> Iterator[dict[str, Any]]:
    """Every matching hit in `sort` order, paged with search_after in a point-in-time."""
    check_sort(sort)
    pit_id = client.open_point_in_time(index=alias, keep_alive=PIT_KEEP_ALIVE)["id"]
    try:
        search_after: list[Any] | None = None
        while True:
            response = client.search(
                query=compiled.query,
                sort=SORTS[sort],
                size=SCAN_PAGE,
                pit={"id": pit_id, "keep_alive": PIT_KEEP_ALIVE},
                search_after=search_after,
                source_includes=[LISTING_KEY],
                track_total_hits=False,
            )
            pit_id = response.get("pit_id", pit_id)
            page = response["hits"]["hits"]
            yield from page
            if len(page) < SCAN_PAGE:
                return
            search_after = page[-1]["sort"]
    finally:
        client.close_point_in_time(id=pit_id)


def scan_listings(
    client: Elasticsearch, alias: str, compiled: CompiledSearch, sort: SortOrder = "newest"
) -> Iterator[Listing]:
    for raw in scan_hits(client, alias, compiled, sort):
        yield listing_from_source(raw["_source"])


def _facet_aggregation(field: IndexField) -> dict[str, Any]:
    return {
        "terms": {
            "field": es_field(field.name),
            "size": FACET_SIZE,
            "order": [{"_count": "desc"}, {"_key": "asc"}],
        }
    }


def _buckets(aggregation: dict[str, Any]) -> list[FacetBucket]:
    return [
        FacetBucket(str(bucket.get("key_as_string", bucket["key"])), int(bucket["doc_count"]))
        for bucket in aggregation["buckets"]
    ]
