"""Crawls that did not finish, so the daemon re-runs them at once when it starts.

A crawl writes `<data>/unfinished/<source>.json` when it starts and removes it when its run
ends complete (or the site was unreachable, retried at the next scheduled run). A crawl
killed (with its daemon, by the machine going down) or stopped early (the daemon's SIGTERM, a
failure) leaves it behind. The crash-safe frontier knows this too, better: when
`crawlers.frontier.state` offers `unfinished(data_dir, source) -> bool`, it is asked as well,
and either saying "unfinished" is enough.
"""

from __future__ import annotations

import importlib
import json
import os
import socket
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from armswatch.runs import CrawlRun

FRONTIER_MODULE = "crawlers.frontier.state"  # its `unfinished(data_dir, source) -> bool`


@dataclass(frozen=True)
class Unfinished:
    """A crawl of `source` that started and did not end complete."""

    source: str
    token: str  # names this crawl; the claim of its re-run
    pid: int | None = None
    host: str | None = None
    started_at: str | None = None


def marker_path(data_dir: Path, source: str) -> Path:
    return data_dir / "unfinished" / f"{source}.json"


def mark_started(data_dir: Path, source: str) -> None:
    """Record that a crawl of `source` starts now (written atomically)."""
    path = marker_path(data_dir, source)
    path.parent.mkdir(parents=True, exist_ok=True)
    marker = {
        "token": uuid.uuid4().hex,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(marker), encoding="utf-8")
    partial.replace(path)


def settle(data_dir: Path, runs: Iterable[CrawlRun]) -> None:
    """Remove the marker of each run that ended complete (or found its site down)."""
    for run in runs:
        if not run.failed:
            marker_path(data_dir, run.source).unlink(missing_ok=True)


def read_marker(data_dir: Path, source: str) -> Unfinished | None:
    path = marker_path(data_dir, source)
    try:
        marker = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        marker = {}  # half a file: still a crawl that did not end
    return Unfinished(
        source=source,
        token=str(marker.get("token") or "unreadable"),
        pid=marker.get("pid"),
        host=marker.get("host"),
        started_at=marker.get("started_at"),
    )


def find_unfinished(data_dir: Path, source: str) -> Unfinished | None:
    """The source's last crawl if it did not finish, by its marker or by the frontier."""
    marker = read_marker(data_dir, source)
    if marker is not None:
        return marker
    if frontier_says_unfinished(data_dir, source):
        return Unfinished(source=source, token="frontier")
    return None


def frontier_says_unfinished(data_dir: Path, source: str) -> bool:
    """Ask the crash-safe frontier, once it offers the question (False until then)."""
    try:
        module = importlib.import_module(FRONTIER_MODULE)
    except ImportError:
        return False
    ask = getattr(module, "unfinished", None)
    return bool(ask(data_dir, source)) if callable(ask) else False
