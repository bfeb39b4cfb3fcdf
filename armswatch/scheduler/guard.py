"""A crawl as every crawl must run: under its sources' locks.

Whether a crawl finished is not recorded here: each source's crash-safe frontier records its
crawl's state (`crawlers.frontier.state`), which the daemon and `schedule list` read.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console

from armswatch.runs import CrawlRun
from armswatch.scheduler.locks import hold_sources
from armswatch.settings import AppSettings
from crawlers.source import Source


def crawl_guarded(
    sources: Sequence[Source], app: AppSettings, *, console: Console | None = None
) -> list[CrawlRun]:
    """Crawl the sources side by side in this process, holding each one's lock (SourceBusyError if
    one is being crawled already)."""
    from armswatch.crawl import crawl_sources  # Scrapy and Twisted: only when crawling

    with hold_sources(app.data_dir, [source.name for source in sources]):
        return crawl_sources(sources, app, console=console)
