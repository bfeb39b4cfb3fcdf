"""The frontier's SQLite store: queue order, the seen set, checkpoints, and crash recovery.

A crash is a child process that works on the store and dies by SIGKILL without closing it."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawlers.frontier.store import (
    DONE,
    GROUP_SECONDS,
    IN_FLIGHT,
    PENDING,
    FrontierBusyError,
    FrontierStore,
)
from tests.crawlers.frontier.killing import run_then_kill

KEY = "source-v1"
DAY = 24 * 3600.0
NOW = 1_000_000.0


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "frontier" / "demo.db"


@pytest.fixture
def store(path: Path) -> Iterator[FrontierStore]:
    store = FrontierStore(path)
    store.begin(KEY, NOW, DAY)
    yield store
    store.close()


def states(path: Path) -> dict[bytes, tuple[int, int | None]]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT data, state, done_seq FROM requests")
        return {data: (state, seq) for data, state, seq in rows}


def take_next(store: FrontierStore) -> tuple[int, bytes]:
    row = store.peek()
    assert row is not None
    store.take(row.id)
    return row.id, row.data


def test_the_file_is_in_wal_mode_with_normal_sync(store: FrontierStore) -> None:
    assert store.db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert store.db.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL


def test_highest_priority_first_then_newest_first(store: FrontierStore) -> None:
    for data, priority in ((b"a", 0), (b"b", 0), (b"c", 5), (b"d", -1), (b"e", 0)):
        store.push(data, priority, None)
    assert store.pending == 5
    order = [take_next(store)[1] for _ in range(5)]
    assert order == [b"c", b"e", b"b", b"a", b"d"]
    assert store.peek() is None and store.pending == 0


def test_the_seen_set_holds_the_fingerprints_of_stored_requests(store: FrontierStore) -> None:
    store.push(b"a", 0, b"fp-a")
    store.push(b"again", 0, None)  # dont_filter: no fingerprint
    assert store.seen(b"fp-a")
    assert not store.seen(b"fp-b")
    assert store.counts() == {"pending": 2, "in_flight": 0, "done": 0, "seen": 1}


def test_a_checkpoint_forgets_the_done_requests_it_covers(store: FrontierStore, path: Path) -> None:
    for data in (b"a", b"b", b"c"):
        store.push(data, 0, data)
    ids = [take_next(store)[0] for _ in range(3)]  # c, b, a: newest first
    store.done(ids[0], 1)
    store.done(ids[1], 2)
    store.checkpoint(1)
    assert states(path) == {b"b": (DONE, 2), b"a": (IN_FLIGHT, None)}
    store.checkpoint(2)
    assert states(path) == {b"a": (IN_FLIGHT, None)}
    assert store.seen(b"b") and store.seen(b"c")  # forgotten requests stay seen


def test_a_killed_crawl_resumes_with_what_is_not_durable(path: Path) -> None:
    def crawl_and_die() -> None:
        store = FrontierStore(path)
        store.begin(KEY, NOW, DAY)
        for data in (b"done-durable", b"done-late", b"in-flight"):
            store.push(data, 0, data)
        ids = {data: row_id for row_id, data in (take_next(store) for _ in range(3))}
        store.push(b"pending", 0, b"pending")
        store.done(ids[b"done-durable"], 1)
        store.checkpoint(1)
        store.done(ids[b"done-late"], 2)  # its items may not be in the index yet

    run_then_kill(crawl_and_die)
    store = FrontierStore(path)  # the dead process's lock went with it
    try:
        start = store.begin(KEY, NOW + 60, DAY)
        assert start.resumed and start.why == "resumed" and start.runs == 2
        assert start.requeued == 2  # in flight, and done after the checkpoint
        assert start.pending == 3 and store.pending == 3
        assert states(path) == {
            b"done-late": (PENDING, None),
            b"in-flight": (PENDING, None),
            b"pending": (PENDING, None),
        }
        assert start.seen == 4 and store.seen(b"done-durable")
    finally:
        store.close()


def test_a_file_of_another_schema_version_is_made_again(path: Path) -> None:
    path.parent.mkdir()
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE crawl (id INTEGER PRIMARY KEY, old TEXT NOT NULL)")
        db.execute("INSERT INTO crawl VALUES (1, 'an older layout')")
    db.close()
    store = FrontierStore(path)
    try:
        assert store.begin(KEY, NOW, DAY).why == "no open crawl"
    finally:
        store.close()


def test_a_kill_loses_only_the_writes_not_yet_committed_and_no_half_push(path: Path) -> None:
    def push_and_die() -> None:
        store = FrontierStore(path)
        store.begin(KEY, NOW, DAY)
        store.push(b"kept", 0, b"fp-kept")
        store.commit()
        store.push(b"lost", 0, b"fp-lost")  # in the open group: never committed
        store.db.execute("SAVEPOINT push")
        store.db.execute("INSERT INTO seen VALUES (?)", (b"fp-half",))
        # killed before the request row and the COMMIT

    run_then_kill(push_and_die)
    store = FrontierStore(path)
    try:
        assert store.begin(KEY, NOW, DAY).resumed
        assert store.seen(b"fp-kept") and not store.seen(b"fp-lost")
        assert not store.seen(b"fp-half")
        assert store.counts()["pending"] == 1
    finally:
        store.close()


def test_request_writes_are_committed_in_groups(store: FrontierStore, path: Path) -> None:
    store.push(b"a", 0, b"fp-a")
    row_id, _ = take_next(store)
    assert states(path) == {}, "the group is not committed yet"
    store.done(row_id, 1)
    store.checkpoint(0)  # a checkpoint commits the group with it
    assert states(path) == {b"a": (DONE, 1)}
    store.push(b"b", 0, b"fp-b")
    store._group_started = time.monotonic() - GROUP_SECONDS  # the group is due
    store.push(b"c", 0, b"fp-c")  # commits the due group first, then opens another
    assert set(states(path)) == {b"a", b"b"}
    store.commit()
    assert set(states(path)) == {b"a", b"b", b"c"}


def test_a_failed_push_leaves_no_fingerprint_and_keeps_the_group(
    store: FrontierStore, path: Path
) -> None:
    store.push(b"a", 0, b"fp-a")
    with pytest.raises(sqlite3.IntegrityError):
        store.push(None, 0, b"fp-b")  # type: ignore[arg-type]  # data may not be NULL
    assert not store.seen(b"fp-b") and store.seen(b"fp-a")
    assert store.pending == 1
    store.commit()
    assert states(path) == {b"a": (PENDING, None)}


@pytest.mark.parametrize(
    ("reason", "complete"),
    [("finished", True), ("closespider_pagecount", True), ("shutdown", False)],
)
def test_only_a_complete_crawl_clears_the_frontier(path: Path, reason: str, complete: bool) -> None:
    store = FrontierStore(path)
    store.begin(KEY, NOW, DAY)
    store.push(b"a", 0, b"fp-a")
    store.finish(reason, complete=complete)
    store.close()
    store = FrontierStore(path)
    try:
        start = store.begin(KEY, NOW + 60, DAY)
        assert start.resumed is not complete
        assert store.seen(b"fp-a") is not complete
        assert start.pending == (0 if complete else 1)
    finally:
        store.close()


@pytest.mark.parametrize(
    ("key", "now", "why"),
    [("source-v2", NOW + 60, "source changed"), (KEY, NOW + 2 * DAY, "too old")],
)
def test_a_changed_source_or_an_old_crawl_starts_fresh(
    path: Path, key: str, now: float, why: str
) -> None:
    run_then_kill(lambda: FrontierStore(path).begin(KEY, NOW, DAY))
    store = FrontierStore(path)
    try:
        start = store.begin(key, now, DAY)
        assert not start.resumed and start.why == why
    finally:
        store.close()


def test_one_crawl_at_a_time(path: Path) -> None:
    first = FrontierStore(path)
    with pytest.raises(FrontierBusyError):
        FrontierStore(path)
    first.close()
    FrontierStore(path).close()
