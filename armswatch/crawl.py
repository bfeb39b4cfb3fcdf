"""Run crawls of one or more sources into the index, with a progress display and run records."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from armswatch import logs
from armswatch.runs import CrawlRun, RunStore
from armswatch.settings import AppSettings
from crawlers.browser.limits import BOUNDED as BROWSER_BOUNDED
from crawlers.browser.settings import browser_settings
from crawlers.challenges.config import apply_challenge_settings
from crawlers.evidence import middleware as evidence
from crawlers.frontier.settings import frontier_settings
from crawlers.listing import Listing
from crawlers.middlewares.page_budget import NOT_A_PAGE
from crawlers.network import browser_proxy, network_settings
from crawlers.photos import pipeline as photos
from crawlers.safety.settings import PAGE_CHECKS, apply_safety_settings
from crawlers.settings import base_settings, for_source
from crawlers.source import Source
from crawlers.spiders.source_spider import SourceSpider

ITEM_PIPELINES = {
    "crawlers.pipelines.listing_budget.ListingBudgetPipeline": 100,
    photos.PIPELINE: photos.ORDER,  # the listing's images, before extraction and the index
    "extractors.scrapy_pipeline.ExtractionPipeline": 500,
    "index.pipeline.IndexPipeline": 800,
}
EXTENSIONS = {
    # the alert rules, run on each batch the index accepted
    "rules.scrapy_extension.AlertExtension": 600,
    "index.history_extension.ListingHistoryExtension": 550,  # removals, re-posts; before alerts
}


def crawl_settings(
    source: Source, app: AppSettings, overrides: dict[str, Any] | None = None
) -> Settings:
    """All Scrapy settings for one source's crawl."""
    settings = Settings(base_settings())
    settings.setdict(for_source(source), priority="spider")
    settings.setdict(network_settings(source, app), priority="spider")
    if source.render == "browser":  # Chromium takes its proxy at launch
        browser = browser_settings(source, app, browser_proxy(source, app))
        settings.setdict(browser, priority="spider")
        # a page may take its own time-out to load, on top of what the network allows
        timeout = max(settings.getfloat("DOWNLOAD_TIMEOUT"), source.browser.timeout)
        settings.set("DOWNLOAD_TIMEOUT", timeout, priority="spider")
    settings.setdict(
        {
            "ITEM_PIPELINES": ITEM_PIPELINES,
            "ARMSWATCH_INDEX_URL": app.index_url,
            "ARMSWATCH_SPOOL_DIR": str(app.spool_dir),
            "ARMSWATCH_DATA_DIR": str(app.data_dir),
            photos.PHOTOS_DIR: str(app.data_dir / "photos"),
            "ARMSWATCH_RULES_DIR": str(app.rules_dir),
            "ARMSWATCH_ALERTS_DB": str(app.alerts_db),
            "ARMSWATCH_DASHBOARD_URL": app.dashboard_url,
            evidence.EVIDENCE_DIR: str(app.evidence_dir) if app.evidence else None,
            "LOG_ENABLED": False,
        },
        priority="cmdline",
    )
    settings.set("EXTENSIONS", {**settings.getdict("EXTENSIONS"), **EXTENSIONS}, "cmdline")
    middlewares = {
        **settings.getdict("DOWNLOADER_MIDDLEWARES"),
        evidence.MIDDLEWARE: evidence.ORDER,
    }
    settings.set("DOWNLOADER_MIDDLEWARES", middlewares, "cmdline")
    settings.setdict(frontier_settings(source, app.data_dir), priority="cmdline")
    if app.safety:  # merged into the downloader and spider middlewares
        apply_safety_settings(settings, source)
    else:
        settings.set(PAGE_CHECKS, False, priority="cmdline")
        settings.set(BROWSER_BOUNDED, False, priority="cmdline")
    if overrides:
        settings.setdict(overrides, priority="cmdline")
    apply_challenge_settings(settings, source, app)  # merged into the downloader middlewares
    return settings


def crawl_sources(
    sources: Sequence[Source],
    app: AppSettings,
    *,
    console: Console | None = None,
    overrides: dict[str, Any] | None = None,
    spider: type[SourceSpider] = SourceSpider,
    spider_kwargs: dict[str, Any] | None = None,
    settings_of: Callable[[Source], Settings] | None = None,
) -> list[CrawlRun]:
    """Crawl the sources side by side in this process; record and return one run per source.

    `spider` (given `spider_kwargs`) and `settings_of` (default: `crawl_settings` with the
    `overrides`) let an import run its own spider on its own settings. Twisted's reactor starts
    once per process, so call this once per process.
    """
    logs.configure(app.log_dir)
    process = CrawlerProcess({"LOG_INSTALL_ROOT_HANDLER": False})
    settings_of = settings_of or (lambda source: crawl_settings(source, app, overrides))
    crawlers = [
        Crawler(spider, settings_of(source), init_reactor=position == 0)
        for position, source in enumerate(sources)
    ]
    console = console or Console(stderr=True)
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        TextColumn(
            "pages {task.fields[pages]} · listings {task.fields[listings]}"
            " · errors {task.fields[errors]}"
        ),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        for source, crawler in zip(sources, crawlers, strict=True):
            _track(progress, crawler, source.name)
            process.crawl(crawler, source=source, **(spider_kwargs or {}))
        process.start()
    return _record_runs(sources, crawlers, app)


def _track(progress: Progress, crawler: Crawler, name: str) -> None:
    task = progress.add_task(name, total=None, pages=0, listings=0, errors=0)
    counts = {"pages": 0, "listings": 0}

    def on_response(request: Any, **_: Any) -> None:
        if request.meta.get(NOT_A_PAGE):  # a listing photo
            return
        counts["pages"] += 1
        progress.update(task, pages=counts["pages"])

    def on_item(item: Any, **_: Any) -> None:
        if not isinstance(item, Listing):
            return
        counts["listings"] += 1
        progress.update(task, listings=counts["listings"])

    def on_closed(**_: Any) -> None:
        errors = crawler.stats.get_value("armswatch/extraction_errors", 0) if crawler.stats else 0
        progress.update(task, errors=errors, total=1, completed=1)

    crawler.signals.connect(on_response, signal=signals.response_received, weak=False)
    crawler.signals.connect(on_item, signal=signals.item_scraped, weak=False)
    crawler.signals.connect(on_closed, signal=signals.spider_closed, weak=False)


def _record_runs(
    sources: Sequence[Source], crawlers: Sequence[Crawler], app: AppSettings
) -> list[CrawlRun]:
    store = RunStore(app.runs_db)
    runs = []
    try:
        for source, crawler in zip(sources, crawlers, strict=True):
            stats = crawler.stats.get_stats() if crawler.stats else {}
            run = CrawlRun.from_stats(source.name, stats, log_file=app.log_dir / "armswatch.jsonl")
            store.add(run)
            runs.append(run)
    finally:
        store.close()
    return runs
