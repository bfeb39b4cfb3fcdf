"""The demo job: serve the demo marketplaces, crawl them into the index, run first searches."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from armswatch.settings import AppSettings
from crawlers.source_loader import load_source
from index.selection import open_index
from rules.store import AlertStore

DEMO_SOURCES = ("demo-market", "demo-forum", "demo-classifieds")
SOURCES_DIR = Path(__file__).resolve().parent.parent / "sources"
FIRST_SEARCHES: tuple[tuple[str, str], ...] = (
    ("glock AND ships_to:DE", "Glock offers that ship to Germany"),
    ('"lower receiver"', "AR-15 lower receivers, the part that legally is the firearm"),
    ("category:conversion_device", "auto sears, switches and solvent-trap kits, as classified"),
    ('(switch OR "auto sear") AND glock', "auto sears that make a Glock fire automatically"),
    ("price.amount_usd:<500 AND (pistol OR pistole OR pistola)", "cheap handguns"),
)


@dataclass
class DemoSummary:
    index_url: str
    total: int = 0
    new: int = 0
    changed: int = 0
    errors: int = 0
    failed: list[str] = field(default_factory=list)
    searches: list[tuple[int, list[str]]] = field(default_factory=list)
    alerts: Counter[str] = field(default_factory=Counter)  # alerts this crawl fired, by rule


def run_demo(app: AppSettings, *, day: int = 1, console: Console | None = None) -> DemoSummary:
    from armswatch.crawl import crawl_sources  # Scrapy and Twisted: only when crawling
    from armswatch.demo.server import DemoSites

    sources = [load_source(SOURCES_DIR / f"{name}.yaml") for name in DEMO_SOURCES]
    started = datetime.now(UTC)
    with DemoSites(day=day):
        runs = crawl_sources(sources, app, console=console)
    summary = DemoSummary(
        index_url=app.index_url,
        new=sum(run.new for run in runs),
        changed=sum(run.changed for run in runs),
        errors=sum(run.errors for run in runs),
        failed=[run.source for run in runs if run.failed],
    )
    with AlertStore(app.alerts_db) as store:
        fired = store.alerts(since=started, suppressed=None, limit=None)
    summary.alerts.update(alert.rule for alert in fired)
    index = open_index(app.index_url)
    try:
        summary.total = index.count("*")
        for query, _ in FIRST_SEARCHES:
            result = index.search(query, limit=3, highlight=False)
            summary.searches.append((result.total, [hit.listing.title for hit in result.hits]))
    finally:
        index.close()
    return summary
