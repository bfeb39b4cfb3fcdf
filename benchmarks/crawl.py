"""Crawl throughput and memory: the full armswatch crawl against a bare Scrapy spider.

Run `.venv/bin/python benchmarks/crawl.py [--listings 20000]` (about 20 minutes on two cores at
20,000 listings, nearly all of it the two armswatch crawls; `--listings 5000` takes about 6). A demo
market with `--listings` offers (`DemoSites(sizes=...)`, deterministic) is served on a free
loopback port, every page and listing photo rendered once beforehand so no crawl pays for
drawing them. Then, in turn, in subprocesses:

- a bare Scrapy spider (`benchmarks/crawl_bare.py`) fetches the same pages, following the same
  category, pagination, listing and vendor links with plain CSS selectors, with no pipeline,
  and the listings' photos, as armswatch downloads them (neither counts photos as pages);
- `armswatch crawl` of a copy of `sources/demo-market.yaml` pointed at that port: the same
  machinery as the command (field extraction, annotation, the SQLite index in a temporary data
  directory, the alert rules of `--rules`), without evidence capture (`ARMSWATCH_EVIDENCE=0`);
- the same crawl with evidence capture (WARC records and the ledger, as by default);
- the first armswatch crawl again without the hostile-site safety layer (`ARMSWATCH_SAFETY=0`:
  `crawlers.safety`'s middlewares and page checks off), to measure what the layer costs on
  normal pages.

Both crawls run with the same concurrency, no download delay and no autothrottle. Each
process's RSS is sampled every 0.2 s; pages per second are pages fetched over the crawl's own
time (spider open to close, so start-up is left out but the pipelines' last batches count).

Targets: memory stays flat over the crawl (RSS at 25/50/75/100% of it is printed), and
armswatch's pages per second are at least 0.7 of the bare spider's (issue 7); capturing
evidence costs at most 25% of armswatch's pages per second (issue 8); the safety layer costs
under 5% of them (issue 11). `--safety-only` runs only the crawls with and without it, in
turn, `--repeats` times each (the best of each is compared); `--browser` does the same with the
source in Chromium (`render: browser`, a screenshot of each listing), where the layer is the
browser page bounds of `crawlers.browser.bounded`. All are reported; the exit status
is 1 only when a crawl did not run.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import sys
import tempfile
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from armswatch.demo.server import DemoSites
from armswatch.runs import RunStore
from benchmarks.crawl_measure import CrawlFigures, log_tail, mib, run_sampled
from crawlers.source_loader import load_source
from index.selection import open_index

ROOT = Path(__file__).resolve().parents[1]
MIN_RATIO = 0.7
MAX_CAPTURE_COST = 0.25
MAX_SAFETY_COST = 0.05
EVIDENCE_NAME = "+ evidence"
UNSAFE_NAME = "- safety"
SITE = "market"
SOURCE_NAME = "bench-market"
TREND = (0.25, 0.5, 0.75, 1.0)
_LINK = re.compile(r'href="(/(?:category|listing|vendor)/[^"]*)"')
_PHOTO = re.compile(r'<img src="(/img/[^"]*)"')


class BenchmarkError(Exception):
    """A crawl did not run: the benchmark has nothing to report."""


def warm_pages(demo: DemoSites) -> tuple[int, int]:
    """Render every page the crawls can reach, and every listing photo, into the demo's cache
    (so no crawl pays for drawing them); returns how many pages and photos."""
    seen = {"/"}
    photos: set[str] = set()
    queue = deque(seen)
    while queue:
        body = demo.respond(SITE, queue.popleft()).body.decode("utf-8")
        for photo in map(html.unescape, _PHOTO.findall(body)):
            if photo not in photos:
                photos.add(photo)
                demo.respond(SITE, photo)
        for link in map(html.unescape, _LINK.findall(body)):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    return len(seen), len(photos)


def write_source(
    base_url: str, pages: int, concurrency: int, directory: Path, *, browser: bool = False
) -> Path:
    """The demo market's source on `base_url`, with limits above the site's `pages`; in
    Chromium (`render: browser`, with screenshots) when `browser`."""
    config: dict[str, Any] = yaml.safe_load((ROOT / "sources" / "demo-market.yaml").read_text())
    if browser:
        config["render"] = "browser"
        config["browser"] = {"javascript": True, "screenshot": True, "timeout": 60}
    budget = 2 * pages + 1000
    config["name"] = SOURCE_NAME
    config["start_urls"] = [f"{base_url}/"]
    config["index"]["pagination"]["max_pages"] = budget
    config["limits"] = {**config["limits"], "max_pages": budget, "max_depth": budget}
    config["rate_limit"] = {
        **config["rate_limit"],
        "concurrency": concurrency,
        "download_delay": 0,
        "autothrottle": False,
    }
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{SOURCE_NAME}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    load_source(path)  # a bad copy fails here, not in the subprocess
    return path


def run_bare(start_url: str, concurrency: int, work: Path) -> CrawlFigures:
    """The bare spider, fetching the listing photos too, as the armswatch crawl does."""
    work.mkdir(parents=True, exist_ok=True)
    stats_file, log = work / "stats.json", work / "stderr.log"
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "crawl_bare.py"),
        start_url,
        str(stats_file),
        f"--concurrency={concurrency}",
        "--photos",
    ]
    process = run_sampled(command, os.environ, ROOT, log)
    if process.returncode or not stats_file.exists():
        raise BenchmarkError(f"the bare spider failed ({process.returncode}):\n{log_tail(log)}")
    stats = json.loads(stats_file.read_text())
    return CrawlFigures(
        name="bare Scrapy",
        pages=int(stats.get("response_received_count", 0)) - int(stats.get("bare/photos", 0)),
        listings=int(stats.get("item_scraped_count", 0)),
        elapsed=float(stats["elapsed_time_seconds"]),
        started=float(stats["start_time"]),
        finished=float(stats["finish_time"]),
        process=process,
    )


def run_armswatch(
    source: Path, rules: Path, work: Path, *, evidence: bool, safety: bool = True
) -> tuple[CrawlFigures, int]:
    """The `armswatch crawl` of `source` into a fresh data directory, capturing evidence or
    not, with the safety layer or not; and what it indexed."""
    data, log = work / "data", work / "stderr.log"
    data.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "ARMSWATCH_DATA": str(data),
        "ARMSWATCH_SOURCES": str(source.parent),
        "ARMSWATCH_RULES": str(rules),
        "ARMSWATCH_EVIDENCE": "1" if evidence else "0",
        "ARMSWATCH_SAFETY": "1" if safety else "0",
    }
    env.pop("ARMSWATCH_INDEX", None)  # the SQLite index under the data directory
    command = [sys.executable, "-m", "armswatch", "crawl", str(source)]
    process = run_sampled(command, env, ROOT, log)
    store = RunStore(data / "runs.db")
    try:
        runs = store.recent(SOURCE_NAME, limit=1)
    finally:
        store.close()
    if not runs:
        raise BenchmarkError(f"armswatch crawl failed ({process.returncode}):\n{log_tail(log)}")
    run = runs[0]
    if run.errors or run.failed:
        print(f"warning: the armswatch crawl had {run.errors} errors ({run.finish_reason})")
    figures = CrawlFigures(
        name=EVIDENCE_NAME if evidence else ("armswatch" if safety else UNSAFE_NAME),
        pages=run.pages,
        listings=run.listings,
        elapsed=run.duration,
        started=run.started_at.timestamp(),
        finished=run.finished_at.timestamp(),
        process=process,
    )
    return figures, _indexed(data / "armswatch.db")


def _indexed(database: Path) -> int:
    index = open_index(f"sqlite:///{database}")
    try:
        return index.count("*")
    finally:
        index.close()


def print_table(runs: Sequence[CrawlFigures]) -> None:
    print(
        f"{'':14}{'pages':>8}{'listings':>10}{'crawl s':>9}{'pages/s':>9}{'wall s':>8}"
        f"{'CPU s':>8}{'of it children':>15}{'peak RSS':>10}{'server CPU s':>14}{'load avg':>12}"
    )
    for run in runs:
        process = run.process
        load = f"{process.load[0]:.1f}→{process.load[1]:.1f}"
        print(
            f"{run.name:14}{run.pages:>8}{run.listings:>10}{run.elapsed:>9.1f}"
            f"{run.pages_per_second:>9.0f}{process.wall:>8.1f}{process.cpu:>8.1f}{process.children_cpu:>15.1f}"
            f"{mib(process.peak_rss):>10}{process.server_cpu:>14.1f}{load:>12}"
        )
    print(
        "(crawl s: spider open to close; wall s and CPU s: the whole subprocess, start-up "
        "included, CPU with its children (the workers); server CPU s: "
        "the demo server meanwhile; load avg: 1 min, before → after)"
    )


def print_trend(run: CrawlFigures) -> None:
    points = [run.rss_at(fraction) for fraction in TREND]
    shown = " / ".join(mib(point) for point in points)
    labels = "/".join(f"{fraction:.0%}" for fraction in TREND)
    growth = (points[-1] - points[0]) / points[0] if points[0] else 0.0
    print(
        f"RSS of {run.name} at {labels} of the crawl: {shown} "
        f"(peak {mib(run.process.peak_rss)}; {growth:+.1%} from 25% to the end)"
    )


def best(runs: Sequence[CrawlFigures]) -> float:
    return max((run.pages_per_second for run in runs), default=0.0)


def report(runs: dict[str, list[CrawlFigures]], indexed: int) -> None:
    every = [run for kind in runs.values() for run in kind]
    print_table(every)
    for run in every:
        print_trend(run)
    print(f"listings in the armswatch index: {indexed}")
    full = best(runs["armswatch"])
    if runs.get("bare"):
        ratio = full / best(runs["bare"]) if best(runs["bare"]) else 0.0
        print(f"ratio armswatch/bare pages per second: {ratio:.2f} (target ≥ {MIN_RATIO})")
        print("OK: target met" if ratio >= MIN_RATIO else "target NOT met")
    if runs.get(EVIDENCE_NAME):
        captured = best(runs[EVIDENCE_NAME])
        cost = 1 - captured / full if full else 1.0
        print(
            f"evidence capture costs {cost:.0%} of armswatch's pages per second"
            f" ({captured:.0f} vs {full:.0f}; target ≤ {MAX_CAPTURE_COST:.0%})"
        )
        print("OK: target met" if cost <= MAX_CAPTURE_COST else "target NOT met")
    unsafe = best(runs[UNSAFE_NAME])
    cost = 1 - full / unsafe if unsafe else 1.0
    print(
        f"the safety layer costs {cost:.1%} of armswatch's pages per second on normal pages"
        f" ({full:.0f} with it vs {unsafe:.0f} without; target < {MAX_SAFETY_COST:.0%})"
    )
    print("OK: target met" if cost < MAX_SAFETY_COST else "target NOT met")
    # CPU per page (the crawl process and its workers) is less at the mercy of a busy machine
    with_cpu, without_cpu = cpu_per_page(runs["armswatch"]), cpu_per_page(runs[UNSAFE_NAME])
    extra = with_cpu / without_cpu - 1 if without_cpu else 1.0
    print(
        f"CPU per page, best of each: {with_cpu * 1000:.2f} ms with the safety layer vs"
        f" {without_cpu * 1000:.2f} ms without: {extra:+.1%} (target < {MAX_SAFETY_COST:.0%})"
    )
    print("OK: target met" if extra < MAX_SAFETY_COST else "target NOT met")


def cpu_per_page(runs: Sequence[CrawlFigures]) -> float:
    return min((run.process.cpu / run.pages for run in runs if run.pages), default=0.0)


def measure(arguments: argparse.Namespace, work: Path) -> int:
    sizes = {SITE: arguments.listings}
    with DemoSites(ports={SITE: 0}, sites=(SITE,), sizes=sizes) as demo:
        pages, photos = warm_pages(demo)
        base_url = demo.base_urls[SITE]
        source = write_source(
            base_url, pages, arguments.concurrency, work / "sources", browser=arguments.browser
        )
        print(
            f"demo market: {arguments.listings} listings, {pages} pages and {photos} photos on"
            f" {base_url} (pre-rendered; every crawl fetches the photos too, not counted as"
            f" pages); concurrency {arguments.concurrency}, no delay, no autothrottle"
        )
        runs: dict[str, list[CrawlFigures]] = {"armswatch": [], UNSAFE_NAME: []}
        if not arguments.safety_only:
            runs.update({"bare": [], EVIDENCE_NAME: []})
        indexed = 0
        for repeat in range(arguments.repeats):
            if not arguments.safety_only:
                bare = run_bare(f"{base_url}/", arguments.concurrency, work / f"bare-{repeat}")
                runs["bare"].append(bare)
            for name, evidence, safety in (
                ("armswatch", False, True),
                (EVIDENCE_NAME, True, True),
                (UNSAFE_NAME, False, False),
            ):
                if name not in runs:
                    continue
                figures, count = run_armswatch(
                    source,
                    arguments.rules,
                    work / f"{name.strip('+- ')}-{repeat}",
                    evidence=evidence,
                    safety=safety,
                )
                runs[name].append(figures)
                indexed = count if name == "armswatch" else indexed
    report(runs, indexed)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=20_000, help="offers on the market")
    parser.add_argument("--repeats", type=int, default=1, help="crawls of each kind, in turn")
    parser.add_argument("--concurrency", type=int, default=16, help="parallel requests")
    parser.add_argument("--rules", type=Path, default=ROOT / "rules", help="alert rules dir")
    parser.add_argument(
        "--safety-only",
        action="store_true",
        help="only the armswatch crawls with and without the safety layer",
    )
    parser.add_argument(
        "--browser",
        action="store_true",
        help="crawl in Chromium, with and without the safety layer (implies --safety-only; "
        "try --listings 300 --concurrency 2)",
    )
    arguments = parser.parse_args(argv)
    arguments.safety_only = arguments.safety_only or arguments.browser
    with tempfile.TemporaryDirectory(prefix="armswatch-bench-crawl-") as work:
        try:
            return measure(arguments, Path(work))
        except BenchmarkError as error:
            print(error, file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main())
