"""The dashboard's search page: latency of `GET /search` against the bare index search.

Run `.venv/bin/python benchmarks/dashboard.py [--listings 100000] [--repeat 30]`. It builds an
embedded index of synthetic listings (`benchmarks/index_data.py`: variations of the demo
catalog, here with the annotations and ships-from countries the extractors give each catalog
offer, so category, entity and ships-from queries and facets have values), serves the
dashboard in-process (Starlette's TestClient), logs an analyst in and times, query by query
and in turn:

- the page: `GET /search?q=...&sort=...` (session check, the search with the page's nine
  facets and highlights, the audit entry, saved searches, the template), and
- the baseline: the bare `IndexBackend.search` with the same arguments, on the same file.

It prints p50/p95 per query and overall, and their ratios (the dashboard's overhead). Target:
a page's p95 under 300 ms (exit status 1 when missed). `--data DIR` keeps the index there and
reuses it on the next run with the same `--listings`.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient

from armswatch.dashboard_services import dashboard_config, dashboard_services
from armswatch.demo.catalog import catalog
from armswatch.settings import AppSettings
from benchmarks.index_data import synthetic_listings
from crawlers.listing import Annotations, Listing
from crawlers.normalize.countries import to_country_codes
from dashboards.accounts import AccountStore
from dashboards.app import create_app
from dashboards.roles import Role
from dashboards.search_query import FACETS
from extractors.annotator import Annotator
from index.backend import SortOrder
from index.sqlite import SqliteIndex

REPO = Path(__file__).resolve().parents[1]
TARGET_P95_MS = 300.0
BATCH = 500
USER, PASSWORD = "bench-analyst", "a benchmark password"
# (label, query, sort, offset): what analysts type first, with the page's facets each time
QUERIES: tuple[tuple[str, str, SortOrder, int], ...] = (
    ("term", "glock", "relevance", 0),
    ("filters", "category:firearm AND ships_to:DE", "relevance", 0),
    ("term + range", "9mm AND price.amount_usd:<500", "relevance", 0),
    ("phrase", '"lower receiver"', "relevance", 0),
    ("entity, by price", 'entity.model:"glock 19"', "price_asc", 0),
    ("negation, newest", "rifle AND NOT airsoft", "newest", 0),
    ("everything, newest", "*", "newest", 0),
    ("page 6", "ships_to:DE", "relevance", 100),
)
Latencies = dict[str, list[float]]
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def annotated_listings(count: int) -> list[Listing]:
    """`synthetic_listings(count)`, each with its catalog offer's annotations and ships-from
    countries (the offer annotated once; the variants' added words change no entity)."""
    listings = synthetic_listings(count)
    offers = catalog(1)
    firsts = listings[: len(offers)]
    annotated = Annotator.load().annotate_listings(firsts)
    found: list[tuple[Annotations | None, list[str]]] = [
        (listing.annotations, to_country_codes(offer.ships_from))
        for listing, offer in zip(annotated, offers, strict=False)
    ]
    return [
        listing.model_copy(
            update={"annotations": found[n % len(found)][0], "ships_from": found[n % len(found)][1]}
        )
        for n, listing in enumerate(listings)
    ]


def build_index(path: Path, count: int) -> None:
    """The index of `count` listings at `path` (kept when it holds that many already)."""
    with SqliteIndex(path) as index:
        if index.count() == count:
            print(f"reusing the index of {count} listings at {path}", flush=True)
            return
    path.unlink(missing_ok=True)
    started = time.perf_counter()
    listings = annotated_listings(count)
    print(f"{count} annotated listings built in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    with SqliteIndex(path) as index:
        for first in range(0, count, BATCH):
            index.upsert(listings[first : first + BATCH])
        assert index.count() == count
    print(f"indexed in {time.perf_counter() - started:.1f} s", flush=True)


def logged_in_client(data_dir: Path, index_url: str) -> TestClient:
    settings = AppSettings(data_dir=data_dir, index_url=index_url, sources_dirs=(REPO / "sources",))
    config = dashboard_config(settings)
    accounts = AccountStore(config.accounts_db)
    if accounts.get(USER) is None:
        accounts.add(USER, Role.analyst, PASSWORD)
    client = TestClient(create_app(config, dashboard_services(settings)))
    client.__enter__()  # runs the app's lifespan; closed with the process
    token = _CSRF.search(client.get("/login").text)
    assert token, "the login page has no CSRF token"
    form = {"username": USER, "password": PASSWORD, "csrf_token": token[1]}
    answer = client.post("/login", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return client


def measure(client: TestClient, index: SqliteIndex, repeat: int) -> tuple[Latencies, Latencies]:
    """Milliseconds per page and per bare search, query by query, alternating which goes first
    (after one round that warms both up: its pages are printed on their own, as the first
    searches after a start or an index change, which read the index's facet columns)."""
    pages: Latencies = {label: [] for label, *_ in QUERIES}
    bare: Latencies = {label: [] for label, *_ in QUERIES}
    first_pages: list[float] = []
    for round_number in range(repeat + 1):
        for label, query, sort, offset in QUERIES:
            runs = [
                (pages, partial(_page, client, query, sort, offset)),
                (bare, partial(_bare, index, query, sort, offset)),
            ]
            for latencies, run in runs if round_number % 2 else reversed(runs):
                milliseconds = _timed(run)
                if round_number:
                    latencies[label].append(milliseconds)
                elif latencies is pages:
                    first_pages.append(milliseconds)
    shown = ", ".join(
        f"{label} {ms:.0f}" for (label, *_), ms in zip(QUERIES, first_pages, strict=True)
    )
    print(f"warm-up round, page ms (the first reads the facet columns): {shown}")
    return pages, bare


def _page(client: TestClient, query: str, sort: SortOrder, offset: int) -> None:
    answer = client.get("/search?" + urlencode({"q": query, "sort": sort, "offset": offset}))
    assert answer.status_code == 200, answer.text[:500]


def _bare(index: SqliteIndex, query: str, sort: SortOrder, offset: int) -> None:
    index.search(query, limit=20, offset=offset, sort=sort, facets=tuple(FACETS))


def _timed(run: Callable[[], None]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(pages: Latencies, bare: Latencies, totals: dict[str, int], repeat: int) -> float:
    """Print the table; the page's overall p95."""
    print(
        f"\nlatency, ms ({len(QUERIES)} queries x {repeat} runs, 20 hits and {len(FACETS)} facets)"
    )
    print(f"{'query':<20}{'hits':>8}{'page p50':>10}{'p95':>8}{'bare p50':>10}{'p95':>8}"
          f"{'ratio p50':>11}{'p95':>7}")  # fmt: skip
    rows = [(label, pages[label], bare[label], totals[label]) for label, *_ in QUERIES]
    everything = [x for runs in pages.values() for x in runs]
    baseline = [x for runs in bare.values() for x in runs]
    for label, page, plain, total in [*rows, ("all queries", everything, baseline, -1)]:
        p50, p95 = percentile(page, 0.5), percentile(page, 0.95)
        bare50, bare95 = percentile(plain, 0.5), percentile(plain, 0.95)
        hits = f"{total:>8}" if total >= 0 else " " * 8
        print(f"{label:<20}{hits}{p50:>10.1f}{p95:>8.1f}{bare50:>10.1f}{bare95:>8.1f}"
              f"{p50 / bare50:>11.2f}{p95 / bare95:>7.2f}")  # fmt: skip
    return percentile(everything, 0.95)


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30, help="runs of each query")
    parser.add_argument("--data", type=Path, help="keep (and reuse) the index here")
    return parser.parse_args()


def run(data_dir: Path, options: argparse.Namespace) -> int:
    path = data_dir / "armswatch.db"
    build_index(path, options.listings)
    client = logged_in_client(data_dir, f"sqlite:///{path}")
    with SqliteIndex(path) as index:
        totals = {label: index.count(query) for label, query, *_ in QUERIES}
        pages, bare = measure(client, index, options.repeat)
    client.__exit__(None, None, None)
    p95 = report(pages, bare, totals, options.repeat)
    verdict = "OK" if p95 < TARGET_P95_MS else "FAIL"
    print(f"page p95 over all queries: {p95:.1f} ms (target < {TARGET_P95_MS:.0f} ms) {verdict}")
    return 0 if p95 < TARGET_P95_MS else 1


def main() -> int:
    options = parse_options()
    if options.data:
        options.data.mkdir(parents=True, exist_ok=True)
        return run(options.data, options)
    with tempfile.TemporaryDirectory() as directory:
        return run(Path(directory), options)


if __name__ == "__main__":
    sys.exit(main())
