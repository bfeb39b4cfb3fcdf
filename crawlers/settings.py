"""Scrapy settings shared by every armswatch crawl; per-source values come from `for_source`."""

from __future__ import annotations

from typing import Any

from crawlers.safety import settings as safety_settings
from crawlers.source import Limits, Source

BOT_NAME = "armswatch"
SPIDER_MODULES = ["crawlers.spiders"]
ROBOTSTXT_OBEY = False  # markets are crawled under a legal mandate, not as a courtesy crawler
USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"
COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
# the defaults of a source's limits (crawlers.safety sets the source's own for its crawl)
DOWNLOAD_MAXSIZE = Limits.model_fields["max_page_bytes"].default
DOWNLOAD_WARNSIZE = min(safety_settings.WARN_BYTES, DOWNLOAD_MAXSIZE)
RETRY_ENABLED = True
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DEPTH_STATS_VERBOSE = False
# Scrapy starts CONCURRENT_ITEMS tasks for every response's output (default 100), whatever it
# yields: most pages yield a listing or a few dozen links, so 100 tasks per page cost more
# reactor time than anything they run in parallel (benchmarks/crawl.py).
CONCURRENT_ITEMS = 16
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
DOWNLOADER_MIDDLEWARES = {
    "crawlers.middlewares.page_budget.PageBudgetMiddleware": 50,
    # Scrapy's cookie middleware asks tldextract, which downloads the Public Suffix List on
    # first use: a clearnet request from a Tor crawl. This one reads tldextract's bundled copy.
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "crawlers.middlewares.offline_cookies.OfflineCookiesMiddleware": 700,
}
EXTENSIONS = {
    # counts the errors logged while the spider closes too (the crawl run counts them)
    "scrapy.extensions.logcount.LogCount": None,
    "crawlers.log_count.LogCountToTheEnd": 0,
    # CLOSESPIDER_PAGECOUNT counts pages only, not listing photos (`crawlers.photos`)
    "scrapy.extensions.closespider.CloseSpider": None,
    "crawlers.middlewares.page_budget.PageCountCloseSpider": 0,
}


def base_settings() -> dict[str, Any]:
    """The module-level settings above as a dict."""
    return {name: value for name, value in globals().items() if name.isupper()}


def for_source(source: Source) -> dict[str, Any]:
    """Politeness, retries and limits of one source, as Scrapy settings."""
    rate, limits = source.rate_limit, source.limits
    settings: dict[str, Any] = {
        "CONCURRENT_REQUESTS": max(rate.concurrency, 1),
        "CONCURRENT_REQUESTS_PER_DOMAIN": rate.concurrency,
        "DOWNLOAD_DELAY": rate.download_delay,
        "DOWNLOAD_DELAY_JITTER": 0.5 if rate.download_delay > 0 else 0,
        "AUTOTHROTTLE_ENABLED": rate.autothrottle,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": rate.autothrottle_target_concurrency,
        "RETRY_TIMES": rate.retries,
        "DOWNLOAD_TIMEOUT": rate.timeout,
        "DEPTH_LIMIT": limits.max_depth,
        "CLOSESPIDER_PAGECOUNT": limits.max_pages,
    }
    if limits.max_listings is not None:
        settings["ARMSWATCH_MAX_LISTINGS"] = limits.max_listings
    if limits.max_duration is not None:  # Scrapy's CloseSpider stops the run cleanly
        settings["CLOSESPIDER_TIMEOUT"] = limits.max_duration
    return settings
