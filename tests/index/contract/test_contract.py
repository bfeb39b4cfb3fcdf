"""The behaviour every index backend must show (each test runs on every backend).

Upserts are idempotent by id, keep `first_seen`, move `last_seen`, and version content changes
with their history; get, count and delete agree with search; facets count the matching
listings; highlights mark matches and are HTML-safe; sorts order and paging covers every hit
once; bad queries raise the index's query errors.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crawlers.listing import Annotations, Entity, Listing, Price
from index.backend import FacetBucket, IndexBackend, SearchHit, SortOrder, UpsertReport
from index.errors import FacetFieldError, QuerySyntaxError, UnknownFieldError
from index.fields import lookup_field, normalize_keyword
from tests.index.contract.helpers import all_hits, hit_ids

MakeListing = Callable[..., Listing]
CAPTURED = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)  # when make_listing's listings are captured
LATER = CAPTURED + timedelta(days=2)
EVEN_LATER = CAPTURED + timedelta(days=5)
FACET_SIZE = 20  # buckets per facet, most frequent first, ties by value


def recaptured(listing: Listing, when: datetime = LATER, **changes: Any) -> Listing:
    """The same listing crawled again at `when` (first_seen set as a fresh crawl sets it)."""
    update = {"captured_at": when, "last_seen": when, "first_seen": when, **changes}
    return listing.model_copy(update=update)


def usd(amount: float) -> Price:
    return Price(amount=amount, currency="USD", amount_usd=amount)


# --- upsert -------------------------------------------------------------------------------


def test_backend_implements_the_protocol(backend: IndexBackend) -> None:
    assert isinstance(backend, IndexBackend)
    assert backend.count() == 0
    assert backend.search("*").total == 0


def test_upsert_is_idempotent_by_id(backend: IndexBackend, make_listing: MakeListing) -> None:
    batch = [make_listing("a", title="Glock 19"), make_listing("b", title="Glock 17")]
    assert backend.upsert(batch) == UpsertReport(new=("a", "b"))
    assert backend.upsert(batch) == UpsertReport(unchanged=("a", "b"))
    assert backend.count() == 2
    assert backend.count("glock") == 2
    assert backend.get("a") == batch[0]
    assert backend.get("b") == batch[1]
    assert [version.version for version in backend.history("a")] == [1]


def test_upsert_reports_new_and_unchanged_in_one_batch(
    backend: IndexBackend, make_listing: MakeListing
) -> None:
    backend.upsert([make_listing("a")])
    report = backend.upsert([make_listing("a"), make_listing("b")])
    assert report == UpsertReport(new=("b",), unchanged=("a",))
    assert backend.count() == 2


def test_recapture_keeps_first_seen_and_moves_last_seen(
    backend: IndexBackend, make_listing: MakeListing
) -> None:
    listing = make_listing("a", price=usd(500))
    backend.upsert([listing])
    assert backend.upsert([recaptured(listing)]) == UpsertReport(unchanged=("a",))
    stored = backend.get("a")
    assert stored is not None
    assert (stored.first_seen, stored.last_seen, stored.captured_at) == (CAPTURED, LATER, LATER)
    assert (stored.version, stored.status) == (1, "active")
    assert backend.count("last_seen:>=2024-06-03") == 1
    assert backend.count("first_seen:[2024-06-01 TO 2024-06-01]") == 1


def test_price_change_bumps_version_and_keeps_history(
    backend: IndexBackend, make_listing: MakeListing
) -> None:
    listing = make_listing("a", title="Glock 19", price=usd(500))
    backend.upsert([listing])
    assert backend.upsert([recaptured(listing, price=usd(450))]) == UpsertReport(changed=("a",))
    assert backend.upsert([recaptured(listing, EVEN_LATER, price=usd(400))]) == UpsertReport(
        changed=("a",)
    )
    stored = backend.get("a")
    assert stored is not None
    assert (stored.version, stored.status, stored.first_seen) == (3, "changed", CAPTURED)
    assert stored.last_seen == EVEN_LATER
    history = backend.history("a")
    assert [(v.version, v.price.amount if v.price else None) for v in history] == [
        (1, 500),
        (2, 450),
        (3, 400),
    ]
    assert history[-1] == stored
    assert [v.captured_at for v in history] == [CAPTURED, LATER, EVEN_LATER]
    # only the current version is searched
    assert backend.count("glock") == 1
    assert backend.count("price.amount_usd:500") == 0
    assert backend.count("price.amount_usd:400 AND version:3 AND status:changed") == 1


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Glock 19 Gen5"},
        {"description": "now with three magazines"},
        {"price": Price(amount=500, currency="EUR", amount_usd=540)},
        {"ships_from": ["AT"]},
        {"ships_to": ["DE", "FR"]},
        {"shipping_methods": ["dhl", "ups"]},
    ],
    ids=["title", "description", "currency", "ships_from", "ships_to", "shipping_methods"],
)
def test_content_changes_make_a_new_version(
    backend: IndexBackend, make_listing: MakeListing, change: dict[str, Any]
) -> None:
    listing = make_listing(
        "a",
        title="Glock 19",
        description="with two magazines",
        price=usd(500),
        ships_from=["CZ"],
        ships_to=["DE"],
        shipping_methods=["dhl"],
    )
    backend.upsert([listing])
    assert backend.upsert([recaptured(listing, **change)]) == UpsertReport(changed=("a",))
    stored = backend.get("a")
    assert stored is not None and stored.version == 2
    assert [v.version for v in backend.history("a")] == [1, 2]


def test_unchanged_recrawl_keeps_the_version(
    backend: IndexBackend, make_listing: MakeListing
) -> None:
    listing = make_listing("a", price=usd(500))
    backend.upsert([listing])
    backend.upsert([recaptured(listing, price=usd(450))])
    annotations = Annotations(firearm_related=True, category="firearm", score=0.9)
    again = recaptured(listing, EVEN_LATER, price=usd(450), annotations=annotations)
    assert backend.upsert([again]) == UpsertReport(unchanged=("a",))
    stored = backend.get("a")
    assert stored is not None
    assert (stored.version, stored.status) == (2, "active")
    assert (stored.first_seen, stored.last_seen) == (CAPTURED, EVEN_LATER)
    assert stored.annotations == annotations  # the newer capture's other fields are kept
    assert [v.version for v in backend.history("a")] == [1, 2]
    assert backend.count("category:firearm") == 1


def test_get_count_and_delete(backend: IndexBackend, make_listing: MakeListing) -> None:
    backend.upsert([make_listing(name, title=f"Glock {name}") for name in ("a", "b", "c")])
    assert backend.get("missing") is None
    assert backend.history("missing") == []
    assert backend.count() == backend.count("*") == 3
    assert backend.delete(["a", "missing", "a"]) == 1
    assert backend.get("a") is None
    assert backend.history("a") == []
    assert backend.count() == 2
    assert backend.count("glock") == 2
    assert sorted(hit.listing.id for hit in backend.search("glock").hits) == ["b", "c"]
    assert backend.delete(["a"]) == 0
    assert backend.delete(["b", "c"]) == 2
    assert backend.count() == 0


def test_get_many_gives_the_stored_listings_by_id(
    backend: IndexBackend, make_listing: MakeListing
) -> None:
    listings = [make_listing(name, title=f"Glock {name}") for name in ("a", "b", "c")]
    backend.upsert(listings)
    backend.upsert([recaptured(listings[1], title="Glock b, price lowered")])
    found = backend.get_many(["c", "missing", "b", "c"])
    assert sorted(found) == ["b", "c"]
    assert found["c"] == listings[2]
    assert found["b"] == backend.get("b") and found["b"].version == 2
    assert backend.get_many([]) == {}


def test_a_deleted_listing_comes_back_as_new(
    backend: IndexBackend, make_listing: MakeListing
) -> None:
    listing = make_listing("a", price=usd(500))
    backend.upsert([listing])
    backend.upsert([recaptured(listing, price=usd(450))])
    backend.delete(["a"])
    assert backend.upsert([listing]) == UpsertReport(new=("a",))
    assert [v.version for v in backend.history("a")] == [1]


# --- the corpus: round trip, counts, facets -------------------------------------------------


def test_listings_round_trip(corpus_backend: IndexBackend, corpus: list[Listing]) -> None:
    recrawled = {listing.id for listing in corpus[::23]}
    kept = [listing for listing in corpus if listing.id not in recrawled]
    for listing in kept[::10]:
        assert corpus_backend.get(listing.id) == listing
    assert corpus_backend.count() == len(corpus)


@pytest.mark.parametrize(
    "query",
    ["*", "glock", "ships_to:de", "price.amount_usd:[100 TO 500]", "-category:none", "zzzzzz"],
)
def test_count_equals_the_search_total(corpus_backend: IndexBackend, query: str) -> None:
    total = corpus_backend.count(query)
    assert corpus_backend.search(query, limit=1).total == total
    assert len(hit_ids(corpus_backend, query)) == total


def expected_buckets(hits: list[SearchHit], facet: str) -> list[FacetBucket]:
    """The FACET_SIZE most frequent values of a field among the hits, ties by value."""
    field = lookup_field(facet)
    assert field is not None
    counts: Counter[str] = Counter()
    for hit in hits:
        value = field.read(hit.listing)
        if isinstance(value, tuple):
            counts.update(value)
        elif isinstance(value, bool):
            counts["true" if value else "false"] += 1
        elif value is not None:
            counts[str(value)] += 1
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [FacetBucket(value, count) for value, count in ordered[:FACET_SIZE]]


FACETS = [
    "market",
    "vendor",
    "source",
    "language",
    "status",
    "category",
    "firearm_related",
    "ships_from",
    "ships_to",
    "shipping_methods",
    "price.currency",
    "entity_label",
    "entity.calibre",
    "vendor.handle",
]


@pytest.mark.parametrize("query", ["*", "glock", "ships_to:de AND -category:none", "zzzzzz"])
def test_facets_count_the_matching_listings(corpus_backend: IndexBackend, query: str) -> None:
    result = corpus_backend.search(query, limit=0, facets=FACETS)
    assert result.hits == []
    hits = all_hits(corpus_backend, query, highlight=False)
    assert result.total == len(hits)
    assert set(result.facets) == set(FACETS)
    for facet in FACETS:
        assert result.facets[facet] == expected_buckets(hits, facet), facet


def test_facets_on_unknown_or_uncountable_fields_are_refused(
    corpus_backend: IndexBackend,
) -> None:
    for facet in ("shipsto", "title", "price.amount_usd"):
        with pytest.raises(FacetFieldError):
            corpus_backend.search("*", facets=[facet])


# --- highlights -----------------------------------------------------------------------------

MARKED = re.compile(r"<mark>(.*?)</mark>")


def unmarked(fragment: str) -> str:
    """The text of a highlight fragment: marks removed, entities decoded, ellipses trimmed."""
    return html.unescape(fragment.replace("<mark>", "").replace("</mark>", "")).strip("…. ")


def assert_html_safe(fragment: str) -> None:
    """No markup in a fragment but <mark>…</mark>: every other < and > is escaped."""
    rest = fragment.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in rest and ">" not in rest, fragment


def test_highlights_mark_matches_and_are_html_escaped(corpus_backend: IndexBackend) -> None:
    (hit,) = corpus_backend.search("glock AND id:contract-html").hits
    assert set(hit.highlights) == {"title", "description"}
    title = hit.listing.title
    (fragment,) = hit.highlights["title"]
    assert unmarked(fragment) == title
    assert "<mark>Glock</mark>" in fragment
    assert "&lt;b&gt;" in fragment and "&amp;" in fragment
    assert_html_safe(fragment)
    for fragment in hit.highlights["description"]:
        assert "<mark>glock</mark>" in fragment
        assert "&lt;script&gt;" in fragment and "<script>" not in fragment
        assert_html_safe(fragment)
        for piece in unmarked(fragment).split("…"):
            assert piece.strip() in hit.listing.description


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("glock", {"glock"}),
        ('"lower receiver"', {"lower receiver", "lower", "receiver"}),
        ("title:p320 OR description:p320", {"p320"}),
        ("läufe", {"läufe"}),
        ("патроны", {"патроны"}),
    ],
)
def test_highlights_mark_only_query_words(
    corpus_backend: IndexBackend, query: str, words: set[str]
) -> None:
    hits = all_hits(corpus_backend, query)
    assert hits
    for hit in hits:
        assert set(hit.highlights) <= {"title", "description"}
        marked = [
            normalize_keyword(word)
            for fragments in hit.highlights.values()
            for fragment in fragments
            for word in MARKED.findall(fragment)
        ]
        assert marked, hit.listing.id
        assert set(marked) <= words, hit.listing.id
        for field, fragments in hit.highlights.items():
            for fragment in fragments:
                assert_html_safe(fragment)
                for piece in unmarked(fragment).split("…"):
                    assert piece.strip() in getattr(hit.listing, field)


def test_no_highlights_for_filters_or_when_not_asked(corpus_backend: IndexBackend) -> None:
    assert all(hit.highlights == {} for hit in corpus_backend.search("ships_to:de").hits)
    assert all(hit.highlights == {} for hit in corpus_backend.search("vendor:ironmike").hits)
    hits = corpus_backend.search("glock", highlight=False).hits
    assert hits and all(hit.highlights == {} for hit in hits)


# --- sorting and paging ---------------------------------------------------------------------


def _price_key(listing: Listing) -> tuple[bool, float]:
    amount = listing.price.amount_usd if listing.price else None
    return (amount is None, amount or 0.0)


SORT_KEYS: dict[str, tuple[Callable[[Listing], Any], bool]] = {
    "newest": (lambda listing: listing.first_seen, True),
    "oldest": (lambda listing: listing.first_seen, False),
    "price_asc": (_price_key, False),
    "price_desc": (lambda listing: (_price_key(listing)[0], -_price_key(listing)[1]), False),
}


@pytest.mark.parametrize("sort", list(SORT_KEYS))
@pytest.mark.parametrize("query", ["*", "glock OR ak", "ships_to:de"])
def test_sorts_order_the_hits(corpus_backend: IndexBackend, sort: SortOrder, query: str) -> None:
    key, descending = SORT_KEYS[sort]
    listings = [hit.listing for hit in all_hits(corpus_backend, query, sort=sort)]
    assert len(listings) == corpus_backend.count(query) > 1
    keys = [key(listing) for listing in listings]
    assert keys == sorted(keys, reverse=descending)


def test_times_within_one_millisecond_sort_apart(
    backend: IndexBackend, make_listing: MakeListing
) -> None:
    """Microseconds count: listings first seen within one millisecond sort by their time,
    not by their id, on every backend (an Elasticsearch `date` keeps milliseconds only)."""
    times = {"a": 900, "b": 500, "c": 100}  # microseconds past CAPTURED: a is the newest
    backend.upsert(
        [
            make_listing(listing_id).model_copy(
                update={"first_seen": CAPTURED + timedelta(microseconds=us)}
            )
            for listing_id, us in times.items()
        ]
    )
    assert hit_ids(backend, "*", sort="newest") == ["a", "b", "c"]
    assert hit_ids(backend, "*", sort="oldest") == ["c", "b", "a"]


def test_listings_without_a_price_sort_last(corpus_backend: IndexBackend) -> None:
    for sort in ("price_asc", "price_desc"):
        ids = hit_ids(corpus_backend, "gunsmithing OR glock", sort=sort)
        assert ids[-1] == "contract-bare"


@pytest.mark.parametrize("sort", ["relevance", *SORT_KEYS])
@pytest.mark.parametrize("query", ["*", "glock OR pistol", "-category:none"])
def test_paging_covers_every_hit_once(
    corpus_backend: IndexBackend, sort: SortOrder, query: str
) -> None:
    everything = hit_ids(corpus_backend, query, sort=sort)
    total = corpus_backend.count(query)
    assert len(everything) == total > 37
    paged: list[str] = []
    for offset in range(0, total + 37, 37):
        result = corpus_backend.search(query, limit=37, offset=offset, sort=sort, highlight=False)
        assert result.total == total
        assert len(result.hits) == max(0, min(37, total - offset))
        paged.extend(hit.listing.id for hit in result.hits)
    assert paged == everything
    assert len(set(paged)) == total


def test_limit_zero_and_offsets_past_the_end(corpus_backend: IndexBackend) -> None:
    total = corpus_backend.count("glock")
    assert corpus_backend.search("glock", limit=0).hits == []
    assert corpus_backend.search("glock", limit=0).total == total
    past = corpus_backend.search("glock", offset=total + 5)
    assert (past.hits, past.total) == ([], total)


# --- query errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "glock AND (",
        '"unclosed',
        "price.amount_usd:[1 TO",
        "glock AND AND 19",
        "glock)",
        "price.amount_usd:cheap",
        "first_seen:>yesterday",
        "firearm_related:maybe",
        "glock [1 TO 2]",
        "title:[a TO b]",
        "glock~",
        "glock AND /gl.ck/",
        "glock && 19",
    ],
)
def test_syntax_errors_raise_query_syntax_error(corpus_backend: IndexBackend, query: str) -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        corpus_backend.search(query)
    assert not isinstance(raised.value, UnknownFieldError)
    assert raised.value.query == query
    with pytest.raises(QuerySyntaxError):
        corpus_backend.count(query)


@pytest.mark.parametrize("query", ["shipsto:de", "glock AND vendr:eagle", "entity.:9mm", "x.y:1"])
def test_unknown_fields_raise_unknown_field_error(corpus_backend: IndexBackend, query: str) -> None:
    with pytest.raises(UnknownFieldError):
        corpus_backend.search(query)
    with pytest.raises(UnknownFieldError):
        corpus_backend.count(query)


def test_entity_label_fields_need_no_registration(corpus_backend: IndexBackend) -> None:
    assert corpus_backend.count("entity.no_such_label:x") == 0
    assert corpus_backend.count('entity.calibre:"9x19mm parabellum"') > 0


def test_entities_are_searchable_by_value_and_text(
    backend: IndexBackend, make_listing: MakeListing
) -> None:
    nine = Entity(
        label="CALIBRE", text="9mm", start=0, end=3, field="title", normalized="9x19mm Parabellum"
    )
    annotations = Annotations(firearm_related=True, category="ammunition", entities=[nine])
    backend.upsert([make_listing("a", title="9mm FMJ", annotations=annotations)])
    for query in (
        'entity.calibre:"9x19mm Parabellum"',
        "entity.calibre:9mm",
        "entity.CALIBRE:9MM",
        "entity:9mm",
        "entity_label:calibre",
        "entity_label:CALIBRE",
    ):
        assert backend.count(query) == 1, query
    assert backend.count("entity.model:9mm") == 0
