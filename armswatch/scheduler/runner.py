"""Each crawl in a process of its own (Twisted's reactor cannot restart), within a time budget.

A crawl's budget is the source's `limits.max_duration`, which Scrapy enforces itself
(CLOSESPIDER_TIMEOUT closes the spider cleanly), plus `stop_grace` for it to close; a source
without one gets the daemon's default budget. A crawl still running past its budget gets
SIGTERM, which Scrapy answers with a clean shutdown (the run is recorded, the frontier kept),
and SIGKILL if it is still there `kill_grace` seconds later. Stopping the runner (the daemon's
SIGTERM) does the same to every crawl at once.

The child runs `python -m armswatch.scheduler.child SOURCE --parent PID`: it asks the kernel to
kill it when this process dies (PR_SET_PDEATHSIG), so a daemon killed with SIGKILL leaves no
orphan crawl behind to race the crawl its restart resumes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from armswatch.scheduler.locks import BUSY

_POLL = 0.2  # seconds between looks at a running crawl
SHUTDOWN = "shutdown"
STOPPED_BEFORE_CRAWL = 79  # the exit code of a crawl process stopped before its crawl began
OVER_BUDGET = "over budget"
CommandFor = Callable[[str], Sequence[str]]


@dataclass(frozen=True)
class Budget:
    seconds: float | None  # None: no limit
    stop_grace: float = 0.0  # more time past `seconds` for Scrapy's own CloseSpider timeout
    kill_grace: float = 60.0  # after SIGTERM, seconds until SIGKILL

    @property
    def limit(self) -> float | None:
        return None if self.seconds is None else self.seconds + self.stop_grace


@dataclass(frozen=True)
class Outcome:
    source: str
    returncode: int | None  # None: not started
    started_at: datetime
    ended_at: datetime
    stopped: str | None = None  # why the runner stopped it: SHUTDOWN or OVER_BUDGET
    killed: bool = False  # it did not stop within kill_grace of SIGTERM

    @property
    def summary(self) -> str:
        if self.returncode is None:
            return "not started: the daemon is stopping"
        if self.returncode in (STOPPED_BEFORE_CRAWL, -signal.SIGTERM):
            # -SIGTERM: stopped as it started, before it could set its own handler
            return "not started: stopped before its crawl began"
        if self.stopped:
            how = "killed" if self.killed else "stopped"
            return f"{how}: {self.stopped} (exit {self.returncode})"
        if self.returncode == BUSY:
            return "skipped: the source was being crawled already"
        return {0: "complete", 1: "failed or had errors", 2: "bad source"}.get(
            self.returncode, f"failed (exit {self.returncode})"
        )

    @property
    def seconds(self) -> float:
        return (self.ended_at - self.started_at).total_seconds()


def child_command(source: str) -> list[str]:
    """The command of one source's crawl, a child of this process."""
    parent = str(os.getpid())
    return [sys.executable, "-m", "armswatch.scheduler.child", source, "--parent", parent]


class CrawlRunner:
    """Runs crawls as child processes; `output_dir` gets `<source>.log` of each (appended),
    else they write to this process's stdout and stderr."""

    def __init__(
        self, output_dir: Path | None = None, command_for: CommandFor = child_command
    ) -> None:
        self.output_dir = output_dir
        self.command_for = command_for
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._running: dict[int, str] = {}

    def run(self, source: str, budget: Budget, target: str | None = None) -> Outcome:
        """Crawl `source` (named, or the YAML file `target`) in a child process and wait for
        it. Call it from a thread that lives as long: the child dies with that thread."""
        started = datetime.now(UTC)
        if self._stopping.is_set():
            return Outcome(source, None, started, started)
        with self._output(source) as output:
            process = self._spawn(source, target or source, output)
            try:
                stopped, killed = self._watch(process, budget)
            finally:
                with self._lock:
                    self._running.pop(process.pid, None)
        return Outcome(source, process.returncode, started, datetime.now(UTC), stopped, killed)

    def stop_all(self) -> None:
        """Stop every crawl now (SIGTERM, then SIGKILL) and start no more."""
        self._stopping.set()

    def running(self) -> list[str]:
        with self._lock:
            return sorted(self._running.values())

    def _spawn(self, source: str, target: str, output: IO[bytes] | None) -> subprocess.Popen[bytes]:
        # a session of its own: a Ctrl-C on the daemon's terminal reaches the daemon only,
        # which stops its crawls once, cleanly (a second SIGINT makes Scrapy stop uncleanly)
        process = subprocess.Popen(
            list(self.command_for(target)),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,
        )
        with self._lock:
            self._running[process.pid] = source
        return process

    def _watch(self, process: subprocess.Popen[bytes], budget: Budget) -> tuple[str | None, bool]:
        limit = budget.limit
        deadline = None if limit is None else time.monotonic() + limit
        while process.poll() is None:
            if self._stopping.is_set():
                return SHUTDOWN, _stop(process, budget.kill_grace)
            if deadline is not None and time.monotonic() >= deadline:
                return OVER_BUDGET, _stop(process, budget.kill_grace)
            self._stopping.wait(_POLL)
        return None, False

    def _output(self, source: str) -> AbstractContextManager[IO[bytes] | None]:
        if self.output_dir is None:
            return nullcontext(None)
        self.output_dir.mkdir(parents=True, exist_ok=True)
        log = (self.output_dir / f"{source}.log").open("ab")
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        log.write(f"--- {stamp} a crawl of {source} starts\n".encode())
        log.flush()
        return log


def _stop(process: subprocess.Popen[bytes], kill_grace: float) -> bool:
    """SIGTERM, then SIGKILL after `kill_grace`; True if it had to be killed."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=kill_grace)
    except subprocess.TimeoutExpired:
        _kill_group(process.pid)  # its browsers and other helpers too
        process.wait()
        return True
    return False


def _kill_group(group: int) -> None:
    """SIGKILL the child's process group (the child leads it: a session of its own)."""
    with suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
