"""One crawl per source at a time, and the marks of crawls that did not finish."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import pytest

from armswatch.runs import CrawlRun
from armswatch.scheduler.locks import SourceBusyError, SourceLock, hold_sources
from armswatch.scheduler.unfinished import (
    FRONTIER_MODULE,
    find_unfinished,
    mark_started,
    read_marker,
    settle,
)

HOLDER = """
import sys, time
from pathlib import Path
from armswatch.scheduler.locks import SourceLock
SourceLock(Path(sys.argv[1]), "demo-forum").acquire()
print("held", flush=True)
time.sleep(120)
"""


def test_a_source_held_by_another_process_is_busy_until_that_process_dies(
    tmp_path: Path,
) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(SourceBusyError, match=f"pid {holder.pid}") as busy:
            SourceLock(tmp_path, "demo-forum").acquire()
        assert busy.value.source == "demo-forum"
        with SourceLock(tmp_path, "demo-market"):  # other sources are free
            pass
    finally:
        holder.kill()  # no clean-up of its own: the kernel drops the lock
        holder.wait()
    with SourceLock(tmp_path, "demo-forum"):
        pass


def test_holding_several_sources_takes_all_or_none(tmp_path: Path) -> None:
    with (
        SourceLock(tmp_path, "b"),
        pytest.raises(SourceBusyError),
        hold_sources(tmp_path, ["c", "b", "a"]),
    ):
        pass
    with hold_sources(tmp_path, ["c", "b", "a"]), pytest.raises(SourceBusyError):
        SourceLock(tmp_path, "a").acquire()  # a second descriptor, even in this process
    with SourceLock(tmp_path, "a"):  # all released
        pass


def _run(source: str, reason: str) -> CrawlRun:
    return CrawlRun.from_stats(source, {"finish_reason": reason})


def test_a_crawl_stays_unfinished_until_a_run_ends_complete(tmp_path: Path) -> None:
    for source in ("done", "stopped", "killed"):
        mark_started(tmp_path, source)
    settle(tmp_path, [_run("done", "finished"), _run("stopped", "shutdown")])
    assert read_marker(tmp_path, "done") is None
    stopped = read_marker(tmp_path, "stopped")
    assert stopped is not None and stopped.pid is not None and len(stopped.token) == 32
    assert find_unfinished(tmp_path, "killed") is not None


def test_the_frontier_is_asked_when_it_can_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert find_unfinished(tmp_path, "demo-forum") is None
    frontier = types.ModuleType(FRONTIER_MODULE)
    frontier.unfinished = lambda data_dir, source: source == "demo-forum"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, FRONTIER_MODULE, frontier)
    found = find_unfinished(tmp_path, "demo-forum")
    assert found is not None and found.token == "frontier"
    assert find_unfinished(tmp_path, "demo-market") is None
