"""Crawl runs: what each crawl of a source did, kept in `runs.db` under the data directory."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    finish_reason TEXT NOT NULL,
    pages INTEGER NOT NULL,
    listings INTEGER NOT NULL,
    new INTEGER NOT NULL,
    changed INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    duration REAL NOT NULL,
    stats TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_source ON runs (source, started_at);
"""


COMPLETE_REASONS = frozenset({"finished", "closespider_pagecount", "closespider_itemcount"})
# the site (an onion that is down) did not answer: not a failure of the crawl, retried at the
# source's next run; a proxy that is down is a failure of this machine, though. (The values of
# crawlers.network.health and .errors, written out: importing those would import Scrapy.)
UNREACHABLE = "source_unreachable"
PROXY_DOWN = "proxy unavailable"


@dataclass(frozen=True)
class CrawlRun:
    source: str
    started_at: datetime
    finished_at: datetime
    finish_reason: str
    pages: int
    listings: int
    new: int
    changed: int
    errors: int
    bytes: int
    duration: float
    stats: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_stats(cls, source: str, stats: dict[str, Any]) -> CrawlRun:
        started, finished = stats.get("start_time"), stats.get("finish_time")
        started = started or finished or datetime.now().astimezone()
        finished = finished or started
        return cls(
            source=source,
            started_at=started,
            finished_at=finished,
            finish_reason=str(stats.get("finish_reason", "not started")),
            pages=int(stats.get("response_received_count", 0)),
            listings=int(stats.get("armswatch/listings_new", 0))
            + int(stats.get("armswatch/listings_changed", 0))
            + int(stats.get("armswatch/listings_unchanged", 0)),
            new=int(stats.get("armswatch/listings_new", 0)),
            changed=int(stats.get("armswatch/listings_changed", 0)),
            errors=_errors(stats),
            bytes=int(stats.get("downloader/response_bytes", 0)),
            duration=float(stats.get("elapsed_time_seconds", 0.0)),
            stats={key: _jsonable(value) for key, value in stats.items()},
        )

    @property
    def unreachable(self) -> bool:
        """The site did not answer (its onion is down): retried at the next run."""
        return self.finish_reason == UNREACHABLE

    @property
    def unreachable_reason(self) -> str | None:
        reason = self.stats.get("armswatch/unreachable_reason")
        return str(reason) if self.unreachable and reason else None

    @property
    def failed(self) -> bool:
        """The crawl did not run to its end or to one of its configured limits (a site that is
        down is not a failure, a proxy that is down is)."""
        if self.unreachable:
            return self.unreachable_reason == PROXY_DOWN
        return self.finish_reason not in COMPLETE_REASONS


class RunStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(path)
        self.connection.executescript(_SCHEMA)

    def add(self, run: CrawlRun) -> None:
        row = asdict(run)
        row["started_at"] = run.started_at.isoformat()
        row["finished_at"] = run.finished_at.isoformat()
        row["stats"] = json.dumps(run.stats, sort_keys=True)
        columns = ", ".join(row)
        marks = ", ".join(f":{name}" for name in row)
        with self.connection:
            self.connection.execute(f"INSERT INTO runs ({columns}) VALUES ({marks})", row)

    def recent(self, source: str | None = None, limit: int = 20) -> list[CrawlRun]:
        query = "SELECT * FROM runs" + (" WHERE source = ?" if source else "")
        query += " ORDER BY id DESC LIMIT ?"
        params: tuple[Any, ...] = (source, limit) if source else (limit,)
        self.connection.row_factory = sqlite3.Row
        rows = self.connection.execute(query, params).fetchall()
        return [_run_from_row(row) for row in rows]

    def close(self) -> None:
        self.connection.close()


def _run_from_row(row: sqlite3.Row) -> CrawlRun:
    values = dict(row)
    values.pop("id")
    values["started_at"] = datetime.fromisoformat(values["started_at"])
    values["finished_at"] = datetime.fromisoformat(values["finished_at"])
    values["stats"] = json.loads(values["stats"])
    return CrawlRun(**values)


def _errors(stats: dict[str, Any]) -> int:
    """Extraction errors and logged errors; for a site that is down, its retries given up on
    are the reason it is marked unreachable, not errors of their own."""
    errors = int(stats.get("armswatch/extraction_errors", 0))
    if stats.get("finish_reason") != UNREACHABLE:
        errors += int(stats.get("log_count/ERROR", 0))
    return errors


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)
