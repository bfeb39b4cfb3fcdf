"""The in-process rule matcher: the embedded index's query semantics over one batch at a time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawlers.listing import Annotations, Category, Entity, Listing, Price, Vendor
from index.sqlite import SqliteIndex
from rules.conditions import listing_query
from rules.matching import InProcessMatcher, InvalidRuleQueryError, open_matcher, parse_rule
from rules.model import Conditions, PriceRange, Rule
from tests.index.conftest import build_listing

NOW = datetime.now(UTC).replace(microsecond=0)


def _entity(label: str, normalized: str) -> Entity:
    return Entity(
        label=label, text=normalized, start=0, end=1, field="title", normalized=normalized
    )


def _annotated(category: Category, *entities: Entity) -> Annotations:
    return Annotations(firearm_related=category != "none", category=category, entities=[*entities])


def _listing(listing_id: str, usd: float | None = None, **fields: Any) -> Listing:
    price = Price(amount=usd, currency="USD", amount_usd=usd) if usd is not None else None
    seen = fields.pop("seen", NOW - timedelta(days=3))
    return build_listing(
        listing_id, price=price, first_seen=seen, last_seen=seen, captured_at=seen, **fields
    )


BATCH = [
    _listing(
        "sear",
        250,
        title="Glock auto sear switch",
        description="Full auto conversion, fits Glock 17/19",
        ships_to=["DE", "AT"],
        vendor=Vendor(handle="SwitchKing"),
        language="en",
        annotations=_annotated("conversion_device", _entity("make", "Glock")),
    ),
    _listing(
        "reversed",
        100,
        title="Sear, auto reset spring",
        ships_to=["US"],
        language="en",
        annotations=_annotated("essential_component"),
    ),
    _listing(
        "ammo",
        500,
        title="9mm Luger, 1000 rounds",
        ships_from=["RS"],
        ships_to=["WW"],
        language="en",
        annotations=_annotated("ammunition", _entity("calibre", "9x19mm Parabellum")),
    ),
    _listing(
        "pistolen",
        900,
        title="Zwei Pistolen, Glock 19",
        description="Übergabe in Zürich",
        ships_from=["CH"],
        ships_to=["DE", "CH"],
        language="de",
        annotations=_annotated("firearm", _entity("make", "Glock"), _entity("model", "Glock 19")),
        seen=NOW - timedelta(hours=2),
    ),
    _listing("frame", 501, title="Glock 17 frame", ships_to=["FR"], language="en"),
    _listing("no-price", title="Gunsmithing manual PDF", language="en", status="changed"),
]
ALL_IDS = {listing.id for listing in BATCH}


@pytest.fixture
def matcher() -> Iterator[InProcessMatcher]:
    with InProcessMatcher() as opened:
        yield opened


def matches(matcher: InProcessMatcher, query: str, batch: list[Listing] = BATCH) -> set[str]:
    """The ids of `batch` one rule with `query` matches."""
    matcher.load({"rule": query})
    return matcher.match(batch).get("rule", set())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"auto sear"', {"sear"}),
        ("auto sear", {"sear", "reversed"}),
        ('title:"glock 19"', {"pistolen"}),
        ('"glock 19"~2', {"sear", "pistolen"}),
    ],
)
def test_phrases_keep_word_order(matcher: InProcessMatcher, query: str, expected: set[str]) -> None:
    assert matches(matcher, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('entity.calibre:"9x19mm parabellum"', {"ammo"}),
        ('entity.calibre:"9x19mm Parabellum"', {"ammo"}),
        ("entity.calibre:9x19*", {"ammo"}),
        ("entity.make:glock", {"sear", "pistolen"}),
        ('entity.model:"glock 19"', {"pistolen"}),
        ("entity_label:calibre", {"ammo"}),
    ],
)
def test_entity_fields(matcher: InProcessMatcher, query: str, expected: set[str]) -> None:
    assert matches(matcher, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ships_to:(DE OR AT)", {"sear", "pistolen"}),
        ("ships_to:de AND ships_to:ch", {"pistolen"}),
        ("ships_to:ww", {"ammo"}),
        ("ships_from:(rs OR ch)", {"ammo", "pistolen"}),
    ],
)
def test_ships_to_lists(matcher: InProcessMatcher, query: str, expected: set[str]) -> None:
    assert matches(matcher, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("price.amount_usd:[100 TO 500]", {"sear", "reversed", "ammo"}),
        ("price.amount_usd:{100 TO 500}", {"sear"}),
        ("price.amount_usd:>500", {"pistolen", "frame"}),
        ("price.amount_usd:<=250", {"sear", "reversed"}),
        ("NOT price.amount_usd:<500", {"ammo", "pistolen", "frame", "no-price"}),
    ],
)
def test_price_ranges(matcher: InProcessMatcher, query: str, expected: set[str]) -> None:
    assert matches(matcher, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("glock -frame", {"sear", "pistolen"}),
        ("glock AND NOT category:conversion_device", {"pistolen", "frame"}),
        ("-glock", {"reversed", "ammo", "no-price"}),
        # listings without annotations have no category: not `none` either
        ("NOT category:none", ALL_IDS),
        ("category:* AND NOT category:none", {"sear", "reversed", "ammo", "pistolen"}),
    ],
)
def test_negation(matcher: InProcessMatcher, query: str, expected: set[str]) -> None:
    assert matches(matcher, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("glo*", {"sear", "pistolen", "frame"}),
        ("gl?ck", {"sear", "pistolen", "frame"}),
        ("*smithing", {"no-price"}),
        ("vendor:switch*", {"sear"}),
    ],
)
def test_wildcards(matcher: InProcessMatcher, query: str, expected: set[str]) -> None:
    assert matches(matcher, query) == expected


def test_stems_diacritics_and_status_as_in_the_embedded_index(matcher: InProcessMatcher) -> None:
    assert matches(matcher, "stem:pistole AND language:de") == {"pistolen"}
    assert matches(matcher, "zurich") == {"pistolen"}
    assert matches(matcher, "status:changed") == {"no-price"}


def test_dates_relative_to_now_are_evaluated_at_each_batch(matcher: InProcessMatcher) -> None:
    assert parse_rule("recent", "first_seen:>now-1d", NOW).relative
    assert not parse_rule("fixed", "first_seen:>2024-01-01", NOW).relative
    assert matches(matcher, "first_seen:>now-1d") == {"pistolen"}
    assert matches(matcher, "first_seen:[now-7d/d TO now]") == ALL_IDS


def test_rules_that_match_nothing_are_left_out(matcher: InProcessMatcher) -> None:
    matcher.load({"sears": '"auto sear"', "nothing": "zzzzyzzy", "no-one": "vendor:nobody"})
    assert matcher.match(BATCH) == {"sears": {"sear"}}


def test_every_rule_answers_in_one_match(matcher: InProcessMatcher) -> None:
    matcher.load({"glock": "glock", "ammo": "category:ammunition", "all": "*"})
    assert matcher.match(BATCH) == {
        "glock": {"sear", "pistolen", "frame"},
        "ammo": {"ammo"},
        "all": ALL_IDS,
    }


def test_rules_built_from_conditions(matcher: InProcessMatcher) -> None:
    rule = Rule(
        name="glock-into-dach",
        owner="desk",
        channels=["case-file"],
        query="glock",
        conditions=Conditions(
            category=["firearm", "conversion_device"],
            make=["Glock"],
            ships_to=["de", "AT"],
            price=PriceRange(min=200, max=900),
            language=["de", "en"],
        ),
    )
    assert matches(matcher, listing_query(rule)) == {"sear", "pistolen"}


def test_each_batch_is_matched_alone(matcher: InProcessMatcher) -> None:
    matcher.load({"glock": "glock"})
    assert matcher.match(BATCH[:2]) == {"glock": {"sear"}}
    assert matcher.match(BATCH[2:]) == {"glock": {"pistolen", "frame"}}
    assert matcher.match([]) == {}


def test_a_listing_twice_in_a_batch_matches_as_its_last_capture(matcher: InProcessMatcher) -> None:
    renamed = BATCH[0].model_copy(update={"title": "Auto reset spring"})
    matcher.load({"sear": '"auto sear"'})
    assert matcher.match([BATCH[0], renamed]) == {}


def test_reload_replaces_the_rules(matcher: InProcessMatcher) -> None:
    matcher.load({"glock": "glock", "ammo": "category:ammunition"})
    matcher.load({"swiss": "ships_from:ch"})
    assert matcher.rule_names == ["swiss"]
    assert matcher.match(BATCH) == {"swiss": {"pistolen"}}
    matcher.load({})
    assert matcher.match(BATCH) == {}


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("glock AND (", "invalid query"),
        ("colour:red", "unknown field 'colour'"),
        ("glock~2", "fuzzy"),
        ("price.amount_usd:cheap", "takes a number"),
        ("posted_at:yesterday", "takes a date"),
    ],
)
def test_an_invalid_query_names_its_rule(
    matcher: InProcessMatcher, query: str, problem: str
) -> None:
    matcher.load({"kept": "glock"})
    with pytest.raises(InvalidRuleQueryError, match=problem) as raised:
        matcher.load({"fine": "ammo", "broken": query})
    assert raised.value.rule == "broken"
    assert "rule 'broken'" in str(raised.value)
    assert matcher.rule_names == ["kept"]


def test_open_matcher_on_the_embedded_index(tmp_path: Path) -> None:
    with SqliteIndex(tmp_path / "armswatch.db") as index:
        matcher = open_matcher(index)
    assert isinstance(matcher, InProcessMatcher)
    matcher.close()
