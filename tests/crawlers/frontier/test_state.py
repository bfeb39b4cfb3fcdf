"""What a source's frontier says about its last crawl, read without its lock: open or not,
running, killed, stopped, unreachable, complete; since when, in how many runs, how far.

Crawls are the frontier scheduler on the demo forum's pages (`Engine`); a killed crawl is a
forked process that dies by SIGKILL; a crawl being written is a forked process pushing rows."""

from __future__ import annotations

import multiprocessing
import os
import socket
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from crawlers.frontier.settings import frontier_path
from crawlers.frontier.state import (
    PROXY_DOWN,
    UNREACHABLE,
    FrontierUnreadableError,
    frontier_state,
    process_alive,
    unfinished,
)
from crawlers.frontier.store import FrontierBusyError, FrontierStore
from crawlers.network.errors import ProxyUnavailableError
from crawlers.network.health import REASON_STAT, UNREACHABLE_REASON
from crawlers.source import Source
from tests.crawlers.frontier.killing import run_then_kill
from tests.crawlers.frontier.test_scheduler import Engine

SOURCE = "demo-forum"
HOUR = 3600.0
# the crawl table of schema version 1, before runs recorded their process
VERSION_1 = """
CREATE TABLE crawl (
    id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL, source_key TEXT NOT NULL,
    started_at REAL NOT NULL, runs INTEGER NOT NULL, durable_seq INTEGER NOT NULL,
    finish_reason TEXT
);
CREATE TABLE requests (
    id INTEGER PRIMARY KEY, priority INTEGER NOT NULL, state INTEGER NOT NULL,
    done_seq INTEGER, data BLOB NOT NULL
);
CREATE TABLE seen (fingerprint BLOB PRIMARY KEY) WITHOUT ROWID;
INSERT INTO crawl VALUES (1, 'open', 'key-v1', 1000.0, 3, 0, 'shutdown');
INSERT INTO requests (priority, state, data) VALUES (0, 0, x'61'), (0, 1, x'62');
INSERT INTO seen VALUES (x'6661'), (x'6662'), (x'6663');
PRAGMA user_version = 1;
"""


def _crawl_a_page(engine: Engine) -> None:
    engine.start()
    engine.process(engine.take())


def test_a_source_never_crawled_has_no_state(tmp_path: Path) -> None:
    assert frontier_state(tmp_path, SOURCE) is None
    assert unfinished(tmp_path, SOURCE) is None
    assert not (tmp_path / "frontier").exists()  # reading creates nothing


def test_a_crawl_being_run_here_is_running_and_unfinished(forum: Source, tmp_path: Path) -> None:
    engine = Engine(forum, tmp_path)
    _crawl_a_page(engine)
    assert engine.scheduler.store is not None
    engine.scheduler.store.commit()  # as its group of writes is, within GROUP_SECONDS
    state = unfinished(tmp_path, SOURCE)
    assert state is not None and state.open and state.running and state.status == "running"
    assert (state.pid, state.host, state.runs) == (os.getpid(), socket.gethostname(), 1)
    assert state.finish_reason is None and state.finished_at is None
    assert state.pending > 0 and state.seen >= state.pending
    assert state.started_at == state.run_started_at <= time.time()
    assert state.path == frontier_path(SOURCE, tmp_path)
    assert state.why_fresh(engine.scheduler.source_key, time.time()) == ""
    engine.scheduler.close("finished")


@pytest.mark.parametrize("reason", ["finished", "closespider_pagecount", "closespider_itemcount"])
def test_a_complete_crawl_is_not_unfinished(forum: Source, tmp_path: Path, reason: str) -> None:
    engine = Engine(forum, tmp_path)
    _crawl_a_page(engine)
    engine.scheduler.close(reason)
    state = frontier_state(tmp_path, SOURCE)
    assert state is not None and not state.open and not state.running
    assert state.status == "complete" and not state.unfinished
    assert (state.finish_reason, state.pending, state.seen) == (reason, 0, 0)
    assert state.finished_at is not None and state.finished_at >= state.started_at
    assert unfinished(tmp_path, SOURCE) is None


@pytest.mark.parametrize("reason", ["shutdown", "closespider_timeout", "login_failed"])
def test_a_crawl_stopped_early_is_unfinished(forum: Source, tmp_path: Path, reason: str) -> None:
    engine = Engine(forum, tmp_path)
    _crawl_a_page(engine)
    engine.scheduler.close(reason)
    state = unfinished(tmp_path, SOURCE)
    assert state is not None and state.status == "stopped" and not state.running
    assert state.finish_reason == reason and state.pending > 0


def test_a_crawl_killed_mid_crawl_is_unfinished(forum: Source, tmp_path: Path) -> None:
    pid_file = tmp_path / "killed.pid"

    def crawl_and_die() -> None:
        engine = Engine(forum, tmp_path)
        _crawl_a_page(engine)
        assert engine.scheduler.store is not None
        engine.scheduler.store.commit()  # as its group of writes is, within GROUP_SECONDS
        pid_file.write_text(str(os.getpid()))

    run_then_kill(crawl_and_die)
    state = unfinished(tmp_path, SOURCE)
    assert state is not None and state.status == "killed" and not state.running
    assert state.pid == int(pid_file.read_text()) and state.finish_reason is None
    assert state.pending + state.in_flight > 0 and state.seen > 0


def test_the_run_key_names_the_last_run_of_the_crawl(forum: Source, tmp_path: Path) -> None:
    keys = []
    for _ in range(2):
        engine = Engine(forum, tmp_path)
        _crawl_a_page(engine)
        engine.scheduler.close("shutdown")
        first, again = frontier_state(tmp_path, SOURCE), frontier_state(tmp_path, SOURCE)
        assert first is not None and again is not None and first.run_key == again.run_key
        keys.append(first.run_key)
    assert keys[0] != keys[1] and keys[1].endswith(":2")  # the same crawl, its second run


@pytest.mark.parametrize(
    ("why", "still_unfinished"), [("host unreachable", False), ("proxy unavailable", True)]
)
def test_an_unreachable_site_is_not_unfinished_but_a_proxy_down_is(
    forum: Source, tmp_path: Path, why: str, still_unfinished: bool
) -> None:
    engine = Engine(forum, tmp_path)
    engine.start()
    assert engine.spider.crawler.stats is not None
    engine.spider.crawler.stats.set_value(REASON_STAT, why)
    engine.scheduler.close(UNREACHABLE_REASON)
    state = frontier_state(tmp_path, SOURCE)
    assert state is not None and state.open  # the next run resumes it all the same
    assert (state.finish_reason, state.finish_detail) == (UNREACHABLE, why)
    assert state.unfinished is still_unfinished
    assert state.status == ("stopped" if still_unfinished else "unreachable")
    assert (unfinished(tmp_path, SOURCE) is not None) is still_unfinished


def test_the_values_written_out_are_those_of_the_network_stage() -> None:
    assert UNREACHABLE == UNREACHABLE_REASON
    assert ProxyUnavailableError.reason == PROXY_DOWN


def _push_until_stopped(path: Path, stop: Any) -> None:
    store = FrontierStore(path)
    store.begin("key", time.time(), HOUR)
    number = 0
    while not stop.is_set():
        number += 1
        store.push(b"request", 0, number.to_bytes(8, "big"))
    store.finish("shutdown", complete=False)
    store.close()


def test_a_crawl_being_written_is_read_without_its_lock(tmp_path: Path) -> None:
    path = frontier_path(SOURCE, tmp_path)
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    writer = context.Process(target=_push_until_stopped, args=(path, stop))
    writer.start()
    try:
        seen = [0]
        deadline = time.monotonic() + 60
        while len(seen) < 20 and time.monotonic() < deadline:
            state = frontier_state(tmp_path, SOURCE)
            if state is not None and state.seen > seen[-1]:
                assert state.running and state.pid == writer.pid
                assert state.pending == state.seen  # one snapshot: the counts agree
                seen.append(state.seen)
        assert len(seen) == 20, "the frontier did not grow while it was read"
        with pytest.raises(FrontierBusyError):
            FrontierStore(path)  # the writer still holds it: reading took nothing
    finally:
        stop.set()
        writer.join(timeout=30)
    assert writer.exitcode == 0
    state = unfinished(tmp_path, SOURCE)
    assert state is not None and state.status == "stopped" and state.seen >= seen[-1]


def test_a_frontier_of_version_1_is_read_then_upgraded_with_its_crawl(tmp_path: Path) -> None:
    path = frontier_path(SOURCE, tmp_path)
    path.parent.mkdir()
    with sqlite3.connect(path) as db:
        db.executescript(VERSION_1)
    db.close()
    state = unfinished(tmp_path, SOURCE)
    assert state is not None and state.status == "stopped" and state.runs == 3
    assert (state.pid, state.host, state.run_started_at, state.finished_at) == (None,) * 4
    assert (state.pending, state.in_flight, state.seen) == (1, 1, 3)

    store = FrontierStore(path)
    try:
        start = store.begin("key-v1", time.time(), max_age=time.time())
        assert start.resumed and start.runs == 4 and start.pending == 2 and start.seen == 3
        state = frontier_state(tmp_path, SOURCE)
        assert state is not None and state.status == "running" and state.pid == os.getpid()
        assert state.run_key == "1000.000000:4"
    finally:
        store.close()


def test_a_reset_crawl_is_closed_and_the_next_starts_fresh(forum: Source, tmp_path: Path) -> None:
    engine = Engine(forum, tmp_path)
    _crawl_a_page(engine)
    engine.scheduler.close("shutdown")
    store = FrontierStore(frontier_path(SOURCE, tmp_path))
    store.reset()
    store.close()
    state = frontier_state(tmp_path, SOURCE)
    assert state is not None and state.status == "reset" and not state.unfinished
    assert (state.pending, state.seen) == (0, 0)
    assert state.why_fresh(engine.scheduler.source_key, time.time()) == "no open crawl"


def test_a_file_sqlite_cannot_read_is_unreadable(tmp_path: Path) -> None:
    path = frontier_path(SOURCE, tmp_path)
    path.parent.mkdir()
    path.write_bytes(b"not a database, and long enough to look like a header" * 100)
    with pytest.raises(FrontierUnreadableError, match="cannot be read"):
        frontier_state(tmp_path, SOURCE)


def test_a_frontier_of_an_unknown_version_holds_no_crawl(tmp_path: Path) -> None:
    path = frontier_path(SOURCE, tmp_path)
    path.parent.mkdir()
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE crawl (id INTEGER PRIMARY KEY, old TEXT)")
        db.execute("PRAGMA user_version = 99")
    db.close()
    assert frontier_state(tmp_path, SOURCE) is None  # the next crawl drops it


def test_a_process_is_alive_only_if_it_is_the_one_recorded() -> None:
    here = socket.gethostname()
    assert process_alive(os.getpid(), here, time.time())
    assert not process_alive(os.getpid(), "another-host", time.time())
    assert not process_alive(None, here)
    if Path("/proc/self/stat").exists():  # a later process given the same pid is not it
        assert not process_alive(os.getpid(), here, since=1000.0)
