"""Search results of the SQLite index: totals, order, paging, facets, highlights."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from index.backend import FacetBucket
from index.errors import FacetFieldError, UnknownFieldError
from index.sqlite import SqliteIndex


def hit_ids(index: SqliteIndex, query: str, **options: Any) -> list[str]:
    return [hit.listing.id for hit in index.search(query, limit=100, **options).hits]


def buckets(index: SqliteIndex, query: str, field: str) -> list[tuple[str, int]]:
    result = index.search(query, limit=0, facets=[field])
    return [(bucket.value, bucket.count) for bucket in result.facets[field]]


def test_count_and_total(corpus_index: SqliteIndex) -> None:
    assert corpus_index.count() == 8
    assert corpus_index.count("glock") == 3
    result = corpus_index.search("glock", limit=1)
    assert result.total == 3
    assert len(result.hits) == 1


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (
            "newest",
            ["switch", "ak47strain", "glock19", "ammo", "ar15lower", "glock17", "p320", "manual"],
        ),
        (
            "oldest",
            ["manual", "p320", "glock17", "ar15lower", "ammo", "glock19", "ak47strain", "switch"],
        ),
        (
            "price_asc",
            ["switch", "ammo", "glock17", "glock19", "ar15lower", "p320", "ak47strain", "manual"],
        ),
        (
            "price_desc",
            ["p320", "ar15lower", "glock19", "glock17", "ammo", "switch", "ak47strain", "manual"],
        ),
        (  # no full-text terms: most recently seen first
            "relevance",
            ["switch", "ak47strain", "glock19", "ammo", "ar15lower", "glock17", "p320", "manual"],
        ),
    ],
)
def test_sort_orders(corpus_index: SqliteIndex, sort: str, expected: list[str]) -> None:
    assert hit_ids(corpus_index, "*", sort=sort) == expected


def test_relevance_ranks_title_matches_first(corpus_index: SqliteIndex) -> None:
    hits = corpus_index.search("lower").hits
    assert [hit.listing.id for hit in hits] == ["ar15lower", "p320"]
    assert hits[0].score > hits[1].score > 0


def test_relevance_puts_text_matches_before_filter_only_matches(
    corpus_index: SqliteIndex,
) -> None:
    # ammo matches only by vendor filter; glock19 and glock17 match the word "frame"/"glock"
    order = hit_ids(corpus_index, "frame OR vendor:ironmike")
    assert order[0] == "glock17"
    assert order[1:] == ["glock19", "ammo"]  # then by last_seen, newest first


def test_paging_is_stable(corpus_index: SqliteIndex) -> None:
    page = corpus_index.search("*", sort="newest", limit=3, offset=3)
    assert page.total == 8
    assert [hit.listing.id for hit in page.hits] == ["ammo", "ar15lower", "glock17"]
    assert corpus_index.search("*", limit=0).hits == []
    assert corpus_index.search("*", offset=100).hits == []
    with pytest.raises(ValueError, match="negative"):
        corpus_index.search("*", limit=-1)


def test_facets_count_values_of_the_matching_listings(corpus_index: SqliteIndex) -> None:
    assert buckets(corpus_index, "*", "ships_to") == [
        ("de", 4),
        ("us", 2),
        ("at", 1),
        ("fr", 1),
        ("nl", 1),
        ("ww", 1),
    ]
    assert buckets(corpus_index, "*", "vendor") == [
        ("ironmike", 3),
        ("eagle", 2),
        ("greenleaf", 1),
        ("switchking", 1),
    ]
    assert buckets(corpus_index, "*", "firearm_related") == [("true", 6), ("false", 1)]
    assert buckets(corpus_index, "glock", "vendor") == [("ironmike", 2), ("switchking", 1)]
    assert buckets(corpus_index, "glock", "category") == [
        ("conversion_device", 1),
        ("essential_component", 1),
        ("firearm", 1),
    ]
    assert buckets(corpus_index, "nothing-matches-this", "ships_to") == []


def test_several_facets_at_once(corpus_index: SqliteIndex) -> None:
    result = corpus_index.search("ships_to:us", facets=["market", "entity_label", "vendor.handle"])
    assert result.facets == {
        "market": [FacetBucket("demomarket", 2)],
        "entity_label": [],
        "vendor.handle": [FacetBucket("eagle", 1), FacetBucket("switchking", 1)],
    }


def test_facets_on_unknown_or_text_fields_are_refused(corpus_index: SqliteIndex) -> None:
    with pytest.raises(FacetFieldError, match="unknown facet field 'shipsto'"):
        corpus_index.search("*", facets=["shipsto"])
    with pytest.raises(FacetFieldError, match="text field 'title'"):
        corpus_index.search("*", facets=["title"])
    with pytest.raises(FacetFieldError, match="number field"):
        corpus_index.search("*", facets=["price.amount_usd"])


def test_highlights_mark_the_matched_words(corpus_index: SqliteIndex) -> None:
    (hit,) = corpus_index.search("glock AND 19 AND gen5").hits
    assert hit.highlights == {
        "title": ["<mark>Glock</mark> <mark>19</mark> <mark>Gen5</mark> pistol"]
    }
    (hit,) = corpus_index.search('"lower receiver" AND ar-15').hits
    assert hit.highlights["title"] == ["<mark>AR-15</mark> <mark>lower receiver</mark>"]
    assert "<mark>lower receiver</mark>" in hit.highlights["description"][0]


def test_highlights_are_html_escaped(corpus_index: SqliteIndex) -> None:
    (hit,) = corpus_index.search("cannabis").hits
    (fragment,) = hit.highlights["description"]
    assert "<mark>cannabis</mark>" in fragment
    assert "&lt;script&gt;" in fragment and "<script>" not in fragment


def test_highlights_only_for_words_that_count(corpus_index: SqliteIndex) -> None:
    (hit,) = corpus_index.search("title:glock -frame AND description:magazines").hits
    assert hit.highlights["title"] == ["<mark>Glock</mark> 19 Gen5 pistol"]
    assert hit.highlights["description"] == [
        "Brand new, 9x19 Parabellum, with two <mark>magazines</mark>"
    ]
    assert corpus_index.search("ships_to:de").hits[0].highlights == {}
    assert corpus_index.search("glock", highlight=False).hits[0].highlights == {}


def test_unknown_field_in_search_is_reported(corpus_index: SqliteIndex) -> None:
    with pytest.raises(UnknownFieldError):
        corpus_index.search("shipsto:de")


def test_facets_on_entity_labels(corpus_index: SqliteIndex) -> None:
    assert buckets(corpus_index, "*", "entity.calibre") == [("9mm", 2), ("9x19mm parabellum", 2)]


def test_searches_from_several_threads(corpus_index: SqliteIndex) -> None:
    queries = {"glock": 3, "ships_to:DE": 4, "price.amount_usd:<300": 2, "gl?ck -frame": 2}

    def run(query: str) -> tuple[str, int]:
        return query, corpus_index.search(query, facets=["vendor"]).total

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, [query for _ in range(25) for query in queries]))
    assert all(total == queries[query] for query, total in results)
