"""`Retry-After` honoured within a cap: a 429 or 503 that says when to come back is retried then.

Scrapy's `RetryMiddleware` retries a 429 or 503 at once, which a rate-limited site answers
with more 429s (and may take for an attack). This middleware (above it in the chain, so it
sees the response first) waits as long as the header says, at most `rate_limit.retry_after_max`
seconds, and then retries through Scrapy's own `get_retry_request` (counted in Scrapy's retry
stats, within the source's retries). While it waits the request holds its download slot, so
the crawl slows down with the site. Each wait is an anomaly (`retry_after`, or
`retry_after_over_cap` when the site asked for longer than the cap). A response without the
header, or whose retries are spent, is left to `RetryMiddleware`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task

from crawlers.anomalies import record_anomaly
from crawlers.safety.settings import RETRY_AFTER_MAX
from crawlers.source import RateLimit

STATUSES = frozenset({429, 503})


def retry_after_seconds(value: str, now: datetime) -> float | None:
    """The seconds a `Retry-After` value asks to wait (delay-seconds or an HTTP date)."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


class RetryAfterMiddleware:
    def __init__(self, crawler: Crawler, cap: float, max_retries: int) -> None:
        self.crawler = crawler
        self.cap = cap
        self.max_retries = max_retries

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            crawler,
            cap=settings.getfloat(RETRY_AFTER_MAX, RateLimit().retry_after_max),
            max_retries=settings.getint("RETRY_TIMES"),
        )

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        header = response.headers.get(b"Retry-After")
        if response.status not in STATUSES or not header or not self._retries_left(request):
            return response
        asked = retry_after_seconds(header.decode("latin-1"), datetime.now(UTC))
        if asked is None:
            return response
        spider = self.crawler.spider
        assert spider is not None  # a response came: the spider is open
        retry = get_retry_request(request, spider=spider, reason=f"retry_after_{response.status}")
        if retry is None:
            return response
        wait = min(asked, self.cap)
        kind = "retry_after" if asked <= self.cap else "retry_after_over_cap"
        detail = f"HTTP {response.status}, asked {asked:.0f} s, waiting {wait:.0f} s"
        record_anomaly(self.crawler.stats, kind, request.url, detail=detail)
        await _sleep(wait)
        return retry

    def _retries_left(self, request: Request) -> bool:
        allowed = request.meta.get("max_retry_times", self.max_retries)
        return bool(request.meta.get("retry_times", 0) < allowed) and not request.meta.get(
            "dont_retry", False
        )


async def _sleep(seconds: float) -> None:
    from twisted.internet import reactor

    await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))
