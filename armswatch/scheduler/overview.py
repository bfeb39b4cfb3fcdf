"""What `armswatch schedule list` shows: each scheduled source's next run, its last run, and
whether a crawl of it is running, did not finish (both as its frontier says), or its YAML
schedule awaits a sync."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from armswatch.report_schedules import JOB_PREFIX, load_report_schedules
from armswatch.scheduler.fires import Fire, FireLog
from armswatch.scheduler.jobs import JobSpec, scheduled_jobs, specs_for
from armswatch.scheduler.store import paused_scheduler
from armswatch.settings import AppSettings
from crawlers.frontier.state import FrontierUnreadableError, unfinished
from crawlers.source_loader import load_all


@dataclass(frozen=True)
class ScheduleRow:
    source: str
    schedule: str
    next_run: datetime | None  # None: not in the job store (yet)
    last: Fire | None
    state: str  # running / unfinished / not synced / changed in YAML / ""


def schedule_overview(app: AppSettings, engine: Engine) -> list[ScheduleRow]:
    sources = load_all(app.sources_dirs).values()
    reports = load_report_schedules(app.reports_dir).values()
    wanted = {spec.source: spec for spec in specs_for(sources, reports)}
    fires = FireLog(engine)
    with paused_scheduler(engine) as scheduler:
        jobs = scheduled_jobs(scheduler)
    rows = []
    for job in jobs:
        spec = wanted.pop(job.source, None)
        state = _sync_state(job.description, spec) or crawl_state(app, job.source)
        rows.append(
            ScheduleRow(job.source, job.description, job.next_run, _last(fires, job.source), state)
        )
    for spec in wanted.values():
        rows.append(
            ScheduleRow(
                spec.source, spec.description, None, _last(fires, spec.source), "not synced"
            )
        )
    return sorted(rows, key=lambda row: row.source)


def _sync_state(stored: str, spec: JobSpec | None) -> str:
    if spec is None:
        return "not in the sources: sync removes it"
    return "" if spec.description == stored else f"YAML says {spec.description}: sync"


def crawl_state(app: AppSettings, source: str) -> str:
    if source.startswith(JOB_PREFIX):
        return ""  # a report schedule: no crawl
    try:
        state = unfinished(app.data_dir, source)
    except FrontierUnreadableError:
        return "frontier unreadable: the next crawl starts fresh"
    if state is None:
        return ""
    return f"running (pid {state.pid})" if state.running else "unfinished: re-run on start"


def _last(fires: FireLog, source: str) -> Fire | None:
    recent = fires.recent(source, limit=1)
    return recent[0] if recent else None
