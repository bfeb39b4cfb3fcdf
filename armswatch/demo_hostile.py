"""`armswatch demo --hostile`: crawl Hostile Bazaar and show what the safety layer cut.

Hostile Bazaar (`armswatch.demo.hostile`) is served on 127.0.0.1:8305, where the source
`sources/demo-hostile.yaml` points (and, with `browser`, `demo-hostile-browser.yaml`, which
crawls it in Chromium); the crawl goes into the data directory's index like any other. The
summary says which of the site's ordinary listings were captured (all of them, when the
defences hold) and what each run cut, skipped or gave up on, by kind (`crawlers.anomalies`).
"""

from __future__ import annotations

import resource
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from armswatch.runs import CrawlRun
from armswatch.settings import AppSettings
from crawlers.source_loader import load_source
from index.selection import open_index

SOURCES_DIR = Path(__file__).resolve().parent.parent / "sources"
STATIC_SOURCE = "demo-hostile"
BROWSER_SOURCE = "demo-hostile-browser"


@dataclass
class HostileSummary:
    runs: list[CrawlRun]
    expected: list[str]  # the site ids of the ordinary listings
    captured: dict[str, list[str]] = field(default_factory=dict)  # by source
    peak_rss: int = 0  # bytes, of this process (the crawl's)

    def missing(self, source: str) -> list[str]:
        return sorted(set(self.expected) - set(self.captured.get(source, [])))

    @property
    def ok(self) -> bool:
        """Every run finished and captured every ordinary listing."""
        finished = all(run.finish_reason == "finished" for run in self.runs)
        return finished and not any(self.missing(run.source) for run in self.runs)


def run_hostile_demo(
    app: AppSettings, *, console: Console | None = None, browser: bool = False
) -> HostileSummary:
    from armswatch.crawl import crawl_sources  # Scrapy and Twisted: only when crawling
    from armswatch.demo.hostile import (
        DEFAULT_PORT,
        NORMAL_LISTINGS,
        PATIENT_LISTINGS,
        HostileSite,
    )

    names = [STATIC_SOURCE, BROWSER_SOURCE] if browser else [STATIC_SOURCE]
    sources = [load_source(SOURCES_DIR / f"{name}.yaml") for name in names]
    with HostileSite(port=DEFAULT_PORT):
        runs = crawl_sources(sources, app, console=console)
    expected = [listing.id for listing in (*NORMAL_LISTINGS, *PATIENT_LISTINGS)]
    summary = HostileSummary(runs=runs, expected=expected)
    summary.peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    index = open_index(app.index_url)
    try:
        for name in names:
            found = index.scan_listings(f'source:"{name}"')
            summary.captured[name] = [listing.site_listing_id or "" for listing in found]
    finally:
        index.close()
    return summary
