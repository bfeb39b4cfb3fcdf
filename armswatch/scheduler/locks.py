"""One crawl per source at a time: an exclusive `flock` on `<data>/locks/<source>.lock`.

The lock is held by the process that crawls (a scheduled crawl's child process, or
`armswatch crawl` itself), so it is released by the kernel when that process ends, however it
ends: a crawl killed with its daemon never leaves a stale lock behind. The file keeps the
holder's pid, host and start time, to say who holds it.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from armswatch.cli import exit_codes

BUSY = exit_codes.BUSY  # a crawl whose source is being crawled already


class SourceBusyError(Exception):
    """The source is being crawled by another process."""

    def __init__(self, source: str, holder: dict[str, object]) -> None:
        who = f"pid {holder.get('pid', '?')} on {holder.get('host', '?')}"
        since = f" since {holder['since']}" if holder.get("since") else ""
        super().__init__(f"{source} is being crawled already ({who}{since}): one crawl at a time")
        self.source = source
        self.holder = holder


def lock_path(data_dir: Path, source: str) -> Path:
    return data_dir / "locks" / f"{source}.lock"


class SourceLock:
    """The exclusive lock of one source's crawls; `acquire` raises SourceBusyError if held."""

    def __init__(self, data_dir: Path, source: str) -> None:
        self.source = source
        self.path = lock_path(data_dir, source)
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SourceBusyError(self.source, read_holder(self.path)) from None
        self._fd = fd
        _write_holder(fd)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the only descriptor releases the flock
            self._fd = None

    def __enter__(self) -> SourceLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


@contextmanager
def hold_sources(data_dir: Path, sources: Iterable[str]) -> Iterator[None]:
    """Hold the locks of all `sources` (in name order, so two holders cannot deadlock)."""
    with ExitStack() as stack:
        for source in sorted(set(sources)):
            stack.enter_context(SourceLock(data_dir, source))
        yield


def read_holder(path: Path) -> dict[str, object]:
    """Who holds (or last held) the lock: {pid, host, since}, or {} if unknown."""
    try:
        holder = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


def _write_holder(fd: int) -> None:
    holder = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(holder).encode(), 0)
