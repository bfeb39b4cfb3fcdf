"""The Scrapy extension that keeps listing histories as a crawl runs: removals and re-posts.

- It notes the id of every listing the crawl sees (scraped, or dropped by a later pipeline:
  the site still shows it), and has them written to the history file with each batch the
  index accepts, so a crawl killed and resumed still knows what it saw before.
- On each batch the index accepted (the index pipeline's `listings_indexed` signal) the
  history notes when the batch's new versions began, and links the batch's new listings to
  the earlier listings of the same vendor they re-post (`index.reposts`), in the history file.
- When the spider closes after a complete crawl (`index.removals`), the history counts which
  stored listings of the source the crawl missed and upserts those missed by
  `Source.removed_after` complete crawls in a row with status `removed`; their report goes
  out on `listings_indexed` like any batch, so the alert rules see the removals. The stat
  `armswatch/listings_removed` counts them. A crawl that is not complete writes what it saw,
  so the next crawl goes on from there.

The work on the history file and the index runs in a worker process (`index.history_worker`),
one call at a time in the order given: the crawl's process only keeps the sets of ids, hands
each batch over and, as later batches come, records the outcomes of those done (the stats
`armswatch/listings_reposted` and `armswatch/history_errors`), never waiting for them. The
worker keeps up with the crawl, but a crawl killed outright (SIGKILL: the worker dies with
it) loses the sightings of any batch it had not written yet, usually none; the resumed crawl
need not fetch those listings again, so its removal pass counts them missed once.

Closing: `on_closed` hands the crawl's end to the worker and returns a Deferred (Scrapy waits
for it) that waits, in a thread, for the batches left and the end; then it records them, sends
the removals' report on `listings_indexed` and stops the worker. Scrapy runs the Deferreds of
`spider_closed` receivers side by side, so the alert extension, which must see that report
before its last pass, waits first for `when_closed()`: it fires once the report is sent.

Failures are logged as errors (the crawl run counts them) and never stop a crawl.

Settings: `ARMSWATCH_INDEX_URL`, `ARMSWATCH_DATA_DIR`, `ARMSWATCH_HISTORY_DB` (default
`<data dir>/history.db`), `ARMSWATCH_HISTORY_ENABLED` (default true).
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, wait
from pathlib import Path
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.signalmanager import SignalManager
from scrapy.statscollectors import StatsCollector
from twisted.internet import threads
from twisted.internet.defer import Deferred, maybeDeferred, succeed

from crawlers.listing import Listing, utcnow
from crawlers.source import Source
from index.backend import UpsertReport
from index.history_store import history_db_path
from index.history_worker import (
    BatchNoted,
    CrawlEnd,
    CrawlTracked,
    HistoryWorker,
    HistoryWorkerConfig,
    IndexedBatch,
)
from index.pipeline import listings_indexed
from index.removals import RemovalPass, is_complete

logger = logging.getLogger(__name__)


class ListingHistoryExtension:
    def __init__(self, worker: HistoryWorker, stats: StatsCollector, sigs: SignalManager) -> None:
        self.worker = worker
        self.stats = stats
        self.signals = sigs
        self.source: Source | None = None
        self.seen: set[str] = set()
        self.unsent: set[str] = set()  # seen since the last batch went to the worker
        self.pending: list[Future[BatchNoted]] = []  # batches not yet recorded, in order
        self.closing = False  # the removals' own batch is no sighting
        self._closed = False
        self._waiting: list[Deferred[None]] = []  # for when_closed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("ARMSWATCH_HISTORY_ENABLED", True):
            raise NotConfigured("listing history is switched off")
        assert crawler.stats is not None
        data_dir = Path(settings.get("ARMSWATCH_DATA_DIR", "data"))
        config = HistoryWorkerConfig(
            index_url=settings.get("ARMSWATCH_INDEX_URL"),
            store_path=Path(settings.get("ARMSWATCH_HISTORY_DB") or history_db_path(data_dir)),
            crawl_started=utcnow(),
        )
        extension = cls(HistoryWorker(config), crawler.stats, crawler.signals)
        connect = crawler.signals.connect
        connect(extension.on_opened, signal=signals.spider_opened)
        connect(extension.on_item, signal=signals.item_scraped)
        connect(extension.on_item, signal=signals.item_dropped)
        connect(extension.on_indexed, signal=listings_indexed)
        connect(extension.on_closed, signal=signals.spider_closed)
        return extension

    def on_opened(self, spider: Spider) -> None:
        source = getattr(spider, "source", None)
        self.source = source if isinstance(source, Source) else None

    def on_item(self, item: Any, **_: Any) -> None:
        if isinstance(item, Listing):
            self.seen.add(item.id)
            self.unsent.add(item.id)

    def on_indexed(self, report: UpsertReport, **_: Any) -> None:
        """Hand the batch to the worker; record the batches it has done since."""
        if self.closing:
            return
        sighted = self.unsent.union(report.new, report.changed, report.unchanged)
        self.unsent = set()
        name = self.source.name if self.source is not None else None
        batch = IndexedBatch(name, frozenset(sighted), report.changed, report.new)
        self.pending.append(self.worker.note_batch(batch))
        while self.pending and self.pending[0].done():
            self._record_batch(self.pending.pop(0))

    def on_closed(self, spider: Spider, reason: str) -> Deferred[None]:
        """Track the crawl's end in the worker (after a complete crawl, mark the listings
        missed often enough `removed`); Scrapy waits for the Deferred."""
        self.closing = True
        closed: Deferred[None] = maybeDeferred(self._close, reason)
        closed.addBoth(self._stopped)
        return closed

    def when_closed(self) -> Deferred[None]:
        """A Deferred that fires once the crawl's end is tracked and the removals' report
        was sent on `listings_indexed` (or tracking failed): no batch comes after."""
        if self._closed:
            return succeed(None)
        waiter: Deferred[None] = Deferred()
        self._waiting.append(waiter)
        return waiter

    def _close(self, reason: str) -> Deferred[None]:
        pending, self.pending = self.pending, []
        finishing = self.worker.finish(self._crawl_end(reason))
        everything: list[Future[Any]] = [*pending, finishing]
        waited: Deferred[Any] = threads.deferToThread(wait, everything)

        def record(_: Any) -> None:
            for batch in pending:
                self._record_batch(batch)
            self._record_end(finishing)

        return waited.addCallback(record)

    def _crawl_end(self, reason: str) -> CrawlEnd | None:
        if self.source is None:
            return None
        complete = is_complete(reason, self.stats.get_stats())
        removed_after = self.source.removed_after
        return CrawlEnd(self.source.name, removed_after, reason, complete, frozenset(self.seen))

    def _record_batch(self, batch: Future[BatchNoted]) -> None:
        error = batch.exception()
        noted = BatchNoted(error=f"the history worker failed: {error}") if error else None
        noted = noted or batch.result()
        if noted.error is not None:
            self._failed(
                "listing history failed for a batch; the listings are indexed", noted.error
            )
        self.stats.inc_value("armswatch/listings_reposted", noted.reposted)

    def _record_end(self, finishing: Future[CrawlTracked]) -> None:
        error = finishing.exception()
        tracked = CrawlTracked(error=f"the history worker failed: {error}") if error else None
        tracked = tracked or finishing.result()
        if tracked.close_error is not None:  # all was written by then: a warning
            logger.warning(
                "closing the listing history's files failed (nothing is lost): %s",
                tracked.close_error,
                extra={"event": "listing_history_close_failed", "error": tracked.close_error},
            )
        if tracked.error is not None:
            self._failed("tracking removed listings failed", tracked.error)
            return
        if self.source is None:
            return
        done = tracked.removals
        if done is not None:
            _log_removals(self.source.name, done)
            if done.report.changed:
                self.signals.send_catch_log(listings_indexed, report=done.report)
        self.stats.set_value("armswatch/listings_removed", done.removed if done else 0)

    def _stopped(self, result: Any) -> Any:
        try:
            self.worker.close()
        finally:
            self._closed = True
            waiting, self._waiting = self._waiting, []
            for waiter in waiting:
                waiter.callback(None)
        return result

    def _failed(self, message: str, error: str) -> None:
        self.stats.inc_value("armswatch/history_errors")
        logger.error(
            "%s: %s", message, error, extra={"event": "listing_history_failed", "error": error}
        )


def _log_removals(source: str, done: RemovalPass) -> None:
    logger.info(
        "%s: %d listings missed by this complete crawl, %d marked removed",
        source,
        done.missed,
        done.removed,
        extra={
            "event": "listings_removed",
            "source": source,
            "missed": done.missed,
            "removed": done.removed,
        },
    )
