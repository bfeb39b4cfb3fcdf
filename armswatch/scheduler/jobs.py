"""Jobs from sources: each source with a `schedule` becomes one job, named after the source;
each enabled report schedule (`armswatch.report_schedules`) one named `report:<name>`.

`sync_jobs` makes the job store match the sources: it adds jobs of newly scheduled sources,
reschedules those whose schedule or jitter changed, removes those of sources gone or no longer
scheduled, and leaves the others alone (their next run stays where it is).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger

from armswatch.report_schedules import ReportSchedule
from armswatch.scheduler.cron import cron_trigger
from armswatch.scheduler.store import JOB_DEFAULTS, JOBS
from crawlers.source import Source

JOB_FUNCTION = "armswatch.scheduler.daemon:run_scheduled"  # by reference: the store keeps it
REPORT_FUNCTION = "armswatch.scheduler.daemon:run_scheduled_report"


@dataclass(frozen=True)
class JobSpec:
    """When a source is crawled: its trigger, and the words that describe it."""

    source: str  # the job's id: the source's name, or report:<name>
    trigger: BaseTrigger
    description: str
    function: str = JOB_FUNCTION

    @property
    def name(self) -> str:
        """The job's name: what `schedule list` shows, and how a change is recognised."""
        return f"{self.source}: {self.description}"


def spec_for(source: Source) -> JobSpec | None:
    if source.schedule is None:
        return None
    jitter = source.schedule_jitter
    description = source.schedule + (f" (jitter {jitter} s)" if jitter else "")
    return JobSpec(source.name, cron_trigger(source.schedule, jitter), description)


def specs_for(sources: Iterable[Source], reports: Iterable[ReportSchedule] = ()) -> list[JobSpec]:
    crawls = [spec for spec in map(spec_for, sources) if spec is not None]
    return crawls + [report_spec(report) for report in reports if report.enabled]


def report_spec(report: ReportSchedule) -> JobSpec:
    jitter = report.schedule_jitter
    description = report.schedule + (f" (jitter {jitter} s)" if jitter else "")
    trigger = cron_trigger(report.schedule, jitter)
    return JobSpec(report.job_id, trigger, description, REPORT_FUNCTION)


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def sync_jobs(scheduler: BaseScheduler, specs: Iterable[JobSpec]) -> SyncReport:
    """Make the persistent job store hold exactly the jobs of `specs` (scheduler started)."""
    report = SyncReport()
    existing = {job.id: job for job in scheduler.get_jobs(jobstore=JOBS)}
    for spec in specs:
        job = existing.pop(spec.source, None)
        if job is None:
            _add(scheduler, spec)
            report.added.append(spec.source)
        elif job.name != spec.name or job.func_ref != spec.function:
            scheduler.remove_job(spec.source, jobstore=JOBS)
            _add(scheduler, spec)
            report.changed.append(spec.source)
        else:
            report.unchanged.append(spec.source)
    for name in sorted(existing):
        scheduler.remove_job(name, jobstore=JOBS)
        report.removed.append(name)
    return report


def _add(scheduler: BaseScheduler, spec: JobSpec) -> None:
    scheduler.add_job(
        spec.function,
        trigger=spec.trigger,
        id=spec.source,
        name=spec.name,
        kwargs={"source": spec.source},
        jobstore=JOBS,
        **JOB_DEFAULTS,
    )


@dataclass(frozen=True)
class ScheduledJob:
    source: str
    description: str
    next_run: datetime | None  # None: paused


def scheduled_jobs(scheduler: BaseScheduler) -> list[ScheduledJob]:
    """The jobs in the persistent store, by source name."""
    jobs = sorted(scheduler.get_jobs(jobstore=JOBS), key=lambda job: job.id)
    return [
        ScheduledJob(job.id, job.name.partition(": ")[2] or job.name, job.next_run_time)
        for job in jobs
    ]
