"""The Scrapy extension that runs the alert rules as a crawl indexes listings.

It listens to the index pipeline's `listings_indexed` signal: each batch the index accepted
goes to the crawl's alert worker process (`rules.alert_worker`), which matches it against the
enabled rules (new and changed listings only), stores the alerts and, at most every
`ARMSWATCH_ALERT_DISPATCH_INTERVAL` seconds (default 30), sends the queued deliveries, all
outside the crawl's process, so neither matching nor a channel's retries hold up the crawl.
When the spider closes, the worker finishes its batches and a last pass sends what is left;
the listing history's removals are the crawl's last batch (`index.history_extension` sends
them on `listings_indexed` while the spider closes, and Scrapy runs the two extensions'
`spider_closed` Deferreds side by side), so the last pass waits for the history to close.
Invalid rules or channels are logged as an error (the crawl run counts it) and switch
alerting off for the crawl; collecting goes on. An error while matching one batch is logged
and never stops the crawl.

Settings: `ARMSWATCH_RULES_DIR` (no rules there: the extension stays off),
`ARMSWATCH_ALERT_DISPATCH_INTERVAL`,
`ARMSWATCH_ALERTS_DB`, `ARMSWATCH_INDEX_URL`, `ARMSWATCH_DATA_DIR`, `ARMSWATCH_DASHBOARD_URL`.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, wait
from pathlib import Path
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from twisted.internet import threads
from twisted.internet.defer import Deferred, succeed

from index.backend import UpsertReport
from index.history_extension import ListingHistoryExtension
from index.pipeline import listings_indexed
from rules.alert_worker import AlertWorker, AlertWorkerConfig, BatchOutcome
from rules.dispatch import DispatchReport
from rules.loader import RuleConfigError, RuleSet, load_rules

logger = logging.getLogger(__name__)


class AlertExtension:
    def __init__(self, worker: AlertWorker, stats: StatsCollector, crawler: Crawler) -> None:
        self.worker = worker
        self.stats = stats
        self.crawler = crawler
        self.pending: list[Future[BatchOutcome]] = []  # batches not yet recorded, in order

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        rules_dir = settings.get("ARMSWATCH_RULES_DIR")
        if not rules_dir:
            raise NotConfigured("no rules directory set")
        rules = _rules_or_none(Path(rules_dir))
        if rules is None or not rules.enabled:
            raise NotConfigured("no valid enabled rules")
        assert crawler.stats is not None
        data_dir = Path(settings.get("ARMSWATCH_DATA_DIR", "data"))
        config = AlertWorkerConfig(
            rules_dir=Path(rules_dir),
            index_url=settings.get("ARMSWATCH_INDEX_URL"),
            alerts_db=Path(settings.get("ARMSWATCH_ALERTS_DB", data_dir / "alerts.db")),
            data_dir=data_dir,
            dashboard_url=settings.get("ARMSWATCH_DASHBOARD_URL", "http://127.0.0.1:8000"),
            dispatch_interval=settings.getfloat("ARMSWATCH_ALERT_DISPATCH_INTERVAL", 30.0),
        )
        extension = cls(AlertWorker(config), crawler.stats, crawler)
        crawler.signals.connect(extension.on_indexed, signal=listings_indexed)
        crawler.signals.connect(extension.on_closed, signal=signals.spider_closed)
        return extension

    def on_indexed(self, report: UpsertReport, **_: Any) -> None:
        """Hand the batch to the worker; record the batches it has done since."""
        self.pending.append(self.worker.evaluate(report))
        while self.pending and self.pending[0].done():
            self._record_batch(self.pending.pop(0))

    def on_closed(self, **_: Any) -> Deferred[None]:
        """Once the listing history has sent its removals (if it runs), wait for the worker's
        batches and its last pass (Scrapy waits for the Deferred), record them, and stop the
        worker."""
        history = self.crawler.get_extension(ListingHistoryExtension)
        before = history.when_closed() if history is not None else succeed(None)
        return before.addCallback(self._finish)

    def _finish(self, _: Any) -> Deferred[None]:
        pending, self.pending = self.pending, []
        finishing = self.worker.finish()
        everything: list[Future[Any]] = [*pending, finishing]
        waited: Deferred[Any] = threads.deferToThread(wait, everything)

        def record(_: Any) -> None:
            for batch in pending:
                self._record_batch(batch)
            self._record(finishing.result())  # a failed last pass: logged by Scrapy

        waited.addCallback(record)
        waited.addBoth(self._stopped)
        return waited

    def _record_batch(self, batch: Future[BatchOutcome]) -> None:
        error = batch.exception()
        outcome = BatchOutcome(error=f"the alert worker failed: {error}") if error else None
        outcome = outcome or batch.result()
        if outcome.error is not None:
            self.stats.inc_value("armswatch/alert_errors")
            logger.error(
                "matching a batch against the alert rules failed; the listings are indexed: %s",
                outcome.error,
                extra={"event": "alert_rules_failed", "error": outcome.error},
            )
        self.stats.inc_value("armswatch/alerts_created", outcome.created)
        if outcome.dispatch_error is not None:
            logger.error(
                "sending alerts failed; they stay queued: %s",
                outcome.dispatch_error,
                extra={"event": "alert_dispatch_failed", "error": outcome.dispatch_error},
            )
        if outcome.dispatched is not None:
            self._record(outcome.dispatched)

    def _record(self, report: DispatchReport) -> None:
        """Count a pass; its dead letters are an error of this crawl (the worker's own log
        lines do not reach the crawl's log)."""
        self.stats.inc_value("armswatch/alerts_delivered", report.delivered)
        self.stats.inc_value("armswatch/alerts_dead_letters", report.dead)
        if report.dead:
            logger.error(
                "%d alert deliveries failed and wait in the dead-letter list "
                "(`armswatch alerts dead-letters`, `armswatch alerts retry`): %s",
                report.dead,
                "; ".join(report.errors[:3]),
                extra={"event": "alerts_dead_lettered", "dead": report.dead},
            )

    def _stopped(self, result: Any) -> Any:
        self.worker.close()
        return result


def _rules_or_none(directory: Path) -> RuleSet | None:
    """The rules of a directory; None (logged as an error) when they are invalid."""
    if not directory.is_dir():
        logger.warning(
            "no rules directory at %s: this crawl fires no alerts (set ARMSWATCH_RULES)",
            directory,
            extra={"event": "alert_rules_missing", "directory": str(directory)},
        )
        return None
    try:
        return load_rules(directory)
    except RuleConfigError as error:
        logger.error(
            "alert rules are invalid, alerting is off for this crawl: %s",
            error,
            extra={"event": "alert_rules_invalid", "error": str(error)},
        )
        return None
