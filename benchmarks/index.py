"""Index backends: upsert throughput and search latency, SQLite and Elasticsearch, one run.

Run `.venv/bin/python benchmarks/index.py [--listings 100000] [--es-url URL]` (`make
bench-index`) with a node running (`armswatch es start`); `--es-url` defaults to
`ARMSWATCH_ES_URL`, else http://127.0.0.1:9200. Listings are synthetic variations of the demo
catalog (`benchmarks/index_data.py`). Measured in the same run:

- SQLite: the armswatch upsert path (batches of `--batch`, as the crawl pipeline sends them)
- Elasticsearch: the armswatch upsert path, a bare `elasticsearch.helpers.bulk` of the same
  documents (built with the backend's `listing_document`, same chunk size) into an index with
  the same mapping, and their ratio (target ≥ 0.8, issue 4); the two alternate slice by slice
  after a warm-up of `WARM_UP` listings (see `interleaved`), the warm-up not counted
- search latency p50/p95 on each backend: every query of `QUERIES` run `--repeat` times

Elasticsearch indices use a throw-away prefix and are deleted at the end; exit status 1 when
the throughput ratio misses its target.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from elasticsearch.helpers import bulk

from benchmarks.index_data import QUERIES, synthetic_listings
from crawlers.listing import Listing
from index.backend import IndexBackend
from index.elasticsearch import ElasticsearchIndex
from index.elasticsearch.documents import listing_document
from index.elasticsearch.mapping import index_body, listings_mapping
from index.sqlite import SqliteIndex

MIN_RATIO = 0.8
WARM_UP = 2000  # listings written by both paths before the timed ones (not counted)
SLICE = 10_000  # listings per alternation of the two paths
Latencies = dict[str, list[float]]


def timed_upserts(index: IndexBackend, listings: list[Listing], batch: int) -> float:
    """Seconds to upsert every listing in batches, until the last one is searchable."""
    started = time.perf_counter()
    for first in range(0, len(listings), batch):
        index.upsert(listings[first : first + batch])
    index.count()  # the first read makes the writes visible (Elasticsearch refreshes here)
    return time.perf_counter() - started


def bare_bulk(index: ElasticsearchIndex, name: str, listings: list[Listing], chunk: int) -> float:
    """Seconds for `helpers.bulk` of the listings' documents into index `name`, then a refresh."""
    started = time.perf_counter()
    actions = ({"_index": name, "_id": li.id, "_source": listing_document(li)} for li in listings)
    bulk(index.client, actions, chunk_size=chunk)
    index.client.indices.refresh(index=name)
    return time.perf_counter() - started


def interleaved(
    index: ElasticsearchIndex, listings: list[Listing], batch: int
) -> tuple[float, float]:
    """Seconds of the armswatch upsert path and of a bare bulk over the same listings.

    Both run slice by slice, alternating which goes first, so drift in the load of a busy
    machine (or the node warming up) weighs on both alike; a first slice warms both up."""
    name = f"{index.names.prefix}-bare"
    body = index_body(listings_mapping())
    index.client.indices.create(index=name, settings=body["settings"], mappings=body["mappings"])
    warm, rest = listings[:WARM_UP], listings[WARM_UP:]
    timed_upserts(index, warm, batch)
    bare_bulk(index, name, warm, batch)
    ours = bare = 0.0
    try:
        for number, first in enumerate(range(0, len(rest), SLICE)):
            part = rest[first : first + SLICE]
            if number % 2:
                bare += bare_bulk(index, name, part, batch)
                ours += timed_upserts(index, part, batch)
            else:
                ours += timed_upserts(index, part, batch)
                bare += bare_bulk(index, name, part, batch)
    finally:
        index.client.indices.delete(index=name)
    return ours, bare


def search_latencies(index: IndexBackend, repeat: int) -> Latencies:
    """Milliseconds per run of every query (first page of 20, highlights on)."""
    latencies: Latencies = {label: [] for label, _, _ in QUERIES}
    for _ in range(repeat):
        for label, query, facets in QUERIES:
            started = time.perf_counter()
            index.search(query, limit=20, facets=facets)
            latencies[label].append((time.perf_counter() - started) * 1000)
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def rate(count: int, seconds: float) -> str:
    return f"{seconds:7.2f} s {count / seconds:9.0f} listings/s"


def run_sqlite(listings: list[Listing], options: argparse.Namespace) -> Latencies:
    with tempfile.TemporaryDirectory() as directory, SqliteIndex(Path(directory) / "b.db") as db:
        seconds = timed_upserts(db, listings, options.batch)
        print(f"SQLite        armswatch upsert: {rate(len(listings), seconds)}", flush=True)
        return search_latencies(db, options.repeat)


def run_elasticsearch(
    listings: list[Listing], options: argparse.Namespace
) -> tuple[Latencies, bool]:
    prefix = f"armswatch-bench-{uuid.uuid4().hex[:8]}"
    separator = "&" if "?" in options.es_url else "?"
    index = ElasticsearchIndex.from_url(f"{options.es_url}{separator}prefix={prefix}")
    try:
        ours, bare = interleaved(index, listings, options.batch)
        timed = len(listings) - WARM_UP
        print(f"Elasticsearch armswatch upsert: {rate(timed, ours)}", flush=True)
        print(f"Elasticsearch bare bulk:        {rate(timed, bare)}", flush=True)
        ratio = bare / ours
        verdict = "OK" if ratio >= MIN_RATIO else "FAIL"
        print(f"Elasticsearch upsert / bare bulk: {ratio:.2f} (target ≥ {MIN_RATIO}) {verdict}")
        return search_latencies(index, options.repeat), ratio >= MIN_RATIO
    finally:
        index.drop()
        index.close()


def print_latencies(by_backend: dict[str, Latencies], repeat: int) -> None:
    names = list(by_backend)
    print(f"\nsearch latency, ms ({len(QUERIES)} queries x {repeat} runs; p50 / p95)")
    print(f"{'query':<18}" + "".join(f"{name:>22}" for name in names))
    cell: Callable[[list[float]], str] = lambda v: (  # noqa: E731
        f"{percentile(v, 0.5):10.1f} /{percentile(v, 0.95):8.1f}  "
    )
    for label, _, _ in QUERIES:
        print(f"{label:<18}" + "".join(f"{cell(by_backend[n][label]):>22}" for n in names))
    overall = {n: [x for runs in by_backend[n].values() for x in runs] for n in names}
    print(f"{'all queries':<18}" + "".join(f"{cell(overall[n]):>22}" for n in names))


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500, help="listings per upsert / bulk")
    parser.add_argument("--repeat", type=int, default=20, help="runs of each query")
    default_url = os.environ.get("ARMSWATCH_ES_URL", "http://127.0.0.1:9200")
    parser.add_argument("--es-url", default=default_url.rstrip("/"))
    return parser.parse_args()


def main() -> int:
    options = parse_options()
    started = time.perf_counter()
    listings = synthetic_listings(options.listings)
    print(
        f"{len(listings)} synthetic listings ({time.perf_counter() - started:.1f} s to build), "
        f"batches of {options.batch}",
        flush=True,
    )
    latencies = {"SQLite": run_sqlite(listings, options)}
    latencies["Elasticsearch"], ok = run_elasticsearch(listings, options)
    print_latencies(latencies, options.repeat)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
