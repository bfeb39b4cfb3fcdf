"""Crawl runs and source health for the dashboard (`dashboards.ports.crawl_health`).

The same judgement as `armswatch sources status` (`armswatch.health.judge` over each source's
last `HISTORY` runs in `runs.db`), handed over as the port's plain records. The first error
of a run recorded without one is read from the JSON-lines log, as `armswatch runs` does; the
source page's recent errors come from the end of that log.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from armswatch.health import SourceHealth, judge
from armswatch.run_errors import logged_message
from armswatch.runs import CrawlRun, RunStore
from armswatch.settings import AppSettings
from crawlers.errors import SourceConfigError
from crawlers.source import Source
from crawlers.source_loader import load_source, validate_files
from crawlers.yaml_config import yaml_files
from dashboards.ports.crawl_health import LoggedError, RunSummary, SourceStatus

LOG_FILE = "armswatch.jsonl"  # what armswatch.logs.configure writes under the log directory
HISTORY = 50  # runs per source read to judge its health (as `armswatch sources status`)
LOG_TAIL = 4 * 1024 * 1024  # bytes at the end of the log searched for a source's errors
_ERROR_LEVELS = frozenset({"error", "critical"})
_MARKERS = (b'"level": "error"', b'"level": "critical"', b'"extraction_error"')
_MAX_MESSAGE = 500


class RunStoreHealth:
    def __init__(self, app: AppSettings) -> None:
        self.app = app

    @property
    def log_file(self) -> Path:
        return self.app.log_dir / LOG_FILE

    def runs(self, source: str | None = None, limit: int = 50) -> list[RunSummary]:
        with self._store() as store:
            found = store.recent(source, limit=limit) if store else []
        return [summary(run.with_first_error(self.log_file)) for run in found]

    def health(self) -> list[SourceStatus]:
        configured = self._configured()
        with self._store() as store:
            names = sorted({*configured, *(store.sources() if store else [])})
            histories = {name: store.recent(name, HISTORY) if store else [] for name in names}
        return [self._judged(name, histories[name], configured.get(name)) for name in names]

    def source_health(self, source: str) -> SourceStatus | None:
        configured = self._configured()
        with self._store() as store:
            history = store.recent(source, HISTORY) if store else []
        if source not in configured and not history:
            return None
        return self._judged(source, history, configured.get(source))

    def recent_errors(self, source: str, limit: int = 20) -> list[LoggedError]:
        if not self.log_file.is_file():
            return []
        found = [_logged_error(record) for record in _tail_records(self.log_file, LOG_TAIL)]
        mine = [error for error, owner in found if error is not None and owner == source]
        return sorted(mine, key=lambda error: error.time, reverse=True)[:limit]

    def config_problems(self) -> list[str]:
        dirs = self.app.sources_dirs
        missing = [f"{path}: no such directory" for path in dirs if not path.exists()]
        found = validate_files(path for path in dirs if path.exists())
        return missing + [str(problem) for problem in found]

    @contextmanager
    def _store(self) -> Iterator[RunStore | None]:
        if not self.app.runs_db.exists():
            yield None
            return
        store = RunStore(self.app.runs_db)
        try:
            yield store
        finally:
            store.close()

    def _configured(self) -> dict[str, Source]:
        """The valid source definitions by name (an invalid file is left out: see
        `config_problems`)."""
        sources: dict[str, Source] = {}
        for path in yaml_files(path for path in self.app.sources_dirs if path.exists()):
            try:
                source = load_source(path)
            except SourceConfigError:
                continue
            sources.setdefault(source.name, source)
        return sources

    def _judged(self, name: str, history: list[CrawlRun], source: Source | None) -> SourceStatus:
        if history:  # the notes name the last run's failure reason
            history = [history[0].with_first_error(self.log_file), *history[1:]]
        return status(judge(name, history, datetime.now(UTC)), source)


def summary(run: CrawlRun) -> RunSummary:
    return RunSummary(
        source=run.source,
        started_at=run.started_at,
        finished_at=run.finished_at,
        duration=run.duration,
        outcome=run.outcome,
        finish_reason=run.finish_reason,
        pages=run.pages,
        listings=run.listings,
        new=run.new,
        changed=run.changed,
        removed=run.removed,
        errors=run.errors,
        bytes=run.bytes,
        error_kinds=run.error_kinds,
        failure_reason=run.failure_reason,
    )


def status(health: SourceHealth, source: Source | None) -> SourceStatus:
    return SourceStatus(
        source=health.source,
        state=health.state,
        notes=health.notes,
        configured=source is not None,
        market=source.market_name if source else None,
        network=source.network if source else None,
        schedule=source.schedule if source else None,
        last_run=summary(health.last_run) if health.last_run else None,
        last_success=summary(health.last_success) if health.last_success else None,
        usual_listings=health.usual_listings,
        error_runs=health.error_runs,
        rated_runs=health.rated_runs,
    )


def _tail_records(log_file: Path, size: int) -> Iterator[dict[str, Any]]:
    """The JSON records of the last `size` bytes of the log that look like errors."""
    with log_file.open("rb") as file:
        file.seek(0, 2)
        end = file.tell()
        file.seek(max(end - size, 0))
        if end > size:
            file.readline()  # the first line is cut
        for line in file:
            if not any(marker in line for marker in _MARKERS):  # skip parsing most lines
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                yield record


def _logged_error(record: dict[str, Any]) -> tuple[LoggedError | None, str | None]:
    """The error of a log record and the source it names (None: none, or not an error)."""
    level = str(record.get("level", ""))
    if level not in _ERROR_LEVELS and record.get("event") != "extraction_error":
        return None, None
    try:
        logged = datetime.fromisoformat(str(record["time"]))
    except (KeyError, ValueError):
        return None, None
    message = logged_message(record, _MAX_MESSAGE)
    error = LoggedError(logged, level if level in _ERROR_LEVELS else "extraction", message)
    return error, _owner(record)


def _owner(record: dict[str, Any]) -> str | None:
    if "source" in record:
        return str(record["source"])
    spider = str(record.get("spider", ""))  # "<SourceSpider 'demo-forum' at 0x7f...>"
    if spider.count("'") >= 2:
        return spider.split("'")[1]
    return None
