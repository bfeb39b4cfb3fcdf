"""The alert worker process: batches matched and stored outside the crawl's process, in order;
deliveries sent by its passes and its last one; a failing batch reported, not raised."""

from __future__ import annotations

import json
from pathlib import Path

from index.backend import UpsertReport
from index.sqlite import SqliteIndex
from rules.alert_worker import AlertWorker, AlertWorkerConfig
from rules.store import AlertStore
from tests.index.conftest import build_listing
from tests.rules.conftest import WriteRules
from tests.rules.test_engine import sear


def _config(tmp_path: Path, index: SqliteIndex, interval: float) -> AlertWorkerConfig:
    return AlertWorkerConfig(
        rules_dir=tmp_path / "rules",
        index_url=f"sqlite:///{index.path}",
        alerts_db=tmp_path / "alerts.db",
        data_dir=tmp_path,
        dashboard_url="http://127.0.0.1:8000",
        dispatch_interval=interval,
    )


def test_the_worker_stores_each_batchs_alerts_and_sends_them(
    write_rules: WriteRules, sqlite_index: SqliteIndex, tmp_path: Path
) -> None:
    write_rules(sears="query: category:conversion_device\n")
    worker = AlertWorker(_config(tmp_path, sqlite_index, interval=0.0))
    try:
        first = sqlite_index.upsert([sear("s1"), build_listing("h1", title="A holster")])
        second = sqlite_index.upsert([sear("s2"), sear("s1")])  # s1 again, unchanged
        outcomes = [worker.evaluate(first).result(), worker.evaluate(second).result()]
        last_pass = worker.finish().result()
    finally:
        worker.close()
    assert [(o.created, o.error) for o in outcomes] == [(1, None), (1, None)]
    assert [o.dispatched.delivered for o in outcomes if o.dispatched] == [1, 1]
    assert (last_pass.delivered, last_pass.dead) == (0, 0)  # the passes sent everything
    with AlertStore(tmp_path / "alerts.db") as store:
        stored = {(a.rule, a.listing_id, a.listing_version) for a in store.alerts(limit=None)}
    assert stored == {("sears", "s1", 1), ("sears", "s2", 1)}
    sent = [json.loads(line) for line in (tmp_path / "alerts.jsonl").read_text().splitlines()]
    assert len(sent) == 2


def test_a_failing_batch_is_reported_and_the_last_pass_sends_the_rest(
    write_rules: WriteRules, sqlite_index: SqliteIndex, tmp_path: Path
) -> None:
    write_rules(sears="query: category:conversion_device\n")
    worker = AlertWorker(_config(tmp_path, sqlite_index, interval=3600.0))
    try:
        stored = worker.evaluate(sqlite_index.upsert([sear("s1")])).result()
        failed = worker.evaluate(UpsertReport(new=42)).result()  # type: ignore[arg-type]
        after = worker.evaluate(sqlite_index.upsert([sear("s2")])).result()
        last_pass = worker.finish().result()
    finally:
        worker.close()
    assert (stored.created, stored.dispatched) == (1, None)  # no pass within the interval
    assert failed.created == 0 and "TypeError" in (failed.error or "")
    assert after.created == 1  # the worker goes on
    assert last_pass.delivered == 2
