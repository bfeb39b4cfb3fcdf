"""The Scrapy settings of the safety layer for one source (see `crawlers.safety`).

    apply_safety_settings(settings, source)   # merges its middlewares into the crawl's

Scrapy's own HTTP compression, redirect and depth middlewares are replaced by subclasses that
count what they refuse; the rest is added at these places in the chains:

- downloader: `RetryAfterMiddleware` (555) sees a 429 or 503 before `RetryMiddleware` (550);
  `CharsetMiddleware` (580) sees a body once decompressed (590); `DownloadAnomalyMiddleware`
  (530) sees a download failure only once retries are spent.
- spider: `TrapFilterMiddleware` (800) drops trap links before the frontier stores them.
"""

from __future__ import annotations

from typing import Any

from scrapy.settings import Settings

from crawlers.source import Source

WARN_BYTES = 1024 * 1024  # a page this big is logged (Scrapy's DOWNLOAD_WARNSIZE)
MAX_URL_LENGTH = "ARMSWATCH_MAX_URL_LENGTH"
MAX_PATH_REPEATS = "ARMSWATCH_MAX_PATH_REPEATS"
CALENDAR_YEARS = "ARMSWATCH_CALENDAR_YEARS"
RETRY_AFTER_MAX = "ARMSWATCH_RETRY_AFTER_MAX"
PAGE_CHECKS = "ARMSWATCH_PAGE_CHECKS"  # the spider's checks on parsed pages (crawlers.safety.pages)

DOWNLOADER_MIDDLEWARES: dict[str, int | None] = {
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawlers.safety.downloads.CappedCompressionMiddleware": 590,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawlers.safety.downloads.LoopAwareRedirectMiddleware": 600,
    "crawlers.safety.retry_after.RetryAfterMiddleware": 555,
    "crawlers.safety.charsets.CharsetMiddleware": 580,
    "crawlers.safety.downloads.DownloadAnomalyMiddleware": 530,
}
SPIDER_MIDDLEWARES: dict[str, int | None] = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "crawlers.safety.traps.CountedDepthMiddleware": 900,
    "crawlers.safety.traps.TrapFilterMiddleware": 800,
}


def safety_settings(source: Source) -> dict[str, Any]:
    """Caps and trap rules of `source` as Scrapy settings (middlewares not included)."""
    limits = source.limits
    return {
        "DOWNLOAD_MAXSIZE": limits.max_page_bytes,
        "DOWNLOAD_WARNSIZE": min(WARN_BYTES, limits.max_page_bytes),
        "REDIRECT_MAX_TIMES": limits.max_redirects,
        "METAREFRESH_MAXDELAY": 30,
        MAX_URL_LENGTH: limits.max_url_length,
        MAX_PATH_REPEATS: limits.max_path_repeats,
        CALENDAR_YEARS: limits.calendar_years,
        RETRY_AFTER_MAX: source.rate_limit.retry_after_max,
        PAGE_CHECKS: True,
    }


def apply_safety_settings(settings: Settings, source: Source, priority: str = "cmdline") -> None:
    """Set the safety settings of `source` and merge its middlewares into the crawl's."""
    settings.setdict(safety_settings(source), priority=priority)
    for name, added in (
        ("DOWNLOADER_MIDDLEWARES", DOWNLOADER_MIDDLEWARES),
        ("SPIDER_MIDDLEWARES", SPIDER_MIDDLEWARES),
    ):
        settings.set(name, {**settings.getdict(name), **added}, priority)
