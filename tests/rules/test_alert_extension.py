"""The alert extension's close: the listing history's removals (sent while the spider closes)
reach the alert worker before its last pass, whichever `spider_closed` Deferred runs first."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from scrapy.utils.test import get_crawler
from twisted.internet import threads

from index.backend import UpsertReport
from index.history_extension import ListingHistoryExtension
from index.selection import open_index
from rules.alert_worker import BatchOutcome
from rules.dispatch import DispatchReport
from rules.scrapy_extension import AlertExtension
from tests.index.test_removals import _run, _run_now, _source, _SourceSpider, listing
from tests.rules.conftest import WriteRules


@pytest.fixture
def index_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/armswatch.db"
    index = open_index(url)
    try:
        index.upsert([listing("a"), listing("b")])
    finally:
        index.close()
    return url


def _done(result: Any) -> Future[Any]:
    future: Future[Any] = Future()
    future.set_result(result)
    return future


class _Recorder:
    """Stands in for the alert worker: notes what it is handed, in order."""

    def __init__(self) -> None:
        self.calls: list[object] = []

    def evaluate(self, report: UpsertReport) -> Future[BatchOutcome]:
        self.calls.append(report)
        return _done(BatchOutcome())

    def finish(self) -> Future[DispatchReport]:
        self.calls.append("last pass")
        return _done(DispatchReport())

    def close(self) -> None:
        self.calls.append("closed")


def _extensions(
    tmp_path: Path, url: str, write_rules: WriteRules, history: bool
) -> tuple[AlertExtension, ListingHistoryExtension | None, _Recorder]:
    write_rules(sears="query: category:conversion_device\n")
    settings = {
        "EXTENSIONS": {
            "index.history_extension.ListingHistoryExtension": 550,
            "rules.scrapy_extension.AlertExtension": 600,
        },
        "ARMSWATCH_HISTORY_ENABLED": history,
        "ARMSWATCH_RULES_DIR": str(tmp_path / "rules"),
        "ARMSWATCH_DATA_DIR": str(tmp_path),
        "ARMSWATCH_INDEX_URL": url,
    }
    crawler = get_crawler(_SourceSpider, settings_dict=settings)
    alerts = crawler.get_extension(AlertExtension)
    assert alerts is not None
    alerts.worker.close()  # never started: nothing was handed to it
    recorder = _Recorder()
    alerts.worker = recorder  # type: ignore[assignment]
    return alerts, crawler.get_extension(ListingHistoryExtension), recorder


def test_the_last_pass_waits_for_the_removals_the_history_sends_on_closing(
    tmp_path: Path, index_url: str, write_rules: WriteRules
) -> None:
    _run(tmp_path, index_url, ["a"])  # an earlier complete crawl: "b" missed once
    alerts, history, recorder = _extensions(tmp_path, index_url, write_rules, history=True)
    assert history is not None
    spider = _SourceSpider(_source())
    history.on_opened(spider)
    history.on_item(listing("a"))
    with mock.patch.object(threads, "deferToThread", _run_now):
        closed = alerts.on_closed()  # before the history's: it must wait
        assert recorder.calls == [] and not closed.called
        history.on_closed(spider, "finished")  # "b" missed twice: removed
    assert closed.called
    assert recorder.calls == [UpsertReport(changed=("b",)), "last pass", "closed"]


def test_without_the_history_the_last_pass_runs_at_once(
    tmp_path: Path, index_url: str, write_rules: WriteRules
) -> None:
    alerts, history, recorder = _extensions(tmp_path, index_url, write_rules, history=False)
    assert history is None
    with mock.patch.object(threads, "deferToThread", _run_now):
        closed = alerts.on_closed()
    assert closed.called
    assert recorder.calls == ["last pass", "closed"]
