"""A crawl as every crawl must run: under its sources' locks, marked unfinished until it ends."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console

from armswatch.runs import CrawlRun
from armswatch.scheduler.locks import hold_sources
from armswatch.scheduler.unfinished import mark_started, settle
from armswatch.settings import AppSettings
from crawlers.source import Source


def crawl_guarded(
    sources: Sequence[Source], app: AppSettings, *, console: Console | None = None
) -> list[CrawlRun]:
    """Crawl the sources side by side in this process, holding each one's lock (SourceBusyError if
    one is being crawled already); a source's marker goes once its run ended complete."""
    from armswatch.crawl import crawl_sources  # Scrapy and Twisted: only when crawling

    with hold_sources(app.data_dir, [source.name for source in sources]):
        for source in sources:
            mark_started(app.data_dir, source.name)
        runs = crawl_sources(sources, app, console=console)
        settle(app.data_dir, runs)
    return runs
