"""The scheduler and its persistent job store (SQLAlchemy: the data directory's SQLite by
default, any SQLAlchemy URL such as PostgreSQL by `ARMSWATCH_SCHEDULE_DB`).

Jobs are kept under the source's name in the `apscheduler_jobs` table, next to the fire log.
Every job runs with the misfire policy of `armswatch.scheduler` (coalesce, no grace limit, one
instance per daemon). Fire times are UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine, create_engine, event

from armswatch.settings import AppSettings

JOBS = "default"  # the persistent job store: one job per scheduled source
ONCE = "once"  # this daemon's one-off runs (re-runs of unfinished crawls), kept in memory
JOB_DEFAULTS: dict[str, Any] = {
    "coalesce": True,  # runs missed while no daemon ran make one run
    "misfire_grace_time": None,  # ... however late: a missed run is never silently skipped
    "max_instances": 1,  # and a daemon starts no second crawl of a source while one runs
}


_DRIVERLESS_POSTGRES = re.compile(r"^postgres(ql)?://")


def schedule_url(app: AppSettings) -> str:
    """`ARMSWATCH_SCHEDULE_DB`, else the SQLite file `<data>/schedule.db`. A PostgreSQL URL
    that names no driver (`postgresql://`, `postgres://`) uses psycopg 3, which is installed."""
    url = app.schedule_url or f"sqlite:///{app.data_dir / 'schedule.db'}"
    return _DRIVERLESS_POSTGRES.sub("postgresql+psycopg://", url)


def schedule_engine(app: AppSettings) -> Engine:
    """The engine of the schedule database; a SQLite file waits for other writers."""
    url = schedule_url(app)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    path = url.partition(":///")[2]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})
    event.listen(engine, "connect", _sqlite_wal)
    return engine


def _sqlite_wal(connection: Any, _record: Any) -> None:
    """Readers (`schedule list`) do not block a daemon's writes, nor the other way round."""
    connection.execute("PRAGMA journal_mode=WAL")


class FireExecutor(ThreadPoolExecutor):
    """Runs each job in a thread, telling the job function which fire it is (`fire_key`).

    The key is the job's due time as read from the shared job store, before this scheduler
    moves it on: a second daemon that read the same due job gets the same key, so only one of
    them can claim it (`FireLog.claim`). APScheduler 3 does not pass the fire time to jobs.
    """

    def _do_submit_job(self, job: Job, run_times: list[Any]) -> None:
        key = job.kwargs.get("fire_key") or (job.next_run_time or run_times[0]).isoformat()
        super()._do_submit_job(_KeyedJob(job, key), run_times)


class _KeyedJob:
    """The job as handed to the executor, with the fire key among its keyword arguments."""

    def __init__(self, job: Job, fire_key: str) -> None:
        self._job = job
        self.kwargs = {**job.kwargs, "fire_key": fire_key}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._job, name)

    def __str__(self) -> str:
        return str(self._job)


def open_scheduler(engine: Engine, *, workers: int = 8) -> BackgroundScheduler:
    """A scheduler on the job store in `engine`, not started yet."""
    return BackgroundScheduler(
        jobstores={JOBS: SQLAlchemyJobStore(engine=engine), ONCE: MemoryJobStore()},
        executors={"default": FireExecutor(max_workers=workers)},
        job_defaults=JOB_DEFAULTS,
        timezone=UTC,
    )


@contextmanager
def paused_scheduler(engine: Engine) -> Iterator[BackgroundScheduler]:
    """A scheduler that reads and changes the job store but runs nothing (sync, list)."""
    scheduler = open_scheduler(engine, workers=1)
    scheduler.start(paused=True)
    try:
        yield scheduler
    finally:
        scheduler.shutdown(wait=False)
