"""The frontier of one source's crawl in SQLite: pending requests, the seen set, crawl state.

One file per source, `<data>/frontier/<source>.db`, opened by one crawl at a time (an
exclusive `flock` on `<source>.db.lock`, which the kernel drops with the process, so a killed
crawl never leaves it held). The crawl's row also says how its last run stopped and which
process ran it; `crawlers.frontier.state` reads it without the lock.

WAL mode with `synchronous=NORMAL`: a committed transaction is in the WAL file (the OS page
cache) before `COMMIT` returns, so a killed process loses nothing it committed, and a power cut
never corrupts the file: it may lose the last transactions, and WAL keeps a prefix of them.
Every state lost that way is an earlier one, which only fetches more pages again (a request is
stored before the engine sees it, done after its children are stored, forgotten after a
checkpoint). `FULL` would add an `fsync` to each commit and protect nothing more: after a power
cut a checkpoint is only as good as the index's own last commits.

Group commit: the request writes (push, take, done) of a crawl go into one open transaction,
committed by the next checkpoint, by `commit_if_due` once it is `GROUP_SECONDS` old or holds
`GROUP_WRITES` writes, and when the crawl begins, finishes or closes. A commit costs a WAL
write per page touched, several per fetched page if each write were its own, which the crawl
benchmark showed. Nothing is lost by it: the writes are committed in the order they were made,
so a kill leaves a prefix of them, an earlier state of the same crawl; a request whose `push`
is lost belongs to a parent whose `done` came later and is lost too, so the parent is fetched
again and makes it again. A push is one savepoint: its row and its fingerprint go together.
A request row goes through:

    PENDING --take--> IN_FLIGHT --done(seq)--> DONE --(a checkpoint covers seq)--> deleted

`done` numbers requests in the order they finished (`seq`). A checkpoint says "everything done
up to seq N is durable downstream (in the index)"; only then is a done row forgotten. When a
crawl resumes, every row that is not known durable (pending, in flight, done after the durable
checkpoint) is pending again, and the seen set is kept.
"""

from __future__ import annotations

import fcntl
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

PENDING, IN_FLIGHT, DONE = 0, 1, 2
OPEN, CLOSED = "open", "closed"
RESET = "reset"  # the finish reason of a crawl discarded by hand (`armswatch frontier reset`)
GROUP_SECONDS = 0.5  # the oldest an open group of request writes gets before it is committed
GROUP_WRITES = 2000  # ... and the most writes it holds

_SCHEMA = """
CREATE TABLE IF NOT EXISTS crawl (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    state TEXT NOT NULL,                 -- open until the crawl ends complete
    source_key TEXT NOT NULL,            -- the source definition it crawls (a hash)
    started_at REAL NOT NULL,            -- when this crawl (its first run) started
    runs INTEGER NOT NULL,               -- processes that worked on it
    durable_seq INTEGER NOT NULL,        -- requests done at or before it are durable
    finish_reason TEXT,                  -- how its last run stopped; NULL: running or killed
    finish_detail TEXT,                  -- why, when the reason alone does not say
    run_started_at REAL,                 -- when its last run started
    finished_at REAL,                    -- when its last run stopped; NULL: running or killed
    pid INTEGER,                         -- the process of its last run
    host TEXT                            -- ... and its host
);
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY,
    priority INTEGER NOT NULL,
    state INTEGER NOT NULL,
    done_seq INTEGER,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_queue ON requests (priority DESC, id DESC)
    WHERE state = 0;
CREATE INDEX IF NOT EXISTS requests_done ON requests (done_seq) WHERE state = 2;
CREATE TABLE IF NOT EXISTS seen (fingerprint BLOB PRIMARY KEY) WITHOUT ROWID;
"""


SCHEMA_VERSION = 2  # another version, not upgraded in place: the tables are made again (fresh)
# versions upgraded in place, the open crawl kept: 1 had no run columns (pid, host...)
UPGRADED_VERSIONS = frozenset({1})
_ADDED_COLUMNS = {  # crawl columns added since version 1
    "finish_detail": "TEXT",
    "run_started_at": "REAL",
    "finished_at": "REAL",
    "pid": "INTEGER",
    "host": "TEXT",
}


class FrontierBusyError(Exception):
    """Another crawl of the same source holds the frontier."""


@dataclass(frozen=True)
class Row:
    id: int
    priority: int
    data: bytes


@dataclass(frozen=True)
class Start:
    """How a crawl started: resumed (and what it found) or fresh (and why)."""

    resumed: bool
    pending: int  # requests waiting, re-queued ones included
    requeued: int  # in flight or done after the durable checkpoint when it stopped
    seen: int
    runs: int  # processes that worked on this crawl, this one included
    why: str  # resumed / no open crawl / source changed / too old


class FrontierStore:
    """The SQLite file of one source's frontier; see the module docstring."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = _acquire(path.with_name(path.name + ".lock"))
        try:
            self.db = sqlite3.connect(path, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._create_tables()
        except BaseException:
            self._lock.close()
            raise
        self.pending = 0
        self._group_started: float | None = None  # monotonic time the open group began
        self._group_writes = 0

    # -- a crawl's life ------------------------------------------------------------------

    def begin(self, source_key: str, now: float, max_age: float) -> Start:
        """Resume the open crawl of this source, or start a fresh one."""
        with self._transaction():
            row = self.db.execute(
                "SELECT state, source_key, started_at, runs FROM crawl WHERE id = 1"
            ).fetchone()
            why = why_fresh(row, source_key, now, max_age)
            start = self._fresh(source_key, now, why) if why else self._resume(row[3] + 1)
            self._record_run(now)
        self.pending = start.pending
        return start

    def _resume(self, runs: int) -> Start:
        (durable,) = self.db.execute("SELECT durable_seq FROM crawl WHERE id = 1").fetchone()
        requeued = self.db.execute(
            "UPDATE requests SET state = ?, done_seq = NULL"
            " WHERE state = ? OR (state = ? AND done_seq > ?)",
            (PENDING, IN_FLIGHT, DONE, durable),
        ).rowcount
        self.db.execute("DELETE FROM requests WHERE state = ?", (DONE,))
        self.db.execute(
            "UPDATE crawl SET runs = ?, durable_seq = 0 WHERE id = 1",
            (runs,),
        )
        return Start(True, self._count_pending(), requeued, self._count_seen(), runs, "resumed")

    def _fresh(self, source_key: str, now: float, why: str) -> Start:
        self.db.execute("DELETE FROM requests")
        self.db.execute("DELETE FROM seen")
        self.db.execute(
            "INSERT OR REPLACE INTO crawl"
            " (id, state, source_key, started_at, runs, durable_seq) VALUES (1, ?, ?, ?, 1, 0)",
            (OPEN, source_key, now),
        )
        return Start(False, 0, 0, 0, 1, why)

    def _record_run(self, now: float) -> None:
        """This process runs the crawl from `now` on, and has not stopped yet."""
        self.db.execute(
            "UPDATE crawl SET run_started_at = ?, pid = ?, host = ?, finish_reason = NULL,"
            " finish_detail = NULL, finished_at = NULL WHERE id = 1",
            (now, os.getpid(), socket.gethostname()),
        )

    def finish(self, reason: str, *, complete: bool, detail: str | None = None) -> None:
        """Record how the crawl stopped (`detail`: why, if the reason alone does not say); a
        complete crawl forgets its frontier."""
        with self._transaction():
            if complete:
                self.db.execute("DELETE FROM requests")
                self.db.execute("DELETE FROM seen")
            state = CLOSED if complete else OPEN
            self.db.execute(
                "UPDATE crawl SET state = ?, finish_reason = ?, finish_detail = ?,"
                " finished_at = ? WHERE id = 1",
                (state, reason, detail, time.time()),
            )
        if complete:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.pending = 0 if complete else self.pending

    def reset(self) -> None:
        """Discard the crawl, open or not: the next one starts fresh."""
        self.finish(RESET, complete=True)

    def close(self) -> None:
        self.commit()
        self.db.close()
        self._lock.close()  # closing the file drops the lock

    # -- requests ------------------------------------------------------------------------

    def seen(self, fingerprint: bytes) -> bool:
        found = self.db.execute("SELECT 1 FROM seen WHERE fingerprint = ?", (fingerprint,))
        return found.fetchone() is not None

    def push(self, data: bytes, priority: int, fingerprint: bytes | None) -> int:
        """Store a pending request, and its fingerprint in the seen set, together."""
        self._grouped()
        self.db.execute("SAVEPOINT push")
        try:
            if fingerprint is not None:
                self.db.execute("INSERT OR IGNORE INTO seen VALUES (?)", (fingerprint,))
            cursor = self.db.execute(
                "INSERT INTO requests (priority, state, data) VALUES (?, ?, ?)",
                (priority, PENDING, data),
            )
        except BaseException:
            self.db.execute("ROLLBACK TO push")
            raise
        finally:
            self.db.execute("RELEASE push")
        self.pending += 1
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def peek(self) -> Row | None:
        """The next pending request: highest priority first, then the newest (LIFO)."""
        found = self.db.execute(
            "SELECT id, priority, data FROM requests WHERE state = ?"
            " ORDER BY priority DESC, id DESC LIMIT 1",
            (PENDING,),
        ).fetchone()
        return Row(*found) if found else None

    def take(self, request_id: int) -> None:
        """The request is handed to the engine: in flight."""
        self._grouped()
        self.db.execute(
            "UPDATE requests SET state = ? WHERE id = ? AND state = ?",
            (IN_FLIGHT, request_id, PENDING),
        )
        self.pending -= 1

    def done(self, request_id: int, seq: int) -> None:
        """The request's children are stored and its items have reached the last pipeline."""
        self._grouped()
        self.db.execute(
            "UPDATE requests SET state = ?, done_seq = ? WHERE id = ?", (DONE, seq, request_id)
        )

    def drop(self, request_id: int) -> None:
        """Forget a request (one that cannot be read back)."""
        self._grouped()
        self.db.execute("DELETE FROM requests WHERE id = ?", (request_id,))

    def checkpoint(self, seq: int) -> None:
        """Requests done up to `seq` are durable downstream: forget them."""
        with self._transaction():
            self.db.execute(
                "UPDATE crawl SET durable_seq = MAX(durable_seq, ?) WHERE id = 1", (seq,)
            )
            self.db.execute("DELETE FROM requests WHERE state = ? AND done_seq <= ?", (DONE, seq))

    def commit(self) -> None:
        """Commit the open group of request writes, if any."""
        if self._group_started is not None:
            self._group_started, self._group_writes = None, 0
            self.db.execute("COMMIT")

    def commit_if_due(self) -> None:
        """Commit the open group once it is `GROUP_SECONDS` old or holds `GROUP_WRITES`."""
        started = self._group_started
        if started is not None and (
            self._group_writes >= GROUP_WRITES or time.monotonic() - started >= GROUP_SECONDS
        ):
            self.commit()

    def counts(self) -> dict[str, int]:
        """Rows by state, and the size of the seen set (for stats and tests)."""
        return count_requests(self.db)

    # -- helpers -------------------------------------------------------------------------

    def _create_tables(self) -> None:
        """Make the tables, upgrade those of a version upgraded in place, drop any other."""
        (version,) = self.db.execute("PRAGMA user_version").fetchone()
        if version == SCHEMA_VERSION:
            return
        # each step can be done again: a crash part way leaves the old version, redone next time
        if version not in UPGRADED_VERSIONS:
            self.db.executescript(
                "DROP TABLE IF EXISTS crawl; DROP TABLE IF EXISTS requests;"
                " DROP TABLE IF EXISTS seen;"
            )
        self.db.executescript(_SCHEMA)
        self._add_missing_columns()
        self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _add_missing_columns(self) -> None:
        present = {row[1] for row in self.db.execute("PRAGMA table_info(crawl)")}
        for name, kind in _ADDED_COLUMNS.items():
            if name not in present:
                self.db.execute(f"ALTER TABLE crawl ADD COLUMN {name} {kind}")

    def _count_pending(self) -> int:
        query = "SELECT count(*) FROM requests WHERE state = ?"
        return int(self.db.execute(query, (PENDING,)).fetchone()[0])

    def _count_seen(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM seen").fetchone()[0])

    def _grouped(self) -> None:
        """Count the write coming in the open group; commit the group first if it is due, and
        open one if none is open."""
        self.commit_if_due()
        if self._group_started is None:
            self.db.execute("BEGIN IMMEDIATE")
            self._group_started = time.monotonic()
        self._group_writes += 1

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One transaction, committed at its end; an open group of request writes joins it
        (and stays open, uncommitted, if the transaction fails)."""
        grouped = self._group_started is not None
        if not grouped:
            self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("SAVEPOINT step")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK TO step")
            self.db.execute("RELEASE step")
            if not grouped:
                self.db.execute("ROLLBACK")
            raise
        self.db.execute("RELEASE step")
        self._group_started, self._group_writes = None, 0
        self.db.execute("COMMIT")


def count_requests(db: sqlite3.Connection) -> dict[str, int]:
    """Request rows by state (pending, in_flight, done), and the size of the seen set."""
    names = {PENDING: "pending", IN_FLIGHT: "in_flight", DONE: "done"}
    counts = dict.fromkeys(names.values(), 0)
    for state, count in db.execute("SELECT state, count(*) FROM requests GROUP BY state"):
        counts[names[state]] = count
    counts["seen"] = int(db.execute("SELECT count(*) FROM seen").fetchone()[0])
    return counts


def why_fresh(
    row: tuple[str, str, float, int] | None, source_key: str, now: float, max_age: float
) -> str:
    """Why a crawl starts fresh, or "" when it resumes the open one."""
    if row is None or row[0] != OPEN:
        return "no open crawl"
    if row[1] != source_key:
        return "source changed"
    if now - row[2] > max_age:
        return "too old"
    return ""


def _acquire(lock_path: Path) -> IO[bytes]:
    handle = lock_path.open("ab")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as error:
        handle.close()
        raise FrontierBusyError(f"another crawl holds {lock_path}") from error
    return handle
