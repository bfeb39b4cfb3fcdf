"""A crawl process stopped as it starts: it either never begins (exit 79, nothing recorded) or
stops cleanly with its run recorded; a SIGTERM is never lost, so it is never killed."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from armswatch.demo.server import DemoSites
from armswatch.scheduler.runner import STOPPED_BEFORE_CRAWL, Outcome
from tests.armswatch.scheduler.conftest import crawl_runs, write_source
from tests.conftest import REPO, armswatch_env

pytestmark = pytest.mark.slow
STOPPED = ("shutdown", "not started")  # finish reasons of a crawl stopped by SIGTERM
SLOW = {"rate_limit": {"concurrency": 1, "download_delay": 1.0}}  # minutes for the forum

# crawl_guarded with a stop noted before Scrapy listens, as the child's handler notes one
_EARLY_STOP = """
import sys
from armswatch.scheduler.guard import crawl_guarded
from armswatch.settings import AppSettings
from crawlers.source_loader import find_source

app = AppSettings.from_env()
source = find_source("demo-forum", app.sources_dirs)
runs = crawl_guarded([source], app, stop_requested=lambda: True)
print("pages", runs[0].pages)
"""


def _env(data_dir: Path, sources: Path) -> dict[str, str]:
    return armswatch_env(data_dir, {"ARMSWATCH_SOURCES": str(sources)})


def test_a_stop_noted_before_scrapy_listens_stops_the_crawl_cleanly_once_it_runs(
    tmp_path: Path, demo_forum: DemoSites
) -> None:
    sources, data = tmp_path / "sources", tmp_path / "data"
    write_source(sources, "forum", demo_forum.base_urls["forum"], **SLOW)
    done = subprocess.run(
        [sys.executable, "-c", _EARLY_STOP],
        cwd=REPO,
        env=_env(data, sources),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
    [run] = crawl_runs(data, "demo-forum")
    # stopped as the reactor started: before the spider opened, or at its first page
    assert run.finish_reason in STOPPED and run.pages <= 2, done.stdout


@pytest.mark.timeout(400)
@pytest.mark.parametrize("delay", [0.0, 0.4, 1.0, 1.8, 2.6, 3.5, 5.0])
def test_a_child_stopped_as_it_starts_never_runs_on_and_records_a_run_if_it_crawled(
    tmp_path: Path, demo_forum: DemoSites, delay: float
) -> None:
    sources, data = tmp_path / "sources", tmp_path / "data"
    write_source(sources, "forum", demo_forum.base_urls["forum"], **SLOW)
    child = subprocess.Popen(
        [sys.executable, "-m", "armswatch.scheduler.child", "demo-forum"],
        cwd=REPO,
        env=_env(data, sources),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(delay)
    child.send_signal(signal.SIGTERM)
    try:
        _, stderr = child.communicate(timeout=90)  # a lost SIGTERM: minutes of crawling
    except subprocess.TimeoutExpired:
        child.kill()
        pytest.fail(f"the crawl ran on {90} s after SIGTERM at {delay} s")
    runs = crawl_runs(data, "demo-forum")
    if child.returncode in (STOPPED_BEFORE_CRAWL, -signal.SIGTERM):
        assert runs == [], stderr
    else:
        assert child.returncode in (0, 1), stderr
        [run] = runs
        assert run.finish_reason in STOPPED


@pytest.mark.parametrize("returncode", [STOPPED_BEFORE_CRAWL, -signal.SIGTERM])
def test_a_child_stopped_before_its_crawl_began_is_not_started(returncode: int) -> None:
    now = datetime.now(UTC)
    outcome = Outcome("demo-forum", returncode, now, now, stopped="shutdown")
    assert outcome.summary == "not started: stopped before its crawl began"


def test_a_child_stopped_during_its_crawl_is_stopped() -> None:
    now = datetime.now(UTC)
    outcome = Outcome("demo-forum", 0, now, now, stopped="shutdown")
    assert outcome.summary == "stopped: shutdown (exit 0)"
