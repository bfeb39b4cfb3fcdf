"""`EvidenceMiddleware`: every response a crawl receives, into WARC files and the ledger.

Switched on by the `ARMSWATCH_EVIDENCE_DIR` setting (`armswatch.crawl` sets `<data>/evidence`
unless `ARMSWATCH_EVIDENCE=0`); without it the middleware is `NotConfigured`. For each
response it writes the exchange (`WarcArchive`: the WARC bytes are flushed first), then its
entries in the ledger (`<evidence dir>/ledger.jsonl`, not fsynced per response), and puts the
capture of the bytes the spider parses on `meta[EVIDENCE]` (a screenshot's on
`meta[SCREENSHOT_EVIDENCE]`), where `SourceSpider` makes it the listing's evidence. When the
spider closes, the ledger and the WARC file are fsynced and closed.

Its place (`ORDER`): responses pass the downloader middlewares from the highest number to the
lowest. At 588 this one comes after HttpCompressionMiddleware (590), so the body is decoded,
as the spider gets it, and after RedirectMiddleware (600): a 3xx is followed, not captured;
the response it leads to is, and its chain stays in `meta["redirect_urls"]`. It comes before
the middlewares that may swap a response for a new request: the challenge middleware (585),
MetaRefreshMiddleware (580) and RetryMiddleware (550), so queue, login and CAPTCHA pages,
meta refreshes and failed tries (a 503 retried) are captured too. Browser pages come from the
download handler, so they pass here like any other response.

A capture never stops the crawl: a failure is logged (`evidence_capture_failed`, with the
URL), counted in `armswatch/evidence_errors`, and the response goes on without evidence.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawlers.errors import CrawlersError
from crawlers.evidence.digests import DIGESTS_FILE, DigestIndex
from crawlers.evidence.ledger import LEDGER_FILE, Ledger
from crawlers.evidence.meta import EVIDENCE, SCREENSHOT_EVIDENCE, SERVER_BODY
from crawlers.evidence.warc_archive import DEFAULT_MAX_BYTES, Exchange, WarcArchive
from crawlers.evidence.warcinfo import CrawlInfo
from crawlers.source import Source

logger = logging.getLogger(__name__)

MIDDLEWARE = "crawlers.evidence.middleware.EvidenceMiddleware"
ORDER = 588
EVIDENCE_DIR = "ARMSWATCH_EVIDENCE_DIR"
WARC_MAX_BYTES = "ARMSWATCH_WARC_MAX_BYTES"  # the setting, else the environment variable


class EvidenceError(CrawlersError):
    """The evidence store cannot be opened."""


class EvidenceMiddleware:
    def __init__(self, crawler: Crawler, evidence_dir: Path, max_bytes: int) -> None:
        self.crawler = crawler
        self.evidence_dir = evidence_dir
        self.max_bytes = max_bytes
        try:
            evidence_dir.mkdir(parents=True, exist_ok=True)
            self.digests = DigestIndex(evidence_dir / DIGESTS_FILE)
        except Exception as error:  # OSError, sqlite3.Error
            raise EvidenceError(
                f"cannot open the evidence store {evidence_dir}: {type(error).__name__}: {error};"
                " make the directory writable, or set ARMSWATCH_EVIDENCE=0 to crawl without"
                " evidence"
            ) from error
        self.ledger = Ledger(evidence_dir / LEDGER_FILE)
        self._archive: WarcArchive | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EvidenceMiddleware:
        directory = crawler.settings.get(EVIDENCE_DIR)
        if not directory:
            raise NotConfigured(f"evidence capture is off ({EVIDENCE_DIR} is not set)")
        middleware = cls(crawler, Path(directory), _max_bytes(crawler))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(self, request: Request, response: Response) -> Response:
        """Capture `response`; it goes on whatever happens."""
        meta = request.meta
        for key in (EVIDENCE, SCREENSHOT_EVIDENCE):  # a retried request carries the last try's
            meta.pop(key, None)
        try:
            exchange = self._archive_of_crawl().write_exchange(request, response)
            self.ledger.append_captures(exchange.records, sync=False)
        except Exception as error:
            self._failed(response.url, error)
            return response
        finally:
            meta.pop(SERVER_BODY, None)
        meta[EVIDENCE] = exchange.page
        if exchange.screenshot is not None:
            meta[SCREENSHOT_EVIDENCE] = exchange.screenshot
        self._count(exchange)
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        """A failed download: drop the server bytes a browser page may have left in meta."""
        request.meta.pop(SERVER_BODY, None)

    def spider_closed(self, spider: Spider) -> None:
        """Force the WARC file, then the ledger, to disk, and close the store."""
        steps = [self.ledger.fsync, self.digests.close]
        if self._archive is not None:
            steps.insert(0, self._archive.close)
        for step in steps:
            try:
                step()
            except Exception as error:
                self._count_error()
                logger.error(
                    "closing the evidence store %s failed: %s: %s (the last captures may not be"
                    " on disk: run `armswatch evidence verify`)",
                    self.evidence_dir,
                    type(error).__name__,
                    error,
                    exc_info=error,
                    extra={
                        "event": "evidence_close_failed",
                        "evidence_dir": str(self.evidence_dir),
                    },
                )

    def _archive_of_crawl(self) -> WarcArchive:
        if self._archive is None:
            self._archive = WarcArchive(
                self.evidence_dir, self._crawl_info(), self.digests, self.max_bytes
            )
        return self._archive

    def _crawl_info(self) -> CrawlInfo:
        settings, spider = self.crawler.settings, self.crawler.spider
        source = getattr(spider, "source", None)
        if isinstance(source, Source):
            name, definition, network = source.name, source.model_dump_json(), source.network
        else:  # a spider of no source definition (tests, scrapy shell)
            name = spider.name if spider is not None else "unknown"
            definition, network = "{}", settings.get("ARMSWATCH_NETWORK", "clearnet")
        proxy = settings.get("ARMSWATCH_PROXY") or None
        return CrawlInfo(name, definition, network, proxy, settings.get("USER_AGENT") or "")

    def _count(self, exchange: Exchange) -> None:
        stats = self.crawler.stats
        if stats is None:
            return
        stats.inc_value("armswatch/evidence_records", len(exchange.records))
        revisits = sum(1 for capture in exchange.records if capture.record_type == "revisit")
        if revisits:
            stats.inc_value("armswatch/evidence_revisits", revisits)
        stats.inc_value("armswatch/evidence_bytes", sum(c.length for c in exchange.records))

    def _count_error(self) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("armswatch/evidence_errors")

    def _failed(self, url: str, error: Exception) -> None:
        self._count_error()
        logger.error(
            "evidence capture failed for %s: %s: %s (the crawl goes on without this evidence;"
            " check that %s is writable and has space)",
            url,
            type(error).__name__,
            error,
            self.evidence_dir,
            exc_info=error,
            extra={
                "event": "evidence_capture_failed",
                "url": url,
                "evidence_dir": str(self.evidence_dir),
            },
        )


def _max_bytes(crawler: Crawler) -> int:
    """The WARC file size setting, else its environment variable, else 100 MiB."""
    value = crawler.settings.get(WARC_MAX_BYTES) or os.environ.get(WARC_MAX_BYTES)
    try:
        max_bytes = int(value) if value else DEFAULT_MAX_BYTES
    except ValueError:
        max_bytes = 0
    if max_bytes <= 0:
        raise EvidenceError(
            f"{WARC_MAX_BYTES} is {value!r}: give the size at which a new WARC file is begun,"
            f" in bytes (e.g. {DEFAULT_MAX_BYTES} for 100 MiB)"
        )
    return max_bytes
