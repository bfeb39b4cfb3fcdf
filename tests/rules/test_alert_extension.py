"""The alert extension's bookkeeping in the crawl's process: errors it logs after the spider
closed (the worker's last pass) still count as errors of the crawl run."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import Future
from typing import Any

import pytest

from armswatch import run_errors
from armswatch.runs import CrawlRun
from rules import scrapy_extension
from rules.alert_worker import BatchOutcome
from rules.dispatch import DispatchReport
from rules.scrapy_extension import AlertExtension


class CountingStats:
    def __init__(self) -> None:
        self.values: Counter[str] = Counter()

    def inc_value(self, key: str, count: int = 1, **_: Any) -> None:
        self.values[key] += count


def _done(outcome: BatchOutcome) -> Future[BatchOutcome]:
    future: Future[BatchOutcome] = Future()
    future.set_result(outcome)
    return future


def _extension() -> tuple[AlertExtension, CountingStats]:
    stats = CountingStats()
    return AlertExtension(worker=None, stats=stats), stats  # type: ignore[arg-type]


def test_the_run_counts_the_key_the_extension_counts_late_errors_under() -> None:
    assert scrapy_extension.ERRORS_AFTER_CLOSE == run_errors.ERRORS_AFTER_CLOSE


def test_dead_letters_of_the_last_pass_are_errors_of_the_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    extension, stats = _extension()
    extension.closing = True  # the spider closed: Scrapy's log count has stopped
    extension._record(DispatchReport(delivered=3, dead=2, errors=["case-system: refused"]))
    assert "2 alert deliveries failed" in caplog.text
    assert stats.values[scrapy_extension.ERRORS_AFTER_CLOSE] == 1
    run = CrawlRun.from_stats("demo-market", {"finish_reason": "finished", **stats.values})
    assert run.errors == 1
    assert run.error_kinds["logged errors"] == 1
    assert run.error_kinds["alerts undelivered"] == 2


def test_errors_logged_while_the_spider_is_open_are_left_to_scrapys_count() -> None:
    extension, stats = _extension()
    extension._record_batch(_done(BatchOutcome(error="boom", dispatch_error="smtp down")))
    assert stats.values["armswatch/alert_errors"] == 1
    assert scrapy_extension.ERRORS_AFTER_CLOSE not in stats.values
    extension.closing = True
    extension._record_batch(_done(BatchOutcome(error="boom")))
    assert stats.values[scrapy_extension.ERRORS_AFTER_CLOSE] == 1
