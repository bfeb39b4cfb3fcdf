"""The alert rules of a crawl in a worker process, so matching, storing and sending alerts
leave the crawl's process (and its GIL).

`AlertWorker` starts one spawned process that loads the rules, opens the index and the alert
store; `evaluate` hands it each batch the index accepted, which it matches against the rules
and stores as alerts, in the order given. After a batch that made alerts, at most every
`dispatch_interval` seconds, the worker sends the queued deliveries: a slow channel holds up
the worker's next batches, never the crawl. `finish` sends what is left and closes the store
and the index. The worker dies with the crawl's process (PR_SET_PDEATHSIG) and leaves Ctrl-C
to it.
"""

from __future__ import annotations

import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from crawlers.child_process import one_worker_pool
from index.backend import UpsertReport
from index.selection import open_index
from rules.dispatch import Dispatcher, DispatchReport
from rules.engine import AlertEngine
from rules.loader import load_rules
from rules.store import AlertStore


@dataclass(frozen=True)
class AlertWorkerConfig:
    rules_dir: Path
    index_url: str | None
    alerts_db: Path
    data_dir: Path
    dashboard_url: str
    dispatch_interval: float = 30.0  # seconds between passes that send deliveries, at least


@dataclass(frozen=True)
class BatchOutcome:
    """What the worker made of one batch: alerts stored, a pass sent, or why it failed."""

    created: int = 0
    dispatched: DispatchReport | None = None
    error: str | None = None  # matching failed: the batch made no alerts
    dispatch_error: str | None = None  # the pass failed: its deliveries stay queued


class _Rules:
    """The worker's side: the engine and the dispatcher on its own connections."""

    def __init__(self, config: AlertWorkerConfig) -> None:
        rules = load_rules(config.rules_dir)
        self.index = open_index(config.index_url)
        self.store = AlertStore(config.alerts_db)
        self.engine = AlertEngine(rules, self.index, self.store)
        self.dispatcher = Dispatcher(
            rules, self.store, data_dir=config.data_dir, dashboard_url=config.dashboard_url
        )
        self.interval = config.dispatch_interval
        self.last_pass = time.monotonic()

    def evaluate(self, report: UpsertReport) -> BatchOutcome:
        try:
            created = len(self.engine.on_indexed(report))
        except Exception as error:
            return BatchOutcome(error=f"{type(error).__name__}: {error}")
        if not created or time.monotonic() - self.last_pass < self.interval:
            return BatchOutcome(created)
        self.last_pass = time.monotonic()
        try:
            return BatchOutcome(created, dispatched=self.dispatcher.run())
        except Exception as error:
            return BatchOutcome(created, dispatch_error=f"{type(error).__name__}: {error}")

    def finish(self) -> DispatchReport:
        try:
            return self.dispatcher.run()
        finally:
            self.store.close()
            self.index.close()


_rules: _Rules | None = None  # in the worker: its one _Rules


def _load_rules(config: AlertWorkerConfig) -> None:
    global _rules
    _rules = _Rules(config)


def _evaluate(report: UpsertReport) -> BatchOutcome:
    assert _rules is not None, "the worker's initializer did not run"
    return _rules.evaluate(report)


def _finish() -> DispatchReport:
    assert _rules is not None, "the worker's initializer did not run"
    return _rules.finish()


class AlertWorker:
    """The crawl's side: batches in, outcomes out (as futures, in submission order)."""

    def __init__(self, config: AlertWorkerConfig) -> None:
        self._pool = one_worker_pool(_load_rules, config)

    def evaluate(self, report: UpsertReport) -> Future[BatchOutcome]:
        return self._pool.submit(_evaluate, report)

    def finish(self) -> Future[DispatchReport]:
        """Send what is left and close, after every batch submitted before."""
        return self._pool.submit(_finish)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
