"""Crawl runs and source health, as the dashboard's sources view reads them.

The records are plain views of what the app package judges (`armswatch.runs`,
`armswatch.health`): the dashboard shows them and never judges a source itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class RunSummary:
    """One crawl of a source: how it ended and what it found."""

    source: str
    started_at: datetime
    finished_at: datetime
    duration: float  # seconds
    # complete, stopped at a limit, unreachable, failed, or nothing fetched
    outcome: str
    finish_reason: str
    pages: int
    listings: int  # seen in this run: new + changed + unchanged
    new: int
    changed: int
    removed: int
    errors: int
    bytes: int
    error_kinds: Mapping[str, int] = field(default_factory=dict)
    failure_reason: str | None = None  # why it failed or went wrong, None when it did not


@dataclass(frozen=True)
class SourceStatus:
    """A source's health, judged from its recent runs."""

    source: str
    # broken, failing, stale, unreachable, warning, ok, or never run
    state: str
    notes: tuple[str, ...] = ()  # why the state, one note per finding
    configured: bool = True  # defined under the sources directories (else: runs only)
    market: str | None = None
    network: str | None = None  # clearnet, tor, i2p
    schedule: str | None = None  # cron
    last_run: RunSummary | None = None
    last_success: RunSummary | None = None
    usual_listings: int | None = None  # the median of its earlier successful runs
    error_runs: int = 0  # of the rated runs, those that failed or had errors
    rated_runs: int = 0

    @property
    def alarming(self) -> bool:
        """Broken or failing: someone should look now."""
        return self.state in {"broken", "failing"}

    @property
    def error_rate(self) -> float | None:
        return self.error_runs / self.rated_runs if self.rated_runs else None


@dataclass(frozen=True)
class LoggedError:
    """An error a crawl of the source logged."""

    time: datetime
    level: str  # error, critical, or extraction (a listing field the selectors missed)
    message: str


class CrawlHealth(Protocol):
    def runs(self, source: str | None = None, limit: int = 50) -> list[RunSummary]:
        """The latest crawl runs, newest first; of one source if given."""
        ...

    def health(self) -> list[SourceStatus]:
        """Each source's health (configured or with runs), by name."""
        ...

    def source_health(self, source: str) -> SourceStatus | None:
        """One source's health; None for a name neither configured nor crawled."""
        ...

    def recent_errors(self, source: str, limit: int = 20) -> list[LoggedError]:
        """The errors the source's crawls logged most recently, newest first."""
        ...

    def config_problems(self) -> list[str]:
        """What is wrong in the source definitions (each with file, field and fix)."""
        ...
