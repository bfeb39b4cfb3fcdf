"""Crawl runs: what each crawl of a source did, kept in `runs.db` under the data directory.

A run records its start and end, how it ended (`finish_reason`), the pages fetched, the
listings seen (new / changed / unchanged) and removed, its error count, the bytes downloaded,
the first error it logged and the full Scrapy stats (from which `error_kinds` reads the errors
by kind). Files written before `removed` and `first_error` existed are upgraded when opened.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from armswatch.run_errors import UNREACHABLE, error_kinds, first_logged_error
from crawlers.anomalies import anomaly_counts

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
    stats TEXT NOT NULL,
    removed INTEGER NOT NULL DEFAULT 0,
    first_error TEXT
);
CREATE INDEX IF NOT EXISTS runs_by_source ON runs (source, started_at);
"""
# columns added since the first runs.db files, added to those when they are opened
_ADDED_COLUMNS = {"removed": "INTEGER NOT NULL DEFAULT 0", "first_error": "TEXT"}

# a run that ended here went through the site, or as far as the source's limits allow
COMPLETE = "finished"
COMPLETE_REASONS = frozenset({COMPLETE, "closespider_pagecount", "closespider_itemcount"})
# limits.max_duration: `failed` (the crawl exits 1, the scheduler re-runs it at start), but a
# run stopped at a limit for its outcome and the source's health (the frontier resumes it)
TIME_LIMIT = "closespider_timeout"
# the site (an onion that is down) did not answer: not a failure of the crawl, retried at the
# source's next run; a proxy that is down is a failure of this machine, though. (The values of
# crawlers.network.health and .errors, written out: importing those would import Scrapy.)
PROXY_DOWN = "proxy unavailable"


@dataclass(frozen=True)
class CrawlRun:
    source: str
    started_at: datetime
    finished_at: datetime
    finish_reason: str
    pages: int
    listings: int  # seen in this run: new + changed + unchanged
    new: int
    changed: int
    errors: int
    bytes: int
    duration: float
    stats: dict[str, Any] = field(default_factory=dict)
    removed: int = 0  # marked removed at the end of this run (not seen for a while)
    first_error: str | None = None

    @classmethod
    def from_stats(
        cls, source: str, stats: dict[str, Any], log_file: Path | None = None
    ) -> CrawlRun:
        """The run of `source` from its Scrapy stats; `log_file` (the JSON-lines log the crawl
        wrote) gives the first error it logged."""
        started, finished = stats.get("start_time"), stats.get("finish_time")
        started = started or finished or datetime.now().astimezone()
        finished = finished or started
        run = cls(
            source=source,
            started_at=started,
            finished_at=finished,
            finish_reason=str(stats.get("finish_reason", "not started")),
            # listing photos are responses too, but no pages (`crawlers.photos`)
            pages=_stat(stats, "response_received_count")
            - _stat(stats, "armswatch/photos/responses"),
            listings=_stat(stats, "armswatch/listings_new")
            + _stat(stats, "armswatch/listings_changed")
            + _stat(stats, "armswatch/listings_unchanged"),
            new=_stat(stats, "armswatch/listings_new"),
            changed=_stat(stats, "armswatch/listings_changed"),
            errors=_errors(stats),
            bytes=_stat(stats, "downloader/response_bytes"),
            duration=float(stats.get("elapsed_time_seconds", 0.0)),
            stats={key: _jsonable(value) for key, value in stats.items()},
            removed=_stat(stats, "armswatch/listings_removed"),
        )
        return run.with_first_error(log_file) if log_file else run

    def with_first_error(self, log_file: Path) -> CrawlRun:
        """This run with the first error it logged in `log_file`, if it had errors or failed
        and none is recorded yet (runs recorded before first errors were)."""
        if self.first_error or not (self.errors or self.failed):
            return self
        first = first_logged_error(log_file, self.source, self.started_at, self.finished_at)
        return replace(self, first_error=first) if first else self

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

    @property
    def outcome(self) -> str:
        """complete, stopped at a limit, unreachable, failed, or nothing fetched (the crawl
        ended, but not a page answered: a clear-web site that is down or refuses us)."""
        if self.failed and self.finish_reason != TIME_LIMIT:
            return "failed"
        if self.unreachable:
            return "unreachable"
        if self.pages == 0:
            return "nothing fetched"
        return "complete" if self.finish_reason == COMPLETE else "stopped at a limit"

    @property
    def error_kinds(self) -> dict[str, int]:
        return error_kinds(self.stats)

    @property
    def anomalies(self) -> dict[str, int]:
        """What the run cut, skipped or gave up on, by kind (`crawlers.anomalies`)."""
        return anomaly_counts(self.stats)

    @property
    def failure_reason(self) -> str | None:
        """Why the run failed or went wrong: how it ended and the first error it logged; None
        for a run without failure or errors."""
        if self.unreachable:
            return f"site unreachable: {self.unreachable_reason or 'no answer'}"
        if not (self.failed or self.errors):
            return None
        parts = [self.finish_reason] if self.failed else []
        access = self.stats.get("armswatch/access/error")
        if access and str(access) != self.first_error:
            parts.append(str(access))
        if self.first_error:
            parts.append(self.first_error)
        return ": ".join(parts) or f"{self.errors} error(s), the first not found in the log"


class RunStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(path, timeout=30)
        self.connection.row_factory = sqlite3.Row
        self.connection.executescript(_SCHEMA)
        _add_missing_columns(self.connection)

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
        """The latest runs, newest first; of one source if given."""
        query = "SELECT * FROM runs" + (" WHERE source = ?" if source else "")
        query += " ORDER BY id DESC LIMIT ?"
        params: tuple[Any, ...] = (source, limit) if source else (limit,)
        rows = self.connection.execute(query, params).fetchall()
        return [_run_from_row(row) for row in rows]

    def sources(self) -> list[str]:
        """Every source with a run recorded, by name."""
        rows = self.connection.execute("SELECT DISTINCT source FROM runs ORDER BY source")
        return [row["source"] for row in rows]

    def close(self) -> None:
        self.connection.close()


def _add_missing_columns(connection: sqlite3.Connection) -> None:
    present = {row["name"] for row in connection.execute("PRAGMA table_info(runs)")}
    with connection:
        for name, definition in _ADDED_COLUMNS.items():
            if name not in present:
                connection.execute(f"ALTER TABLE runs ADD COLUMN {name} {definition}")


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
    errors = _stat(stats, "armswatch/extraction_errors")
    if stats.get("finish_reason") != UNREACHABLE:
        errors += _stat(stats, "log_count/ERROR")
    return errors


def _stat(stats: dict[str, Any], key: str) -> int:
    return int(stats.get(key, 0) or 0)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)
