"""`armswatch schedule run`: fires crawls on schedule, once each however many daemons run, and
stops cleanly on SIGTERM, its crawl too, which the next start runs again at once."""

from __future__ import annotations

import itertools
import re
import time
from pathlib import Path

import pytest

from armswatch.demo.server import DemoSites
from crawlers.frontier.state import unfinished
from tests.armswatch.scheduler.conftest import (
    DaemonProcess,
    alive,
    crawl_runs,
    every,
    fire_log,
    schedule,
    wait_for,
    write_source,
)

pytestmark = pytest.mark.slow
QUICK = {"limits": {"max_pages": 6}, "rate_limit": {"concurrency": 2}}
SLOW = {"rate_limit": {"concurrency": 1, "download_delay": 1.0}}  # minutes for the forum
DAEMON = ("--no-sync", "--poll", "1")  # the job store as the test made it
STARTS = re.compile(r"demo-forum: run (\S+) starts")


def _ran(data_dir: Path) -> int:
    return sum(fire.outcome == "complete" for fire in fire_log(data_dir))


@pytest.mark.timeout(400)
def test_a_schedule_fires_crawls_again_and_again(tmp_path: Path, demo_forum: DemoSites) -> None:
    sources, data = tmp_path / "sources", tmp_path / "data"
    write_source(sources, "forum", demo_forum.base_urls["forum"], **QUICK)
    schedule(data, every("demo-forum", 5))
    daemon = DaemonProcess(data, sources, *DAEMON)
    try:
        wait_for(lambda: _ran(data) >= 3, 300, "three scheduled crawls")
    finally:
        code = daemon.stop(timeout=120)
    assert code == 0, daemon.output()
    runs = crawl_runs(data, "demo-forum")
    assert len(runs) >= 3 and all(not run.failed and run.pages <= 6 for run in runs)


@pytest.mark.timeout(900)
def test_two_daemons_on_one_job_store_run_each_crawl_once(
    tmp_path: Path, demo_forum: DemoSites
) -> None:
    sources, data = tmp_path / "sources", tmp_path / "data"
    write_source(sources, "forum", demo_forum.base_urls["forum"], **QUICK)
    schedule(data, every("demo-forum", 6))
    # a crawl that does not stop on SIGTERM is a fault here, not a slow close: a long grace
    grace = ("--kill-grace", "150")
    daemons = [DaemonProcess(data, sources, *DAEMON, *grace, name=f"d-{n}") for n in (1, 2)]
    try:
        wait_for(lambda: _ran(data) >= 4, 400, "four scheduled crawls")
    finally:
        codes = [daemon.stop(timeout=200) for daemon in daemons]
    assert codes == [0, 0]
    started = [key for daemon in daemons for key in STARTS.findall(daemon.output())]
    assert len(started) == len(set(started))  # no fire started twice
    fires = fire_log(data)
    assert set(started) == {fire.fire_key for fire in fires}
    # a fire skipped (claimed elsewhere, source busy) or claimed as the daemons stopped
    # crawls nothing
    idle = ("skipped", "not started")
    assert not [fire for fire in fires if (fire.outcome or "").startswith("killed")]
    crawled = [fire for fire in fires if not (fire.outcome or "").startswith(idle)]
    runs = crawl_runs(data, "demo-forum")
    outcomes = [(fire.fire_key, fire.outcome) for fire in fires]
    recorded = [(run.started_at, run.finish_reason) for run in runs]
    assert len(runs) == len(crawled) >= 4, (outcomes, recorded, [d.output() for d in daemons])
    for before, after in itertools.pairwise(runs):  # one at a time
        assert after.started_at >= before.finished_at


@pytest.mark.timeout(600)
def test_sigterm_stops_the_daemon_and_its_crawl_cleanly_and_a_restart_resumes_it(
    tmp_path: Path, demo_forum: DemoSites
) -> None:
    sources, data = tmp_path / "sources", tmp_path / "data"
    write_source(sources, "forum", demo_forum.base_urls["forum"], **SLOW)
    schedule(data, every("demo-forum", 3600))
    daemon = DaemonProcess(data, sources, *DAEMON, "--kill-grace", "240")
    crawl = wait_for(lambda: unfinished(data, "demo-forum"), 120, "the crawl to start")
    assert crawl.running and crawl.status == "running"
    time.sleep(15)  # well into the crawl
    assert daemon.stop(timeout=300) == 0, daemon.output()
    assert crawl.pid is not None and not alive(crawl.pid)
    last = crawl_runs(data, "demo-forum")[-1]
    assert last.finish_reason == "shutdown" and last.pages > 0  # recorded: a clean stop
    assert (fire_log(data)[0].outcome or "").startswith("stopped: shutdown")
    stopped = unfinished(data, "demo-forum")
    assert stopped is not None and stopped.finish_reason == "shutdown"  # resumed next time

    again = DaemonProcess(data, sources, *DAEMON, "--kill-grace", "240", name="again")
    try:
        rerun = f"resume:{stopped.run_key}"
        wait_for(lambda: fire_log(data)[0].fire_key == rerun, 120, "a re-run at start")
    finally:
        assert again.stop(timeout=300) == 0, again.output()
    assert "did not finish; running it again now" in again.output()
