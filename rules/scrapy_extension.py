"""The Scrapy extension that runs the alert rules as a crawl indexes listings.

It listens to the index pipeline's `listings_indexed` signal: each batch the index accepted
is matched against the enabled rules (new and changed listings only) and the alerts stored.
When the spider closes, the queued deliveries are sent. Invalid rules or channels are logged
as an error (the crawl run counts it) and switch alerting off for the crawl; collecting goes
on. An error while matching one batch is logged and never stops the crawl.

Settings: `ARMSWATCH_RULES_DIR` (no rules there: the extension stays off),
`ARMSWATCH_ALERTS_DB`, `ARMSWATCH_INDEX_URL`, `ARMSWATCH_DATA_DIR`, `ARMSWATCH_DASHBOARD_URL`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from index.backend import IndexBackend, UpsertReport
from index.pipeline import listings_indexed
from index.selection import open_index
from rules.dispatch import Dispatcher
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
    ) -> None:
        self.index = index
        self.store = store
        self.engine = AlertEngine(rules, index, store)
        self.dispatcher = dispatcher
        self.stats = stats

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
        extension = cls(rules, index, store, dispatcher, crawler.stats)
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

    def on_closed(self, **_: Any) -> None:
        try:
            report = self.dispatcher.run()
            self.stats.inc_value("armswatch/alerts_delivered", report.delivered)
            self.stats.inc_value("armswatch/alerts_dead_letters", report.dead)
        finally:
            self.store.close()
            self.index.close()


def _rules_or_none(directory: Path) -> RuleSet | None:
    """The rules of a directory; None (logged as an error) when they are invalid."""
    if not directory.is_dir():
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
