"""`armswatch import`: a source's selectors over saved pages, indexed as a crawl's listings.

The import runs as a crawl does (`armswatch.crawl.crawl_sources`: extraction, the index, the
alert rules, the listing history, a run record), with the import spider
(`crawlers.spiders.import_spider`) and the source as read offline (`offline_source`): no
network, login, browser or photo download; no frontier (nothing to resume: the saved pages
are all there); no new evidence capture (a listing's evidence is the saved page it was read
from). An import is never a complete crawl: it marks no listing removed. It holds the source's
lock as a crawl does (`SourceBusyError` while the source is being crawled or imported), so its
listings' versions never interleave with a crawl's of the same source.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from rich.console import Console
from scrapy.settings import Settings

from armswatch.crawl import crawl_settings, crawl_sources
from armswatch.runs import CrawlRun
from armswatch.scheduler.locks import hold_sources
from armswatch.settings import AppSettings
from crawlers.frontier.settings import MIDDLEWARE as FRONTIER_MIDDLEWARE
from crawlers.snapshots.handler import HANDLER, SCHEME
from crawlers.source import Photos, Source
from crawlers.spiders.import_spider import ImportSpider

CONCURRENCY = 16  # saved pages in flight: they are read from disk
NO_BUDGET = 10**9  # pages: an import reads every saved page
NETWORK_SCHEMES = ("http", "https", "ftp", "s3", "file", "data")


def offline_source(source: Source) -> Source:
    """The source as an import reads it: selectors and defaults only."""
    limits = source.limits.model_copy(
        update={"max_pages": NO_BUDGET, "max_listings": None, "max_duration": None}
    )
    return source.model_copy(
        update={
            "network": "clearnet",
            "proxy": None,
            "render": "static",
            "login": None,
            "persona": None,
            "captcha": None,
            "queue": None,
            "photos": Photos(download=False),
            "limits": limits,
        }
    )


def import_settings(offline: Source, app: AppSettings) -> Settings:
    """The Scrapy settings of an import with the `offline_source` `offline` (see the module).

    Only `saved://` requests have a download handler: a request for anything else (an
    image, a link) fails on the spot, so an import can never reach the network."""
    settings = crawl_settings(offline, app.model_copy(update={"evidence": False}))
    middlewares = settings.getdict("SPIDER_MIDDLEWARES")
    middlewares.pop(FRONTIER_MIDDLEWARE, None)
    handlers = {scheme: None for scheme in NETWORK_SCHEMES} | {SCHEME: HANDLER}
    settings.setdict(
        {
            "SCHEDULER": "scrapy.core.scheduler.Scheduler",
            "SPIDER_MIDDLEWARES": middlewares,
            "DOWNLOAD_HANDLERS": handlers,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "CONCURRENT_REQUESTS": CONCURRENCY,
            "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY,
            "ROBOTSTXT_OBEY": False,
        },
        priority="cmdline",
    )
    return settings


def import_snapshot(
    source: Source,
    snapshot: Path,
    app: AppSettings,
    *,
    captured_at: datetime | None = None,
    console: Console | None = None,
) -> CrawlRun:
    """Import the saved pages under `snapshot` with `source`'s selectors, under the source's
    lock (SourceBusyError if another process holds it); the run."""
    with hold_sources(app.data_dir, [source.name]):
        (run,) = crawl_sources(
            [offline_source(source)],
            app,
            console=console,
            spider=ImportSpider,
            spider_kwargs={"snapshot": snapshot, "captured_at": captured_at},
            settings_of=lambda chosen: import_settings(chosen, app),
        )
    return run
