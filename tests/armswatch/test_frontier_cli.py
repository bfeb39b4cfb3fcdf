"""`armswatch frontier show SOURCE` and `armswatch frontier reset SOURCE`, as a subprocess, on
frontiers written here (the demo forum's, crawled by no one: the store is driven directly)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from armswatch.cli import exit_codes
from armswatch.scheduler.locks import SourceLock
from crawlers.frontier.settings import frontier_path, source_key
from crawlers.frontier.state import frontier_state
from crawlers.frontier.store import FrontierStore
from crawlers.source_loader import load_source
from tests.conftest import REPO, run_armswatch

SOURCE = "demo-forum"
DAY = 24 * 3600.0


def _open_crawl(data: Path, *, runs: int = 1, finish: str | None = "shutdown") -> FrontierStore:
    """A crawl of the demo forum's definition, stopped (`finish`) `runs` times; the store is
    returned open (the caller closes it) when `finish` is None: a crawl still running."""
    key = source_key(load_source(REPO / "sources" / f"{SOURCE}.yaml"))
    for run in range(runs):
        store = FrontierStore(frontier_path(SOURCE, data))
        store.begin(key, time.time(), DAY)
        store.push(f"request {run}".encode(), 0, f"fingerprint {run}".encode())
        if finish is None:
            return store
        store.finish(finish, complete=False)
        store.close()
    return store


def test_show_a_source_never_crawled(tmp_path: Path) -> None:
    done = run_armswatch("frontier", "show", SOURCE, data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "no crawl recorded; its next crawl starts fresh" in done.stdout
    as_json = run_armswatch("frontier", "show", SOURCE, "--json", data_dir=tmp_path)
    document = json.loads(as_json.stdout)
    assert (document["state"], document["unfinished"], document["source"]) == (
        "none",
        False,
        SOURCE,
    )
    assert not (tmp_path / "frontier").exists()


def test_show_an_unfinished_crawl(tmp_path: Path) -> None:
    _open_crawl(tmp_path, runs=2)
    done = run_armswatch("frontier", "show", SOURCE, data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"{SOURCE}: unfinished: its last run stopped early" in done.stdout
    for line in ("runs         2", "2 pending", "2 seen", "shutdown", "resumes this crawl"):
        assert line in done.stdout
    as_json = run_armswatch("frontier", "show", SOURCE, "--json", data_dir=tmp_path)
    assert as_json.returncode == 0, as_json.stderr
    document = json.loads(as_json.stdout)
    state = frontier_state(tmp_path, SOURCE)
    assert state is not None
    assert document["state"] == "stopped" and document["unfinished"] is True
    assert (document["runs"], document["finish_reason"]) == (2, "shutdown")
    assert (document["pid"], document["running"]) == (os.getpid(), False)
    assert document["counts"] == {"pending": 2, "in_flight": 0, "done": 0, "seen": 2}
    assert document["started_at"].startswith(time.strftime("%Y-", time.gmtime(state.started_at)))
    assert document["next_crawl"] == "resumes this crawl"


def test_show_an_unknown_source(tmp_path: Path) -> None:
    done = run_armswatch("frontier", "show", "no-such-source", data_dir=tmp_path)
    assert done.returncode == exit_codes.BAD_INPUT
    assert "no source named 'no-such-source'" in done.stderr


def test_reset_asks_then_discards_the_open_crawl(tmp_path: Path) -> None:
    _open_crawl(tmp_path)
    declined = run_armswatch("frontier", "reset", SOURCE, data_dir=tmp_path, input="n\n")
    assert declined.returncode == exit_codes.FAILED and "not reset" in declined.stderr
    assert "Discard the open crawl of demo-forum (1 requests pending" in declined.stdout
    state = frontier_state(tmp_path, SOURCE)
    assert state is not None and state.unfinished

    done = run_armswatch("frontier", "reset", SOURCE, data_dir=tmp_path, input="y\n")
    assert done.returncode == 0, done.stderr
    assert "crawl discarded; the next crawl starts fresh" in done.stdout
    state = frontier_state(tmp_path, SOURCE)
    assert state is not None and state.status == "reset" and not state.unfinished
    assert (state.pending, state.seen) == (0, 0)

    again = run_armswatch("frontier", "reset", SOURCE, "--yes", data_dir=tmp_path)
    assert again.returncode == 0 and "no open crawl, nothing to reset" in again.stdout


def test_reset_with_yes_asks_nothing(tmp_path: Path) -> None:
    _open_crawl(tmp_path)
    done = run_armswatch("frontier", "reset", SOURCE, "--yes", data_dir=tmp_path, input="")
    assert done.returncode == 0, done.stderr
    state = frontier_state(tmp_path, SOURCE)
    assert state is not None and state.status == "reset"


@pytest.mark.parametrize("holding", ["the crawl", "the source lock", "the frontier lock"])
def test_reset_refuses_while_the_source_is_being_crawled(tmp_path: Path, holding: str) -> None:
    store = _open_crawl(tmp_path, finish=None)  # running in this process, as its frontier says
    lock = SourceLock(tmp_path, SOURCE)
    if holding != "the crawl":  # stopped, but a crawl holds the source's lock, or its frontier's
        store.finish("shutdown", complete=False)
    if holding == "the source lock":
        store.close()
        lock.acquire()
    try:
        done = run_armswatch("frontier", "reset", SOURCE, "--yes", data_dir=tmp_path)
    finally:
        lock.release()
        store.close()
    assert done.returncode == exit_codes.BUSY == 75, done.stderr
    assert "not reset" in done.stderr and "being crawled" in done.stderr
    if holding != "the frontier lock":
        assert f"pid {os.getpid()}" in done.stderr
    state = frontier_state(tmp_path, SOURCE)
    assert state is not None and state.open and state.seen == 1  # nothing discarded
