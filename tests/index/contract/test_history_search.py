"""Searching earlier versions (`versions="earlier"`): the same queries, on every backend.

Each test runs on both backends and asserts exact ids and version numbers, so both backends
give the same hits.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawlers.listing import Listing, Price
from index.backend import IndexBackend
from tests.index.conftest import build_listing

CAPTURED = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def _later(listing: Listing, days: int, **changes: object) -> Listing:
    when = CAPTURED + timedelta(days=days)
    return listing.model_copy(update={"captured_at": when, "last_seen": when, **changes})


def _usd(amount: float) -> Price:
    return Price(amount=amount, currency="USD", amount_usd=amount)


def _fill(backend: IndexBackend) -> None:
    """`renamed` said "Glock 19" in v1 and v2 and says something else in v3; `repriced` changed
    only its price; `steady` never changed."""
    renamed = build_listing(
        "renamed", title="Glock 19 Gen5", description="Pistole, neu", language="de", price=_usd(600)
    )
    repriced = build_listing("repriced", title="Glock 17 frame", price=_usd(300), ships_to=["DE"])
    steady = build_listing("steady", title="Glock 26 compact", price=_usd(700))
    backend.upsert([renamed, repriced, steady])
    backend.upsert([_later(renamed, 1, price=_usd(550)), _later(repriced, 1, price=_usd(250))])
    backend.upsert([_later(renamed, 2, title="Compact 9mm handgun", price=_usd(550))])


def _versions(backend: IndexBackend, query: str, **options: object) -> list[tuple[str, int]]:
    result = backend.search(query, limit=100, versions="earlier", sort="oldest", **options)
    return sorted((hit.listing.id, hit.listing.version) for hit in result.hits)


def test_an_old_title_is_found_only_in_the_history(backend: IndexBackend) -> None:
    _fill(backend)
    current = {hit.listing.id for hit in backend.search("title:glock", limit=100).hits}
    assert current == {"repriced", "steady"}
    assert _versions(backend, "title:glock") == [("renamed", 1), ("renamed", 2), ("repriced", 1)]
    assert _versions(backend, '"glock 19"') == [("renamed", 1), ("renamed", 2)]
    assert backend.count("title:glock", versions="earlier") == 3
    assert backend.search("title:glock", limit=0, versions="earlier").total == 3


def test_field_queries_ranges_and_negations_work_on_versions(backend: IndexBackend) -> None:
    _fill(backend)
    assert _versions(backend, "price.amount_usd:>=550") == [("renamed", 1), ("renamed", 2)]
    assert _versions(backend, "price.amount_usd:[500 TO 600}") == [("renamed", 2)]
    assert _versions(backend, "ships_to:de AND glock") == [("repriced", 1)]
    assert _versions(backend, "glock AND NOT version:1") == [("renamed", 2)]
    assert _versions(backend, "id:steady") == []
    day = CAPTURED.date().isoformat()
    assert _versions(backend, f"captured_at:{day}") == [
        ("renamed", 1),
        ("repriced", 1),
    ]


def test_stem_search_reads_the_version_language(backend: IndexBackend) -> None:
    _fill(backend)
    assert _versions(backend, "stem:Pistolen") == [("renamed", 1), ("renamed", 2)]
    assert _versions(backend, "pistolen") == []


def test_version_hits_carry_their_own_text_seen_times_and_highlights(
    backend: IndexBackend,
) -> None:
    _fill(backend)
    result = backend.search("title:glock AND id:renamed", versions="earlier", sort="oldest")
    first, second = result.hits
    assert (first.listing.version, first.listing.price) == (1, _usd(600))
    assert second.listing.captured_at == CAPTURED + timedelta(days=1)
    assert second.listing.title == "Glock 19 Gen5"
    assert second.highlights["title"] == ["<mark>Glock</mark> 19 Gen5"]


def test_versions_page_in_a_stable_order_and_facet(backend: IndexBackend) -> None:
    _fill(backend)
    pages = [
        [
            (h.listing.id, h.listing.version)
            for h in backend.search(
                "glock", limit=1, offset=offset, versions="earlier", sort="price_desc"
            ).hits
        ]
        for offset in range(3)
    ]
    assert pages == [[("renamed", 1)], [("renamed", 2)], [("repriced", 1)]]
    facets = backend.search("*", limit=0, facets=["ships_to"], versions="earlier").facets
    assert [(b.value, b.count) for b in facets["ships_to"]] == [("de", 1)]


def test_deleted_listings_leave_no_searchable_versions(backend: IndexBackend) -> None:
    _fill(backend)
    backend.delete(["renamed"])
    assert _versions(backend, "glock") == [("repriced", 1)]


def test_restored_versions_are_searchable(backend: IndexBackend) -> None:
    old = build_listing("restored", title="Glock 43", version=1)
    now = _later(old, 5, title="Subcompact", version=2)
    backend.restore([(now, [old])])
    assert _versions(backend, "title:glock") == [("restored", 1)]


def test_an_unknown_version_scope_is_refused(backend: IndexBackend) -> None:
    with pytest.raises(ValueError, match="current or earlier"):
        backend.search("glock", versions="all")  # type: ignore[arg-type]
