"""The job store follows the sources; each fire is claimed once, however many daemons fire it."""

from __future__ import annotations

import multiprocessing
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, insert

from armswatch.scheduler.fires import FIRES, LOST, FireLog, this_process
from armswatch.scheduler.jobs import JobSpec, scheduled_jobs, spec_for, sync_jobs
from armswatch.scheduler.store import (
    JOB_DEFAULTS,
    JOBS,
    open_scheduler,
    paused_scheduler,
    schedule_engine,
)
from armswatch.settings import AppSettings
from crawlers.source_loader import load_source
from tests.conftest import REPO

RECORDED: list[tuple[str, bool]] = []  # (fire key, claimed) of `record_fire`, in this process
_RECORD_LOCK = threading.Lock()


def _app(tmp_path: Path) -> AppSettings:
    return AppSettings(data_dir=tmp_path, index_url="sqlite:///unused.db", sources_dirs=())


def _spec(name: str, expression: str, jitter: int = 0) -> JobSpec:
    source = load_source(REPO / "sources" / "demo-forum.yaml").model_copy(
        update={"name": name, "schedule": expression, "schedule_jitter": jitter}
    )
    spec = spec_for(source)
    assert spec is not None
    return spec


def test_sync_adds_keeps_reschedules_and_removes_jobs(tmp_path: Path) -> None:
    engine = schedule_engine(_app(tmp_path))
    with paused_scheduler(engine) as scheduler:
        first = sync_jobs(scheduler, [_spec("a", "0 * * * *"), _spec("b", "0 3 * * 0")])
        before = {job.source: job for job in scheduled_jobs(scheduler)}
    with paused_scheduler(engine) as scheduler:
        second = sync_jobs(scheduler, [_spec("a", "0 * * * *"), _spec("c", "*/5 * * * *", 60)])
        after = {job.source: job for job in scheduled_jobs(scheduler)}
    with paused_scheduler(engine) as scheduler:
        third = sync_jobs(scheduler, [_spec("a", "30 * * * *"), _spec("c", "*/5 * * * *", 60)])
    assert (first.added, first.removed) == (["a", "b"], [])
    assert (second.added, second.unchanged, second.removed) == (["c"], ["a"], ["b"])
    assert (third.changed, third.unchanged) == (["a"], ["c"])
    assert after["a"].next_run == before["a"].next_run  # left alone
    assert after["c"].description == "*/5 * * * * (jitter 60 s)"
    assert before["b"].next_run is not None and before["b"].next_run.strftime("%a") == "Sun"


@pytest.fixture(params=["sqlite", "postgresql"])
def schedule_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A schedule database's URL: the data directory's SQLite file, or a new database on the
    test PostgreSQL server."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'schedule.db'}"


def _engine(url: str) -> Engine:
    return schedule_engine(
        AppSettings(data_dir=Path("unused"), index_url="", sources_dirs=(), schedule_url=url)
    )


def _claim(url: str) -> bool:
    """A claim from an engine of its own (and a process of its own, in a pool)."""
    engine = _engine(url)
    try:
        return FireLog(engine).claim("demo-forum", "2026-11-29T10:00:00+00:00")
    finally:
        engine.dispose()


def test_a_fire_claimed_by_many_processes_at_once_is_theirs_once(schedule_db: str) -> None:
    engine = _engine(schedule_db)
    FireLog(engine)  # the table, made before the race
    engine.dispose()
    with multiprocessing.get_context("fork").Pool(6) as pool:
        claims = pool.map(_claim, [schedule_db] * 12)
    assert sorted(claims) == [False] * 11 + [True]


def test_claims_of_a_process_that_died_are_closed_as_lost(tmp_path: Path) -> None:
    fires = FireLog(schedule_engine(_app(tmp_path)))
    dead = subprocess.Popen(["true"])
    dead.wait()
    host = this_process().rpartition(":")[0]
    row = {"source": "s", "fire_key": "k", "claimed_at": datetime.now(), "claimed_by": ""}
    with fires.engine.begin() as connection:
        connection.execute(insert(FIRES).values({**row, "claimed_by": f"{host}:{dead.pid}"}))
    assert fires.claim("s", "mine")
    assert fires.mark_lost() == 1
    outcomes = {fire.fire_key: fire.outcome for fire in fires.recent("s")}
    assert outcomes == {"k": LOST, "mine": None}  # this process is alive: its claim stays


def record_fire(url: str, fire_key: str = "") -> None:
    """A job that claims its fire, as `run_scheduled` does, and records the answer."""
    claimed = _claim_fire(url, fire_key)
    with _RECORD_LOCK:
        RECORDED.append((fire_key, claimed))


def _claim_fire(url: str, fire_key: str) -> bool:
    engine = _engine(url)
    try:
        return FireLog(engine).claim("job", fire_key)
    finally:
        engine.dispose()


@pytest.mark.timeout(60)
def test_two_schedulers_on_one_job_store_run_each_fire_once(schedule_db: str) -> None:
    engine = _engine(schedule_db)
    FireLog(engine)
    start = datetime.now(UTC) + timedelta(seconds=1)
    with paused_scheduler(engine) as scheduler:
        scheduler.add_job(
            f"{__name__}:record_fire",
            IntervalTrigger(seconds=1, start_date=start),
            id="job",
            kwargs={"url": schedule_db},
            jobstore=JOBS,
            **JOB_DEFAULTS,
        )
    RECORDED.clear()
    engines = [_engine(schedule_db) for _ in range(2)]
    schedulers = [open_scheduler(each) for each in engines]
    for scheduler in schedulers:
        scheduler.start()
    time.sleep(6.5)
    for scheduler in schedulers:
        scheduler.shutdown(wait=True)
    for each in [engine, *engines]:
        each.dispose()
    claimed = [key for key, ok in RECORDED if ok]
    assert len(claimed) == len(set(claimed)) >= 4  # each second's fire ran, once
    assert len(claimed) <= 8
    assert {key for key, _ in RECORDED} == set(claimed)  # a fire refused was run elsewhere
