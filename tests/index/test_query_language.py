"""The Lucene query language over the corpus of conftest.corpus_listings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from index.sqlite import SqliteIndex

SearchIds = Callable[..., set[str]]

ALL = {"glock19", "glock17", "switch", "ar15lower", "p320", "ak47strain", "ammo", "manual"}
GLOCKS = {"glock19", "glock17", "switch"}
FIREARM_RELATED = {"glock19", "glock17", "switch", "ar15lower", "p320", "ammo"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("glock", GLOCKS),
        ("GLOCK", GLOCKS),
        ("pistol", {"glock19", "p320"}),
        ("glock 19", {"glock19", "switch"}),  # implicit AND: switch has 17/19 in the description
        ("glock AND 19", {"glock19", "switch"}),
        ("glock OR sig", GLOCKS | {"p320"}),
        ("glock AND NOT switch", {"glock19", "glock17"}),
        ("glock -switch", {"glock19", "glock17"}),
        ("+glock -frame", {"glock19", "switch"}),
        ("NOT glock", ALL - GLOCKS),
        ("(glock OR sig) AND compact", {"p320"}),
        ("glock 19 OR 17", GLOCKS),  # implicit AND binds loosest: glock AND (19 OR 17)
        ("glock AND 19 OR sig", {"glock19", "switch", "p320"}),  # AND binds tighter than OR
        ("ironmike", {"glock19", "glock17", "ammo"}),  # bare terms search the vendor handle
        ("weapons", {"glock19"}),  # ... and the category path
        ("*", ALL),
        ("", ALL),
        ("*:*", ALL),
        ("glock^2 frame", {"glock17"}),  # boosts are accepted and ignored
    ],
)
def test_terms_and_boolean_logic(corpus_ids: SearchIds, query: str, expected: set[str]) -> None:
    assert corpus_ids(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"lower receiver"', {"ar15lower"}),
        ("lower receiver", {"ar15lower"}),
        ('"receiver lower"', set()),
        ("receiver lower", {"ar15lower"}),
        ('"receiver lower"~2', {"ar15lower"}),
        ("lower", {"ar15lower", "p320"}),
        ("AR-15", {"ar15lower"}),  # punctuation splits tokens: the phrase "ar 15"
        ("ar-15", {"ar15lower"}),
        ("AK-47", {"ak47strain"}),
        ("G.lock", {"switch"}),  # the phrase "g lock", not the word glock
        ("9x19", {"glock19"}),
        ("P320", {"p320"}),
        ("zurich", {"ar15lower"}),  # diacritics removed on both sides
        ("Zürich", {"ar15lower"}),
        ("CAFÉ", {"ar15lower"}),
        ("glock &", GLOCKS),  # a term without word characters is dropped
        ("&", set()),
    ],
)
def test_phrases_and_tokenisation(corpus_ids: SearchIds, query: str, expected: set[str]) -> None:
    assert corpus_ids(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("title:glock", GLOCKS),
        ("description:glock", set()),
        ("description:pistol", {"p320"}),
        ('title:"lower receiver"', {"ar15lower"}),
        ("title:(glock OR sig)", GLOCKS | {"p320"}),
        ("title:(glock AND -frame)", {"glock19", "switch"}),
        ("title:*", ALL),
        ("vendor:ironmike", {"glock19", "glock17", "ammo"}),
        ("vendor:IRONMIKE", {"glock19", "glock17", "ammo"}),
        ("vendor.handle:IronMike", {"glock19", "glock17", "ammo"}),
        ("vendor:iron", set()),  # keywords match whole values
        ("vendor:eagle", {"ar15lower", "p320"}),
        ("market:demomarket", ALL),
        ("category:conversion_device", {"switch"}),
        ("category:(firearm OR ammunition)", {"glock19", "p320", "ammo"}),
        ("firearm_related:true", FIREARM_RELATED),
        ("firearm_related:FALSE", {"ak47strain"}),
        ("NOT firearm_related:true", {"ak47strain", "manual"}),
        ("category_path:pistols", {"glock19"}),
        ("price.currency:btc", {"ak47strain"}),
        ("id:GLOCK19", {"glock19"}),
        ("language:EN", ALL),
        ("status:active", ALL),
    ],
)
def test_field_queries(corpus_ids: SearchIds, query: str, expected: set[str]) -> None:
    assert corpus_ids(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ships_to:DE", {"glock19", "switch", "ak47strain", "ammo"}),
        ("ships_to:de", {"glock19", "switch", "ak47strain", "ammo"}),
        ("ships_to:(US OR FR)", {"switch", "ar15lower", "p320"}),
        ("ships_to:DE AND ships_to:US", {"switch"}),
        ("ships_to:DE -ships_to:AT", {"switch", "ak47strain", "ammo"}),
        ("ships_from:cz", {"glock19"}),
        ("ships_to:*", ALL - {"manual"}),
        ("entity:9mm", {"glock19", "ammo"}),
        ('entity:"9x19mm parabellum"', {"glock19", "ammo"}),
        ('entity.calibre:"9x19mm Parabellum"', {"glock19", "ammo"}),
        ("entity.calibre:9MM", {"glock19", "ammo"}),
        ("entity.brand:9mm", set()),
        ("entity_label:calibre", {"glock19", "ammo"}),
        (
            "glock AND category:conversion_device AND ships_to:DE AND price.amount_usd:<500",
            {"switch"},
        ),
    ],
)
def test_keyword_lists(corpus_ids: SearchIds, query: str, expected: set[str]) -> None:
    assert corpus_ids(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("glo*", GLOCKS),
        ("GLO*", GLOCKS),
        ("gl?ck", GLOCKS),
        ("g*k", GLOCKS),
        ("sau*", {"p320"}),
        ("s?g", {"p320"}),
        ("*arry", {"p320"}),
        ("ar-1*", {"ar15lower"}),
        ("title:gl*", GLOCKS),
        ("description:gl*", set()),
        ("description:*ock", {"switch"}),  # the token "lock" of G.lock
        ("vendor:iron*", {"glock19", "glock17", "ammo"}),
        ("vendor:*LEAF", {"ak47strain"}),
        ("ships_to:?T", {"glock19"}),
        ("glo* -frame", {"glock19", "switch"}),
    ],
)
def test_wildcards(corpus_ids: SearchIds, query: str, expected: set[str]) -> None:
    assert corpus_ids(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("price.amount_usd:[120 TO 300]", {"switch", "ammo", "glock17"}),
        ("price.amount_usd:{120 TO 300]", {"ammo", "glock17"}),
        ("price.amount_usd:[120 TO 300}", {"switch", "ammo"}),
        ("price.amount_usd:{120 TO 300}", {"ammo"}),
        ("price.amount_usd:[1000 TO *]", {"p320"}),
        ("price.amount_usd:[* TO 200]", {"switch"}),
        ("price.amount_usd:<300", {"switch", "ammo"}),
        ("price.amount_usd:<=300", {"switch", "ammo", "glock17"}),
        ("price.amount_usd:>=500", {"ar15lower", "p320"}),
        ("price.amount_usd:>500", {"p320"}),
        ("price.amount_usd:120", {"switch"}),
        ("price.amount_usd:*", ALL - {"ak47strain", "manual"}),
        ("price.amount:<1", {"ak47strain"}),
        ("NOT price.amount_usd:<300", ALL - {"switch", "ammo"}),  # no price is not < 300
        ("version:1", ALL),
    ],
)
def test_numeric_ranges(corpus_ids: SearchIds, query: str, expected: set[str]) -> None:
    assert corpus_ids(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("first_seen:[now-7d TO now]", {"switch", "ak47strain", "glock19", "ammo"}),
        ("first_seen:>now-7d", {"switch", "ak47strain", "glock19", "ammo"}),
        ("first_seen:<now-30d", {"p320", "manual"}),
        ("first_seen:[now-45d TO now-15d]", {"glock17", "p320"}),
        ("last_seen:>=now-36h", {"switch"}),
        ("posted_at:2024-05-17", {"glock19"}),
        ("posted_at:2024-05", {"glock19"}),
        ("posted_at:[2024-05-01 TO 2024-05-17]", {"glock19"}),
        ("posted_at:[2024-05-01 TO 2024-05-17}", set()),
        ("posted_at:<2024-05-17", set()),
        ("posted_at:<=2024-05-17", {"glock19"}),
        ("posted_at:>2024-05-16", {"glock19"}),
        ("posted_at:>2024-05-17", set()),
        ('posted_at:[2024-05-17T10:00 TO "2024-05-17T12:30:00+02:00"]', {"glock19"}),
        ('posted_at:[2024-05-17T10:00 TO "2024-05-17T12:29:59+02:00"]', set()),
        ("posted_at:[2024-05-17T10:31 TO *]", set()),
        ("posted_at:*", {"glock19"}),
    ],
)
def test_date_ranges(corpus_ids: SearchIds, query: str, expected: set[str]) -> None:
    assert corpus_ids(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("posted_at:>now-1d", {"glock19"}),
        ("posted_at:>now-12h", set()),
        ("posted_at:now-1d/d", {"glock19"}),  # all of yesterday
        ("posted_at:[now-1d/d TO now/d}", {"glock19"}),
        ("posted_at:now/d", set()),
    ],
)
def test_date_math_is_anchored_at_now(
    corpus_index: SqliteIndex, query: str, expected: set[str]
) -> None:
    now = datetime(2024, 5, 18, 9, 0, tzinfo=UTC)  # glock19 was posted 2024-05-17T10:30Z
    found = {hit.listing.id for hit in corpus_index.search(query, now=now).hits}
    assert found == expected
    assert corpus_index.count(query, now=now) == len(expected)
