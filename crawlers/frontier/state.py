"""What a source's frontier says about its last crawl, read without disturbing it.

`frontier_state(data_dir, source)` reads `<data>/frontier/<source>.db` (the path of
`crawlers.frontier.settings.frontier_path`) read-only: it takes no lock, creates, upgrades or
repairs nothing, and a crawl writing the file meanwhile is fine (WAL: a reader sees the last
committed state, in one snapshot, and blocks no writer). No file, or one of a layout the next
crawl would drop, is no crawl (None); a file SQLite cannot read raises `FrontierUnreadableError`
(the next crawl sets it aside and starts fresh).

`unfinished(data_dir, source)` is the scheduler's question: the last crawl, if it did not end.

- complete (`finished`, or at its page or listing limit), or discarded by hand (`reset`):
  closed, not unfinished;
- stopped by SIGTERM (`shutdown`), by its time budget (`closespider_timeout`), for an error:
  open, unfinished (the next run resumes it);
- killed (SIGKILL, a crash, the machine going down): open with no finish reason, unfinished;
- being crawled: open with no finish reason and its process alive here: unfinished, `running`;
- its site did not answer (`source_unreachable`): open (the next run resumes it) but not
  unfinished: retried at the source's next scheduled run, not at once. Unless the proxy was
  down, a failure of this machine: unfinished (as `armswatch.runs.CrawlRun.failed`).
"""

from __future__ import annotations

import os
import socket
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawlers.frontier.settings import DEFAULT_MAX_AGE, frontier_path
from crawlers.frontier.store import (
    CLOSED,
    OPEN,
    RESET,
    SCHEMA_VERSION,
    UPGRADED_VERSIONS,
    count_requests,
    why_fresh,
)

# the values of crawlers.network.health.UNREACHABLE_REASON and ProxyUnavailableError.reason,
# written out: importing those would import Scrapy into every `armswatch schedule` command
UNREACHABLE = "source_unreachable"
PROXY_DOWN = "proxy unavailable"
BUSY_TIMEOUT = 10.0  # seconds a read waits for a lock SQLite takes briefly (WAL recovery)
_START_SLACK = 2.0  # seconds: /proc gives a process's start to the second of boot time


class FrontierUnreadableError(Exception):
    """The frontier file is there but SQLite cannot read it."""


@dataclass(frozen=True)
class FrontierState:
    """A source's last crawl as its frontier recorded it. Times are seconds since the epoch."""

    source: str
    path: Path
    open: bool  # begun, and not ended complete (nor reset)
    source_key: str  # the source definition it crawls (a hash)
    started_at: float  # when the crawl (its first run) started
    runs: int  # processes that worked on it
    run_started_at: float | None  # when its last run started (None: an older armswatch)
    finished_at: float | None  # when its last run stopped; None: running or killed
    finish_reason: str | None  # how its last run stopped; None: running or killed
    finish_detail: str | None  # for an unreachable site, why
    pid: int | None  # the process of its last run, and its host
    host: str | None
    running: bool  # that process is alive on this host (read with the state)
    pending: int  # requests waiting
    in_flight: int  # handed to the engine; fetched again if the run does not end
    done: int  # done, not yet known to be in the index (fetched again after a kill)
    seen: int  # requests the crawl stored (their fingerprints), done and forgotten included

    @property
    def unreachable(self) -> bool:
        """Its site did not answer (not the proxy): retried at the next scheduled run."""
        return self.finish_reason == UNREACHABLE and self.finish_detail != PROXY_DOWN

    @property
    def unfinished(self) -> bool:
        """Open, and not waiting for its site to come back: re-run when the daemon starts."""
        return self.open and not self.unreachable

    @property
    def run_key(self) -> str:
        """This crawl's last run, the same for every reader: a re-run of it is claimed once."""
        return f"{self.started_at:.6f}:{self.runs}"

    @property
    def status(self) -> str:
        """running, killed, stopped, unreachable, complete or reset."""
        if not self.open:
            return "reset" if self.finish_reason == RESET else "complete"
        if self.finish_reason is None:
            return "running" if self.running else "killed"
        return "unreachable" if self.unreachable else "stopped"

    def why_fresh(self, source_key: str, now: float, max_age: float = DEFAULT_MAX_AGE) -> str:
        """Why the next crawl (of the definition `source_key`) starts fresh; "" if it resumes."""
        state = OPEN if self.open else CLOSED
        return why_fresh(
            (state, self.source_key, self.started_at, self.runs), source_key, now, max_age
        )


def frontier_state(data_dir: Path, source: str) -> FrontierState | None:
    """The source's last crawl, or None if its frontier holds none (never crawled)."""
    path = frontier_path(source, data_dir)
    if not path.is_file():
        return None
    try:
        with closing(_connect_read_only(path)) as db:
            row, counts = _read(db)
    except sqlite3.DatabaseError as error:
        raise FrontierUnreadableError(f"the frontier {path} cannot be read: {error}") from error
    if row is None:
        return None
    return _state(source, path, row, counts)


def unfinished(data_dir: Path, source: str) -> FrontierState | None:
    """The source's last crawl if it did not finish (running included), else None."""
    state = frontier_state(data_dir, source)
    return state if state is not None and state.unfinished else None


def _connect_read_only(path: Path) -> sqlite3.Connection:
    uri = path.resolve().as_uri() + "?mode=ro"
    db = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None)
    db.row_factory = sqlite3.Row
    return db


def _read(db: sqlite3.Connection) -> tuple[dict[str, Any] | None, dict[str, int]]:
    """The crawl row (any columns its version has) and the request counts, in one snapshot."""
    (version,) = db.execute("PRAGMA user_version").fetchone()
    if version != SCHEMA_VERSION and version not in UPGRADED_VERSIONS:
        return None, {}  # no tables yet, or a layout the next crawl drops
    db.execute("BEGIN")
    try:
        row = db.execute("SELECT * FROM crawl WHERE id = 1").fetchone()
        counts = count_requests(db) if row is not None else {}
    finally:
        db.execute("ROLLBACK")
    return (dict(row) if row is not None else None), counts


def _state(source: str, path: Path, row: dict[str, Any], counts: dict[str, int]) -> FrontierState:
    pid, host = row.get("pid"), row.get("host")
    run_started_at = row.get("run_started_at")
    stopped = row.get("finish_reason") is not None
    return FrontierState(
        source=source,
        path=path,
        open=row["state"] == OPEN,
        source_key=row["source_key"],
        started_at=row["started_at"],
        runs=row["runs"],
        run_started_at=run_started_at,
        finished_at=row.get("finished_at"),
        finish_reason=row.get("finish_reason"),
        finish_detail=row.get("finish_detail"),
        pid=pid,
        host=host,
        running=not stopped and process_alive(pid, host, run_started_at),
        pending=counts["pending"],
        in_flight=counts["in_flight"],
        done=counts["done"],
        seen=counts["seen"],
    )


def process_alive(pid: int | None, host: str | None, since: float | None = None) -> bool:
    """Whether process `pid` of `host` is alive here, and (if `since`, when Linux says when it
    started) the same process: one started by then, not a later one given the same pid."""
    if pid is None or host != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, someone else's
    found = _proc_stat(pid)
    if found is None:
        return True  # no /proc: the pid must do
    zombie, started = found
    return not zombie and (since is None or started <= since + _START_SLACK)


def _proc_stat(pid: int) -> tuple[bool, float] | None:
    """(a zombie, when it started) of a process, from Linux's /proc; None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        ticks = os.sysconf("SC_CLK_TCK")
    except (OSError, StopIteration, ValueError, IndexError):
        return None
    # after the ")" that ends the command name: state is field 3, starttime field 22
    return fields[0] == "Z", boot + int(fields[19]) / ticks
