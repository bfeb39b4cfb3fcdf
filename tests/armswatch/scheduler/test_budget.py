"""A crawl over its time budget is stopped cleanly: by Scrapy at the source's max_duration,
else by the runner's SIGTERM at the daemon's default budget."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from armswatch.demo.server import DemoSites
from armswatch.scheduler.fires import FireLog
from armswatch.scheduler.firing import Firing
from armswatch.scheduler.runner import OVER_BUDGET, CrawlRunner, Outcome
from armswatch.scheduler.store import schedule_engine
from armswatch.settings import AppSettings
from crawlers.frontier.state import unfinished
from tests.armswatch.scheduler.conftest import (
    crawl_runs,
    crawl_story,
    fire_log,
    set_env,
    write_source,
)

SLOW = {"rate_limit": {"concurrency": 1, "download_delay": 1.0}}  # minutes for the forum


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_a_crawl_over_its_time_budget_is_stopped_cleanly(
    tmp_path: Path, demo_forum: DemoSites, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources, data = tmp_path / "sources", tmp_path / "data"
    base = demo_forum.base_urls["forum"]
    write_source(sources, "forum", base, name="slow-forum", **SLOW)
    write_source(sources, "forum", base, name="timed-forum", limits={"max_duration": 10}, **SLOW)
    set_env(monkeypatch, data, sources)
    app = AppSettings.from_env()
    firing = Firing(
        app,
        FireLog(schedule_engine(app)),
        CrawlRunner(app.log_dir / "crawls"),
        default_budget=45,
        kill_grace=240,
    )
    results: dict[str, Outcome | str] = {}

    def fire(name: str) -> None:
        results[name] = firing.fire(name, "test")

    threads = [
        threading.Thread(target=fire, args=(name,)) for name in ("slow-forum", "timed-forum")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    slow, timed = results["slow-forum"], results["timed-forum"]
    assert isinstance(slow, Outcome) and isinstance(timed, Outcome)
    stopped_as = (slow.stopped, slow.killed, slow.returncode)
    assert stopped_as == (OVER_BUDGET, False, 1), crawl_story(data, "slow-forum")
    assert timed.stopped is None  # Scrapy closed it at max_duration, inside the budget
    runs = {run.source: run for run in crawl_runs(data)}
    assert runs["slow-forum"].finish_reason == "shutdown" and runs["slow-forum"].pages > 0
    assert runs["timed-forum"].finish_reason == "closespider_timeout"
    assert unfinished(data, "slow-forum") is not None  # the next daemon start continues it
    assert unfinished(data, "timed-forum") is not None  # ... and the next run of this one
    outcomes = {fire.source: fire.outcome for fire in fire_log(data)}
    assert outcomes["slow-forum"] == "stopped: over budget (exit 1)"
