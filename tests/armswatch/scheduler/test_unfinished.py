"""Which crawls the daemon re-runs when it starts, as their frontiers say: those left open
(stopped early, killed), not those complete, waiting for their site, or being crawled; and
under the same fire key in every daemon, so that the re-run is claimed once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from armswatch.scheduler.daemon import Daemon, DaemonOptions
from armswatch.scheduler.overview import crawl_state
from armswatch.scheduler.store import ONCE
from armswatch.settings import AppSettings
from crawlers.frontier.settings import frontier_path
from crawlers.frontier.state import frontier_state
from crawlers.frontier.store import FrontierStore
from tests.armswatch.scheduler.conftest import every, schedule

HOUR = 3600.0
# how each source's last crawl ended: (finish reason, its detail, complete); None: not ended
ENDINGS: dict[str, tuple[str, str | None, bool] | None] = {
    "stopped": ("shutdown", None, False),
    "over-budget": ("closespider_timeout", None, False),
    "proxy-down": ("source_unreachable", "proxy unavailable", False),
    "site-down": ("source_unreachable", "host unreachable", False),
    "complete": ("finished", None, True),
    "running": None,
}
RE_RUN = ["over-budget", "proxy-down", "stopped"]


@pytest.fixture
def app(tmp_path: Path) -> Iterator[AppSettings]:
    """A data directory whose job store schedules every source of ENDINGS (and one never
    crawled) hourly, and whose frontiers hold their crawls; "running" stays open here."""
    data = tmp_path / "data"
    names = [*ENDINGS, "never-crawled"]
    schedule(data, *(every(name, HOUR, first_in=HOUR) for name in names))
    stores = [_crawl(data, name, ending) for name, ending in ENDINGS.items()]
    yield AppSettings(data_dir=data, index_url="sqlite:///unused.db", sources_dirs=())
    for store in stores:
        if store is not None:
            store.close()


def _crawl(
    data: Path, name: str, ending: tuple[str, str | None, bool] | None
) -> FrontierStore | None:
    store = FrontierStore(frontier_path(name, data))
    store.begin("key", time.time(), HOUR)
    store.push(b"a request", 0, b"its fingerprint")
    if ending is None:
        return store  # still crawling
    reason, detail, complete = ending
    store.finish(reason, complete=complete, detail=detail)
    store.close()
    return None


def _re_runs(app: AppSettings) -> tuple[list[str], dict[str, str]]:
    """What a daemon starting now queues: the sources, and the fire key of each re-run."""
    daemon = Daemon(app, DaemonOptions(sync=False))
    daemon.scheduler.start(paused=True)
    try:
        queued = daemon._queue_unfinished()
        jobs = daemon.scheduler.get_jobs(jobstore=ONCE)
        return sorted(queued), {job.kwargs["source"]: job.kwargs["fire_key"] for job in jobs}
    finally:
        daemon.scheduler.shutdown(wait=False)
        daemon.engine.dispose()


def test_the_daemon_re_runs_the_crawls_left_open_under_their_last_run(app: AppSettings) -> None:
    queued, keys = _re_runs(app)
    assert queued == RE_RUN and sorted(keys) == RE_RUN
    for name in RE_RUN:
        state = frontier_state(app.data_dir, name)
        assert state is not None and keys[name] == f"resume:{state.run_key}"
    assert _re_runs(app) == (queued, keys)  # a second daemon: the same keys, claimed once


def test_schedule_list_says_running_or_unfinished(app: AppSettings) -> None:
    states = {name: crawl_state(app, name) for name in [*ENDINGS, "never-crawled"]}
    running = frontier_state(app.data_dir, "running")
    assert running is not None and running.running
    unfinished = "unfinished: re-run on start"
    assert states == {
        "stopped": unfinished,
        "over-budget": unfinished,
        "proxy-down": unfinished,
        "site-down": "",
        "complete": "",
        "running": f"running (pid {running.pid})",
        "never-crawled": "",
    }
