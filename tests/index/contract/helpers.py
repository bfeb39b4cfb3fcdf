"""Helpers of the contract suite: every hit of a query, page by page."""

from __future__ import annotations

from typing import Any

from index.backend import IndexBackend, SearchHit

PAGE = 250


def all_hits(backend: IndexBackend, query: str, **options: Any) -> list[SearchHit]:
    """Every hit of a query in the backend's order, fetched PAGE at a time."""
    hits: list[SearchHit] = []
    while True:
        result = backend.search(query, limit=PAGE, offset=len(hits), **options)
        hits.extend(result.hits)
        if not result.hits or len(hits) >= result.total:
            return hits


def hit_ids(backend: IndexBackend, query: str, **options: Any) -> list[str]:
    return [hit.listing.id for hit in all_hits(backend, query, highlight=False, **options)]
