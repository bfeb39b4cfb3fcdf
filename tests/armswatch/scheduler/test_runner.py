"""Crawls in child processes: their time budget, a clean stop, and no orphans."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from armswatch.scheduler.runner import OVER_BUDGET, SHUTDOWN, Budget, CrawlRunner, child_command
from tests.armswatch.scheduler.conftest import alive, wait_for
from tests.conftest import REPO, armswatch_env

POLITE = (  # stops cleanly on SIGTERM
    "import signal, sys, time\n"
    "signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))\n"
    "time.sleep(60)\n"
)
STUBBORN = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(60)\n"


def _runner(script: str) -> CrawlRunner:
    return CrawlRunner(command_for=lambda _target: [sys.executable, "-c", script])


def test_a_crawl_within_its_budget_runs_to_its_end() -> None:
    outcome = _runner("print('crawled')").run("s", Budget(30))
    assert (outcome.returncode, outcome.stopped, outcome.summary) == (0, None, "complete")


def test_a_crawl_over_its_budget_gets_sigterm_and_stops_cleanly() -> None:
    outcome = _runner(POLITE).run("s", Budget(1, stop_grace=0.5, kill_grace=10))
    assert (outcome.stopped, outcome.killed, outcome.returncode) == (OVER_BUDGET, False, 3)
    assert 1.5 <= outcome.seconds < 10
    assert outcome.summary == "stopped: over budget (exit 3)"


def test_a_crawl_that_ignores_sigterm_is_killed_after_the_grace() -> None:
    outcome = _runner(STUBBORN).run("s", Budget(1, kill_grace=1))
    assert (outcome.stopped, outcome.killed, outcome.returncode) == (OVER_BUDGET, True, -9)
    assert outcome.seconds < 10


def test_stopping_the_runner_stops_its_crawls_and_starts_no_more() -> None:
    runner = _runner(POLITE)
    outcomes = []
    thread = threading.Thread(target=lambda: outcomes.append(runner.run("s", Budget(None))))
    thread.start()
    wait_for(runner.running, 10, "the crawl to start")
    runner.stop_all()
    thread.join(timeout=15)
    assert outcomes[0].stopped == SHUTDOWN and outcomes[0].returncode == 3
    assert runner.run("s", Budget(None)).returncode is None  # not started


def test_a_crawl_writes_to_its_log_file(tmp_path: Path) -> None:
    runner = CrawlRunner(tmp_path, lambda _t: [sys.executable, "-c", "print('pages 12')"])
    runner.run("demo-forum", Budget(None))
    runner.run("demo-forum", Budget(None))
    log = (tmp_path / "demo-forum.log").read_text()
    assert log.count("pages 12") == 2 and log.count("a crawl of demo-forum starts") == 2


ORPHAN_PARENT = """
import os, sys
from armswatch.scheduler.runner import Budget, CrawlRunner
child = (
    "import sys, time\\n"
    "from crawlers.child_process import die_with_parent\\n"
    "die_with_parent(int(sys.argv[1]))\\n"
    "print('child', flush=True)\\n"
    "time.sleep(120)\\n"
)
CrawlRunner(command_for=lambda _t: [sys.executable, "-c", child, str(os.getpid())]).run(
    "s", Budget(None)
)
"""


def test_a_crawl_dies_with_its_daemon_when_that_is_killed() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", ORPHAN_PARENT], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None and parent.stdout.readline().strip() == "child"
    children = _children(parent.pid)
    assert len(children) == 1
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    wait_for(lambda: not alive(children[0]), 10, "the child to die with its parent")


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(line) for line in found.stdout.split()]


@pytest.mark.timeout(120)
def test_the_child_refuses_an_unknown_source(tmp_path: Path) -> None:
    done = subprocess.run(
        child_command("no-such-source"),
        cwd=REPO,
        env=armswatch_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert done.returncode == 2 and "no-such-source" in done.stderr
