"""The Scrapy extension that runs the alert rules as a crawl indexes listings.

It listens to the index pipeline's `listings_indexed` signal: each batch the index accepted
is matched against the enabled rules (new and changed listings only) and the alerts stored.
While the crawl runs, the queued deliveries are sent in a worker thread (at most one pass
every `ARMSWATCH_ALERT_DISPATCH_INTERVAL` seconds, default 30, so a channel's retries never
hold up the crawl); when the spider closes, after any pass still running, a last pass sends
what is left. Invalid rules or channels are logged
as an error (the crawl run counts it) and switch alerting off for the crawl; collecting goes
on. An error while matching one batch is logged and never stops the crawl.

Settings: `ARMSWATCH_RULES_DIR` (no rules there: the extension stays off),
`ARMSWATCH_ALERT_DISPATCH_INTERVAL`,
`ARMSWATCH_ALERTS_DB`, `ARMSWATCH_INDEX_URL`, `ARMSWATCH_DATA_DIR`, `ARMSWATCH_DASHBOARD_URL`.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from twisted.internet import threads
from twisted.internet.defer import Deferred

from index.backend import IndexBackend, UpsertReport
from index.pipeline import listings_indexed
from index.selection import open_index
from rules.dispatch import Dispatcher, DispatchReport
from rules.engine import AlertEngine
from rules.loader import RuleConfigError, RuleSet, load_rules
from rules.store import AlertStore

logger = logging.getLogger(__name__)


class AlertExtension:
    def __init__(
        self,
        rules: RuleSet,
        index: IndexBackend,
        store: AlertStore,
        dispatcher: Dispatcher,
        stats: StatsCollector,
        dispatch_interval: float = 30.0,
    ) -> None:
        self.index = index
        self.store = store
        self.engine = AlertEngine(rules, index, store)
        self.dispatcher = dispatcher
        self.stats = stats
        self.dispatch_interval = dispatch_interval
        self._last_dispatch = time.monotonic()
        self._dispatching: Deferred[DispatchReport] | None = None

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
        store = AlertStore(Path(settings.get("ARMSWATCH_ALERTS_DB", data_dir / "alerts.db")))
        dispatcher = Dispatcher(
            rules,
            store,
            data_dir=data_dir,
            dashboard_url=settings.get("ARMSWATCH_DASHBOARD_URL", "http://127.0.0.1:8000"),
        )
        index = open_index(settings.get("ARMSWATCH_INDEX_URL"))
        interval = settings.getfloat("ARMSWATCH_ALERT_DISPATCH_INTERVAL", 30.0)
        extension = cls(rules, index, store, dispatcher, crawler.stats, interval)
        crawler.signals.connect(extension.on_indexed, signal=listings_indexed)
        crawler.signals.connect(extension.on_closed, signal=signals.spider_closed)
        return extension

    def on_indexed(self, report: UpsertReport, **_: Any) -> None:
        try:
            alerts = self.engine.on_indexed(report)
        except Exception as error:
            self.stats.inc_value("armswatch/alert_errors")
            logger.exception(
                "matching a batch against the alert rules failed; the listings are indexed",
                extra={"event": "alert_rules_failed", "error": str(error)},
            )
            return
        self.stats.inc_value("armswatch/alerts_created", len(alerts))
        if alerts:
            self._dispatch_in_background()

    def on_closed(self, **_: Any) -> Deferred[None] | None:
        """Wait for a pass still running (Scrapy waits for the Deferred), then send what is
        left and close."""
        waiting = self._dispatching
        if waiting is None:
            self._close()
            return None
        finished: Deferred[None] = Deferred()

        def close_after(_: Any) -> None:
            self._close()
            finished.callback(None)

        waiting.addBoth(close_after)
        return finished

    def _dispatch_in_background(self) -> None:
        """Start a pass in a worker thread, unless one runs or the last began too recently."""
        now = time.monotonic()
        if self._dispatching is not None or now - self._last_dispatch < self.dispatch_interval:
            return
        self._last_dispatch = now
        running = threads.deferToThread(self._dispatch_pass)
        running.addCallbacks(self._record, self._pass_failed)
        running.addBoth(self._pass_ended)
        self._dispatching = running

    def _dispatch_pass(self) -> DispatchReport:
        """One pass on the thread's own connection to the store (SQLite's are per thread)."""
        with AlertStore(self.store.path) as store:
            return self.dispatcher.with_store(store).run()

    def _pass_ended(self, result: Any) -> Any:
        self._dispatching = None
        return result

    def _pass_failed(self, failure: Any) -> None:
        logger.error(
            "sending alerts failed; they stay queued: %s",
            failure.getErrorMessage(),
            extra={"event": "alert_dispatch_failed", "error": failure.getErrorMessage()},
        )

    def _record(self, report: DispatchReport) -> DispatchReport:
        self.stats.inc_value("armswatch/alerts_delivered", report.delivered)
        self.stats.inc_value("armswatch/alerts_dead_letters", report.dead)
        return report

    def _close(self) -> None:
        try:
            self._record(self.dispatcher.run())
        finally:
            self.store.close()
            self.index.close()


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
