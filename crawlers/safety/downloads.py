"""Downloads cut or given up: counted as anomalies (`crawlers.anomalies`) with their URL.

- `CappedCompressionMiddleware`: Scrapy's decompression, which stops at `DOWNLOAD_MAXSIZE`
  (a gzip, deflate, brotli or zstd bomb is never inflated past it), counting what it refused.
- `LoopAwareRedirectMiddleware`: Scrapy's redirects, which stop after `REDIRECT_MAX_TIMES`;
  a redirect back to a URL of the same chain is refused at once (Scrapy would go round the
  loop up to the limit). Both are counted.
- `DownloadAnomalyMiddleware`: a download that failed for good (after its retries): over the
  size cap (Scrapy's handler cancels it: Content-Length over the cap, or more bytes received),
  timed out (a server that drips bytes or stalls), or reset by the server. The request is then
  ignored: the anomaly is its record.
"""

from __future__ import annotations

import builtins
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from twisted.internet import error as twisted_errors
from twisted.web._newclient import ResponseFailed

from crawlers.anomalies import record_anomaly

_TIMEOUTS = (DownloadTimeoutError, twisted_errors.TimeoutError, builtins.TimeoutError)
_RESETS = (
    twisted_errors.ConnectionLost,
    twisted_errors.ConnectionDone,
    ConnectionResetError,
    ResponseDataLossError,
    ResponseFailed,
    DownloadFailedError,
)


def download_anomaly(exception: BaseException) -> str | None:
    """The anomaly kind of a download that failed with `exception` (None: not one)."""
    if isinstance(exception, DownloadCancelledError):
        return "download_too_large"
    if isinstance(exception, _TIMEOUTS):
        return "timeout"
    if isinstance(exception, _RESETS):
        return "connection_reset"
    return None


class DownloadAnomalyMiddleware:
    """Placed below `RetryMiddleware`: it sees a failure only once no retry is left."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_exception(self, request: Request, exception: Exception) -> None:
        """Count the anomaly, then ignore the request: it is recorded, and Scrapy's own
        "Error downloading" would log it once more (a page given up after retries is already
        an error logged by `RetryMiddleware`; one over the size cap is the cap working)."""
        kind = download_anomaly(exception)
        if kind is None:
            return
        detail = (str(exception) or type(exception).__name__)[:300]
        record_anomaly(self.crawler.stats, kind, request.url, detail=detail)
        raise IgnoreRequest(f"{kind}: {detail}") from exception


class CappedCompressionMiddleware(HttpCompressionMiddleware):
    def process_response(
        self, request: Request, response: Response, spider: object = None
    ) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            encoding = b",".join(response.headers.getlist("Content-Encoding")).decode("latin-1")
            cap = request.meta.get("download_maxsize", self._max_size)
            record_anomaly(
                self.stats,
                "decompression_bomb",
                request.url,
                detail=f"{encoding} body of {len(response.body)} bytes inflates past {cap}",
            )
            raise


class LoopAwareRedirectMiddleware(RedirectMiddleware):
    def process_response(
        self, request: Request, response: Response, spider: object = None
    ) -> Request | Response:
        try:
            result = super().process_response(request, response)
        except IgnoreRequest:
            self._record(request, f"more than {self.max_redirect_times} redirects")
            raise
        if isinstance(result, Request) and result is not request:
            chain = [*request.meta.get("redirect_urls", ()), request.url]
            if result.url in chain:
                self._record(request, f"redirects back to {result.url}: a loop")
                raise IgnoreRequest(f"redirect loop at {request.url}")
        return result

    def _record(self, request: Request, detail: str) -> None:
        first = (request.meta.get("redirect_urls") or [request.url])[0]
        record_anomaly(self.crawler.stats, "redirect_limit", first, detail=detail)
