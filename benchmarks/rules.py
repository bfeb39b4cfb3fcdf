"""Rule matching: listings matched per second with 1,000 rules, in process and on Elasticsearch.

Run `.venv/bin/python benchmarks/rules.py [--listings 2000] [--rules 1000] [--es-url URL]`
(`make bench-rules`). Listings are synthetic variations of the demo catalog
(`benchmarks/index_data.py`), annotated once by the real `Annotator` (not timed), so entity
rules find something. Rules are generated like the rule pack: structured conditions
(categories, makes, models and calibres seen in those listings, ships-from and ships-to
country lists, price ranges, languages) compiled by `rules.conditions.listing_query`, and
Lucene queries (phrases from the demo products' names, negations, wildcards, stems).

Measured in the same run, batch by batch (`--batch` listings, as the pipeline sends them):

- embedded: `SqliteIndex.upsert` of each batch into a new file (the baseline), then the
  in-process matcher on it; their ratio (matching rate / upsert rate)
- Elasticsearch (when a node answers at `--es-url`, default `ARMSWATCH_ES_URL`, else
  http://127.0.0.1:9200): the armswatch upsert of each batch (the baseline), then the
  Elasticsearch matcher on it (which refreshes first); their ratio. Indices use a throw-away
  prefix and are deleted at the end. Without a node, this part says so and is skipped.

There is no target yet: the figures are for comparison between changes and backends.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from elasticsearch import Elasticsearch

from armswatch.demo.products import PRODUCTS
from armswatch.demo.vocabulary import COUNTRIES, LANGUAGES
from benchmarks.index_data import synthetic_listings
from crawlers.listing import Category, Listing
from extractors.annotator import Annotator
from index.backend import IndexBackend
from index.elasticsearch import ElasticsearchIndex
from index.sqlite import SqliteIndex
from rules.conditions import listing_query
from rules.es_matching import ElasticsearchMatcher
from rules.matching import InProcessMatcher, RuleMatcher
from rules.model import Conditions, PriceRange, Rule

SEED = 20240601
PING_TIMEOUT = 3.0
# the categories rules are written for (every one but the catch-alls)
CATEGORIES: tuple[Category, ...] = tuple(
    c for c in get_args(Category) if c not in ("other_weapon", "none")
)
COUNTRY_CODES = (*sorted(COUNTRIES), "WW")
NEGATED_WORDS = ("airsoft", "replica", "blank", "toy", "knife", "strain", "manual")
STEM_WORDS = ("pistols", "rifles", "barrels", "magazines", "Pistolen", "pistolas", "munitions")
Batches = list[list[Listing]]


class Vocabulary:
    """What generated rules look for: entity values of the listings, demo product words."""

    def __init__(self, listings: list[Listing]) -> None:
        self.makes = entity_values(listings, "make")
        self.models = entity_values(listings, "model")
        self.calibres = entity_values(listings, "calibre")
        names = [name for product in PRODUCTS for name in product.names]
        self.words = sorted({word for name in names for word in _plain_words(name)})
        self.phrases = sorted(
            {" ".join(words[:2]) for name in names if len(words := _plain_words(name)) >= 2}
        )


def _plain_words(text: str) -> list[str]:
    return [word for word in text.lower().split() if word.isalnum() and len(word) > 2]


def entity_values(listings: list[Listing], label: str) -> list[str]:
    """The distinct normalized values of one entity label among the listings."""
    values = {
        entity.normalized or entity.text
        for listing in listings
        if listing.annotations is not None
        for entity in listing.annotations.entities
        if entity.label.lower() == label
    }
    return sorted(values)


def _some(rng: random.Random, values: list[str] | tuple[str, ...], most: int) -> list[str]:
    return rng.sample(list(values), rng.randint(1, min(most, len(values))))


def _price(rng: random.Random) -> PriceRange:
    low = rng.choice((None, 50, 100, 200, 400))
    high = rng.choice((None, 300, 600, 1000, 2500)) if low is not None else rng.choice((300, 900))
    if high is not None and low is not None and low > high:
        low, high = high, low
    return PriceRange(min=low, max=high, currency=rng.choice(("USD", "USD", "EUR")))


def _countries(rng: random.Random) -> list[str]:
    return _some(rng, COUNTRY_CODES, 5)


RuleParts = tuple[str | None, Conditions | None]
Template = Callable[[random.Random, Vocabulary], RuleParts]

TEMPLATES: tuple[Template, ...] = (
    lambda r, v: (None, Conditions(category=_some(r, CATEGORIES, 3), ships_to=_countries(r))),
    lambda r, v: (None, Conditions(make=_some(r, v.makes, 2), price=_price(r))),
    lambda r, v: (None, Conditions(model=_some(r, v.models, 3), ships_to=_countries(r))),
    lambda r, v: (None, Conditions(calibre=_some(r, v.calibres, 2), category=["ammunition"])),
    lambda r, v: (f'"{r.choice(v.phrases)}"', Conditions(ships_from=_countries(r))),
    lambda r, v: (f"{r.choice(v.words)} -{r.choice(NEGATED_WORDS)}", None),
    lambda r, v: (f"{r.choice(v.words)[:3]}*", Conditions(price=_price(r))),
    lambda r, v: (
        None,
        Conditions(language=_some(r, LANGUAGES, 2), category=_some(r, CATEGORIES, 2)),
    ),
    lambda r, v: (f'title:"{r.choice(v.phrases)}" OR {r.choice(v.words)}', None),
    lambda r, v: (f"stem:{r.choice(STEM_WORDS)}", Conditions(ships_to=_countries(r))),
    lambda r, v: (
        f"({r.choice(v.words)} OR {r.choice(v.words)}) AND NOT category:none",
        Conditions(price=_price(r)),
    ),
)


def generate_rules(count: int, vocabulary: Vocabulary) -> dict[str, str]:
    """`count` varied rules (name -> listing query), the same on every run."""
    rng = random.Random(SEED)
    queries: dict[str, str] = {}
    for number in range(count):
        query, conditions = TEMPLATES[number % len(TEMPLATES)](rng, vocabulary)
        rule = Rule(
            name=f"bench-{number:04d}",
            owner="benchmark",
            channels=["log"],
            query=query,
            conditions=conditions,
        )
        queries[rule.name] = listing_query(rule)
    return queries


@dataclass
class Measured:
    upsert: float = 0.0  # seconds
    matching: float = 0.0  # seconds
    matches: int = 0


def rate(count: int, seconds: float) -> str:
    return f"{seconds:7.2f} s {count / seconds:9.0f} listings/s"


def report(name: str, count: int, measured: Measured) -> None:
    print(f"{name:<14} upsert (baseline): {rate(count, measured.upsert)}")
    print(f"{name:<14} rule matching:     {rate(count, measured.matching)}", end="")
    print(f"  ({measured.matches} matches)")
    print(f"{name:<14} matching / upsert: {measured.upsert / measured.matching:.2f}", flush=True)


def upsert_and_match(index: IndexBackend, matcher: RuleMatcher, batches: Batches) -> Measured:
    """Each batch upserted, then matched, as the pipeline does: the seconds of each and the
    matches (the Elasticsearch matcher refreshes before it searches, which counts here)."""
    measured = Measured()
    for batch in batches:
        started = time.perf_counter()
        index.upsert(batch)
        upserted = time.perf_counter()
        found = matcher.match(batch)
        measured.matching += time.perf_counter() - upserted
        measured.upsert += upserted - started
        measured.matches += sum(len(ids) for ids in found.values())
    return measured


def run_embedded(batches: Batches, rules: dict[str, str]) -> None:
    with (
        tempfile.TemporaryDirectory() as directory,
        SqliteIndex(Path(directory) / "bench.db") as index,
        InProcessMatcher() as matcher,
    ):
        matcher.load(rules)
        measured = upsert_and_match(index, matcher, batches)
    report("in-process", sum(len(batch) for batch in batches), measured)


def elasticsearch_problem(url: str) -> str | None:
    """Why no node answers at `url`, or None when one does."""
    client = Elasticsearch(url, request_timeout=PING_TIMEOUT, max_retries=0)
    try:
        client.info()
    except Exception as error:  # any failure to reach the node means the same here
        return f"no Elasticsearch node answers at {url} ({type(error).__name__})"
    finally:
        client.close()
    return None


def run_elasticsearch(batches: Batches, rules: dict[str, str], url: str) -> None:
    problem = elasticsearch_problem(url)
    if problem is not None:
        print(f"Elasticsearch  not measured: {problem}; start one with `armswatch es start`")
        return
    separator = "&" if "?" in url else "?"
    prefix = f"armswatch-bench-{uuid.uuid4().hex[:8]}"
    index = ElasticsearchIndex.from_url(f"{url}{separator}prefix={prefix}")
    matcher = ElasticsearchMatcher(index)
    try:
        started = time.perf_counter()
        matcher.load(rules)
        seconds = time.perf_counter() - started
        print(f"Elasticsearch  load of {len(rules)} rule documents: {seconds:.2f} s")
        measured = upsert_and_match(index, matcher, batches)
        report("Elasticsearch", sum(len(batch) for batch in batches), measured)
    finally:
        matcher.drop()
        index.drop()
        index.close()


def annotated_listings(count: int) -> list[Listing]:
    started = time.perf_counter()
    listings = Annotator.load().annotate_listings(synthetic_listings(count))
    seconds = time.perf_counter() - started
    print(f"{len(listings)} synthetic listings, annotated in {seconds:.1f} s (not timed)")
    return listings


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--listings", type=int, default=2000)
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=500, help="listings per batch")
    default_url = os.environ.get("ARMSWATCH_ES_URL", "http://127.0.0.1:9200")
    parser.add_argument("--es-url", default=default_url.rstrip("/"))
    return parser.parse_args()


def main() -> int:
    options = parse_options()
    listings = annotated_listings(options.listings)
    rules = generate_rules(options.rules, Vocabulary(listings))
    batches = [listings[n : n + options.batch] for n in range(0, len(listings), options.batch)]
    print(f"{len(rules)} rules, {len(batches)} batches of up to {options.batch} listings")
    run_embedded(batches, rules)
    run_elasticsearch(batches, rules, options.es_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
