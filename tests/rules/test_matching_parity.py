"""Contract: the in-process and the Elasticsearch rule matchers give exactly the same matches.

Both match the same rules against the same batch of the contract corpus (demo offers,
annotated, and hand-made extras; `tests/index/contract/corpus.py`), which is upserted into a
real Elasticsearch node under a throw-away prefix. The rules are the rule-like queries below,
the listing queries of `Rule`s with structured conditions, and every query of the index
parity set (`tests/index/contract/queries.txt`). Without a node the tests skip, or fail when
`ARMSWATCH_REQUIRE_ES=1`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from crawlers.listing import Listing
from index.elasticsearch import ElasticsearchIndex
from index.elasticsearch.query_dsl import compile_search
from index.query import build_query
from rules.conditions import listing_query
from rules.es_matching import ElasticsearchMatcher
from rules.matching import InProcessMatcher, InvalidRuleQueryError, open_matcher
from rules.model import Conditions, PriceRange, Rule
from tests.index.contract.conftest import ES_URL, delete_prefix, require_elasticsearch
from tests.index.contract.corpus import build_corpus
from tests.index.contract.test_parity import parity_queries

MIN_RULES_WITH_MATCHES = 25
QUERIES = {
    "phrase": '"lower receiver"',
    "phrase-in-title": 'title:"auto sear"',
    "phrase-with-slop": '"glock 19"~2',
    "phrase-minus-phrase": '"glock 19" -"glock 17"',
    "words": "glock 19",
    "or-group": "(glock OR sig) AND pistol -airsoft",
    "negated-word": "glock -frame -airsoft",
    "not-a-category": "NOT category:none AND rifle",
    "only-exclusions": "-glock -rifle -pistol",
    "prefix": "glo*",
    "inner-wildcard": "gl?ck",
    "keyword-wildcard": "vendor:iron*",
    "leading-wildcard": "*ock",
    "price-inclusive": "price.amount_usd:[100 TO 500]",
    "price-exclusive": "price.amount_usd:{100 TO 500}",
    "price-open": "price.amount_eur:>=1000",
    "without-price": "NOT price.amount_usd:*",
    "calibre": 'entity.calibre:"9x19mm parabellum"',
    "calibre-prefix": "entity.calibre:7.62*",
    "model": 'entity.model:"ar-15"',
    "make": "entity.make:glock",
    "entity-label": "entity_label:calibre AND category:ammunition",
    "ships-to-any": "ships_to:(DE OR AT OR CH)",
    "ships-to-both": "ships_to:de AND ships_to:at",
    "ships-from": "ships_from:(RS OR CZ)",
    "language": "language:(de OR fr) AND firearm_related:true",
    "stem": "stem:Pistolen",
    "stem-phrase": 'stem:"lower receivers"',
    "diacritics": "zurich OR osterreich",
    "cyrillic": "патроны",
    "absolute-dates": "posted_at:[2026-01-01 TO 2026-01-31]",
    "relative-dates": "first_seen:[now-7d TO now]",
    "rounded-dates": "first_seen:[now-30d/d TO now/d] AND category:firearm",
    "score": "score:>=0.5 AND category:conversion_device",
    "status": "status:removed",
    "market": 'market:"Obsidian Bazaar" AND rifle',
    "category-path": "category_path:weapons",
    "shipping-method": 'shipping_methods:"dhl express"',
    "quantity": "quantity:[1 TO 3]",
    "everything": "*",
    "nothing": "zzzzyzzy",
}


def _rule(name: str, query: str | None = None, **conditions: Any) -> Rule:
    return Rule(
        name=name,
        owner="parity",
        channels=["case-file"],
        query=query,
        conditions=Conditions(**conditions) if conditions else None,
    )


RULES = [
    _rule(
        "auto-sears",
        '"auto sear" OR switch OR "lightning link"',
        category=["conversion_device"],
        ships_to=["DE", "US", "WW"],
    ),
    _rule("glock-dach", make=["Glock"], ships_to=["DE", "AT", "CH"], price=PriceRange(max=1500)),
    _rule(
        "ammo-balkans",
        calibre=["9x19mm Parabellum", "7.62x39mm"],
        category=["ammunition"],
        ships_from=["RS", "CZ", "DE"],
    ),
    _rule("ar15-parts", model=["AR-15"], category=["essential_component", "conversion_device"]),
    _rule("firearms-eur", category=["firearm"], price=PriceRange(min=200, max=900, currency="EUR")),
    _rule("german-offers", language=["de"], category=["firearm", "essential_component"]),
    _rule("russian-ammo", "патроны OR АК", language=["ru"]),
    _rule("market-rifles", "rifle", market=["Obsidian Bazaar", "Iron Board"]),
    _rule("forum-glocks", "glock", source=["demo-forum"], price=PriceRange(min=300)),
    _rule("printed", category=["3d_printed", "manual"], ships_to=["WW"]),
    _rule("heckler-koch", model=["Heckler & Koch MP5"]),
    _rule("only-conditions", ships_from=["US"], ships_to=["US", "CA"]),
]


def all_rules() -> dict[str, str]:
    """Rule name -> query: the queries above, the rules' listing queries, the parity set."""
    queries = dict(QUERIES)
    queries.update({rule.name: listing_query(rule) for rule in RULES})
    queries.update({f"parity-{n:03d}": query for n, query in enumerate(parity_queries())})
    return queries


@pytest.fixture(scope="module", autouse=True)
def _node() -> None:
    """Skip (or fail) before building anything when no Elasticsearch node answers."""
    require_elasticsearch()


@pytest.fixture(scope="module")
def corpus(request: pytest.FixtureRequest) -> list[Listing]:
    return build_corpus(datetime.now(UTC).replace(microsecond=0), request.config.cache)


@pytest.fixture(scope="module")
def es_index(corpus: list[Listing]) -> Iterator[ElasticsearchIndex]:
    """The corpus upserted into indices of a throw-away prefix (deleted afterwards)."""
    prefix = f"rules-parity-{uuid.uuid4().hex[:12]}"
    try:
        with ElasticsearchIndex.from_url(f"{ES_URL}?prefix={prefix}") as index:
            index.upsert(corpus)
            yield index
    finally:
        delete_prefix(prefix)


@pytest.fixture
def es_matcher(es_index: ElasticsearchIndex) -> Iterator[ElasticsearchMatcher]:
    matcher = ElasticsearchMatcher(es_index)
    yield matcher
    matcher.drop()


@pytest.fixture
def in_process() -> Iterator[InProcessMatcher]:
    with InProcessMatcher() as matcher:
        yield matcher


def differences(here: dict[str, set[str]], there: dict[str, set[str]]) -> list[str]:
    """One line per rule whose matches differ between the two matchers."""
    queries = all_rules()
    lines = []
    for name in sorted(set(here) | set(there)):
        mine, theirs = here.get(name, set()), there.get(name, set())
        if mine != theirs:
            lines.append(
                f"{name} ({queries[name]!r}): in process only {sorted(mine - theirs)}, "
                f"Elasticsearch only {sorted(theirs - mine)}"
            )
    return lines


def test_the_same_rules_match_the_same_listings(
    corpus: list[Listing], in_process: InProcessMatcher, es_matcher: ElasticsearchMatcher
) -> None:
    rules = all_rules()
    in_process.load(rules)
    es_matcher.load(rules)
    here, there = in_process.match(corpus), es_matcher.match(corpus)
    assert not differences(here, there), "\n".join(differences(here, there))
    assert len(here) >= MIN_RULES_WITH_MATCHES
    expected = {"phrase", "calibre", "relative-dates", "auto-sears", "glock-dach", "ammo-balkans"}
    assert expected <= set(here)
    assert "nothing" not in here and here["everything"] == {li.id for li in corpus}


def test_only_listings_of_the_batch_match(
    corpus: list[Listing], in_process: InProcessMatcher, es_matcher: ElasticsearchMatcher
) -> None:
    """The whole corpus is indexed, but a rule only reports listings of the batch it is given."""
    batch = corpus[::3]
    rules = {**QUERIES, **{rule.name: listing_query(rule) for rule in RULES}}
    in_process.load(rules)
    es_matcher.load(rules)
    here, there = in_process.match(batch), es_matcher.match(batch)
    assert not differences(here, there), "\n".join(differences(here, there))
    assert there["everything"] == {listing.id for listing in batch}


def test_load_keeps_the_rules_as_documents_and_removes_old_ones(
    es_matcher: ElasticsearchMatcher,
) -> None:
    es_matcher.load(
        {"glock": "glock", "ammo": "category:ammunition", "recent": "first_seen:>now-1d"}
    )
    es_matcher.load({"glock": "glock AND ships_to:de", "recent": "first_seen:>now-1d"})
    assert es_matcher.stored_queries() == {
        "glock": "glock AND ships_to:de",
        "recent": "first_seen:>now-1d",
    }
    stored = es_matcher.index.client.get(index=es_matcher.rules_index, id="glock")["_source"]
    assert stored["dsl"] == compile_search(build_query("glock AND ships_to:de")).query
    recent = es_matcher.index.client.get(index=es_matcher.rules_index, id="recent")["_source"]
    assert recent["relative_to_now"] is True and stored["relative_to_now"] is False


def test_a_second_matcher_shares_the_stored_rule_set(
    es_index: ElasticsearchIndex, es_matcher: ElasticsearchMatcher, corpus: list[Listing]
) -> None:
    es_matcher.load({"glock": "glock", "sears": '"auto sear"'})
    other = ElasticsearchMatcher(es_index)
    other.load(other.stored_queries())
    assert other.match(corpus) == es_matcher.match(corpus)


def test_an_invalid_query_names_its_rule_and_keeps_the_stored_set(
    es_matcher: ElasticsearchMatcher,
) -> None:
    es_matcher.load({"kept": "glock"})
    with pytest.raises(InvalidRuleQueryError, match="rule 'broken'"):
        es_matcher.load({"fine": "ammo", "broken": "colour:red"})
    assert es_matcher.rule_names == ["kept"]
    assert es_matcher.stored_queries() == {"kept": "glock"}


def test_open_matcher_on_elasticsearch(es_index: ElasticsearchIndex) -> None:
    assert isinstance(open_matcher(es_index), ElasticsearchMatcher)
