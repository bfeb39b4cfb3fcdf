"""Notice when a source's site is down (an onion offline) and end its run cleanly.

When every start URL of a source fails at connection level once its retries are spent (the
proxy answered "host unreachable", "TTL expired" or "connection refused", the download timed
out, or the proxy itself is down), the source is marked unreachable: the stats get
`armswatch/source_unreachable = 1` and `armswatch/unreachable_reason`, a structured
`source_unreachable` event is logged, and the spider closes with the finish reason
`source_unreachable`. Other sources in the same process crawl on.
"""

from __future__ import annotations

import logging
from collections import Counter
from functools import cached_property
from typing import TYPE_CHECKING

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
)
from scrapy.utils.defer import deferred_from_coro
from w3lib.url import safe_url_string

from crawlers.network.errors import DestinationUnreachableError, ProxyUnavailableError

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

UNREACHABLE_REASON = "source_unreachable"
REASON_STAT = "armswatch/unreachable_reason"  # why: "host unreachable", "proxy unavailable"...


def connection_failure(exception: BaseException) -> str | None:
    """Why a download failed at connection level, or None if it did not."""
    if isinstance(exception, DestinationUnreachableError | ProxyUnavailableError):
        return exception.reason
    if isinstance(exception, DownloadTimeoutError):
        return "timeout"
    if isinstance(exception, DownloadConnectionRefusedError):
        return "connection refused"
    if isinstance(exception, CannotResolveHostError):
        return "cannot resolve host"
    return None


class ReachabilityMiddleware:
    """Watches the start URLs of a source; marks the source unreachable if none connects."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.reached = False
        self.failures: dict[str, str] = {}
        self.marked = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReachabilityMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not self.reached and _origin(request) in self._start_urls:
            self.reached = True
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if self.reached or self.marked:
            return
        url = _origin(request)
        if url not in self._start_urls:
            return
        reason = connection_failure(exception)
        if reason is None:  # the site answered something: it is up
            self.reached = True
            return
        self.failures[url] = reason
        if set(self.failures) >= self._start_urls:
            self._mark_unreachable()

    @cached_property
    def _start_urls(self) -> set[str]:
        """The source's start URLs, read once the spider (and its source) exists."""
        source = getattr(self.crawler.spider, "source", None)
        if source is None:
            return set()
        return {safe_url_string(str(url)) for url in source.start_urls}

    def _mark_unreachable(self) -> None:
        self.marked = True
        reason = Counter(self.failures.values()).most_common(1)[0][0]
        source = getattr(self.crawler.spider, "source", None)
        name = source.name if source is not None else "unknown"
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("armswatch/source_unreachable", 1)
            self.crawler.stats.set_value(REASON_STAT, reason)
        logger.warning(
            "source %s is unreachable: %s",
            name,
            reason,
            extra={
                "event": UNREACHABLE_REASON,
                "source": name,
                "reason": reason,
                "network": getattr(source, "network", None),
                "start_urls": len(self.failures),
            },
        )
        engine = self.crawler.engine
        if engine is not None:
            deferred_from_coro(engine.close_spider_async(reason=UNREACHABLE_REASON))


def _origin(request: Request) -> str:
    """The URL a request started from (before redirects)."""
    redirects = request.meta.get("redirect_urls") or [request.url]
    return safe_url_string(redirects[0])
