"""One search with many facets, its two halves run side by side on two index backends.

Counting the values of nine facets over a large result costs more than finding its first
page, so the hits and the facets go to separate backends borrowed from the app's pool, in
threads (SQLite and the Elasticsearch client both wait outside the GIL), and are put back
together into the `SearchResult` one `IndexBackend.search` call would give. The facets stay
together: the embedded index finds the matches once for all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager

from index.backend import FacetBucket, IndexBackend, SearchResult, SortOrder

FACET_GROUPS = 1  # facets are counted in this many parallel searches, besides the hits
_WORKERS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="faceted-search")
Borrow = Callable[[], AbstractContextManager[IndexBackend]]
Facets = dict[str, list[FacetBucket]]


def faceted_search(
    borrow: Borrow,
    query: str,
    *,
    limit: int,
    offset: int,
    sort: SortOrder,
    facets: Sequence[str],
) -> SearchResult:
    """`IndexBackend.search(query, ...)` with highlights, its facets counted in parallel."""
    groups = [tuple(facets[start::FACET_GROUPS]) for start in range(FACET_GROUPS)]
    counted = [_WORKERS.submit(_facets, borrow, query, group) for group in groups if group]
    try:
        with borrow() as index:
            found = index.search(query, limit=limit, offset=offset, sort=sort)
        by_name = {name: buckets for part in counted for name, buckets in part.result().items()}
    finally:
        _settle(counted)
    return SearchResult(found.total, found.hits, {name: by_name[name] for name in facets})


def _facets(borrow: Borrow, query: str, group: tuple[str, ...]) -> Facets:
    with borrow() as index:
        return index.search(query, limit=0, facets=group, highlight=False).facets


def _settle(parts: list[Future[Facets]]) -> None:
    """Wait for every part (its backend goes back to the pool), errors left to the caller."""
    for part in parts:
        part.exception()
