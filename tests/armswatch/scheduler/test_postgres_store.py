"""The schedule database on a real PostgreSQL server (`ARMSWATCH_SCHEDULE_DB`): the job store
that `schedule sync` fills and `schedule list` reads, and fire claims won once (claims raced by
many processes and two schedulers on one store: `test_fires_and_jobs.py`, on both databases)."""

from __future__ import annotations

import json
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from armswatch.scheduler.fires import FireLog
from armswatch.scheduler.store import (
    schedule_engine,
    schedule_url,
)
from armswatch.settings import AppSettings
from tests.armswatch.scheduler.conftest import SCHEDULE_CLI, scheduler_env, write_source
from tests.conftest import REPO

FIRE = "2026-11-29T10:00:00+00:00"
RECORDED: list[tuple[str, bool]] = []  # (fire key, claimed) of `record_fire`, in this process
_RECORD_LOCK = threading.Lock()


def _cli(*args: str, data_dir: Path, sources: Path, url: str) -> subprocess.CompletedProcess[str]:
    """`armswatch schedule ARGS` as a user runs it, the schedule database set to `url`."""
    env = {**scheduler_env(data_dir, sources), "ARMSWATCH_SCHEDULE_DB": url}
    done = subprocess.run(
        [*SCHEDULE_CLI, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _listed(data_dir: Path, sources: Path, url: str) -> dict[str, dict[str, Any]]:
    rows = json.loads(_cli("list", "--json", data_dir=data_dir, sources=sources, url=url).stdout)
    return {row["source"]: row for row in rows}


def _stored_jobs(url: str) -> dict[str, datetime]:
    """The job store's rows, read with SQL: source name -> next run."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, next_run_time FROM apscheduler_jobs"))
            return {job: datetime.fromtimestamp(due, UTC) for job, due in rows}
    finally:
        engine.dispose()


def test_sync_and_list_keep_the_jobs_in_postgresql(tmp_path: Path, postgres_url: str) -> None:
    data, sources = tmp_path / "data", tmp_path / "sources"
    forum = write_source(sources, "forum", "http://127.0.0.1:9", schedule="0 3 * * *")
    added = _cli("sync", data_dir=data, sources=sources, url=postgres_url)
    assert added.stdout.strip() == "added demo-forum"
    first = _stored_jobs(postgres_url)
    assert list(first) == ["demo-forum"]
    assert (first["demo-forum"].hour, first["demo-forum"].minute) == (3, 0)
    listed = _listed(data, sources, postgres_url)["demo-forum"]
    assert (listed["schedule"], listed["state"], listed["last_run"]) == ("0 3 * * *", "", None)
    assert datetime.fromisoformat(listed["next_run"]) == first["demo-forum"]

    write_source(sources, "forum", "http://127.0.0.1:9", schedule="30 4 * * *")
    stale = _listed(data, sources, postgres_url)["demo-forum"]
    assert stale["state"] == "YAML says 30 4 * * *: sync"
    changed = _cli("sync", data_dir=data, sources=sources, url=postgres_url)
    assert changed.stdout.strip() == "changed demo-forum"
    second = _stored_jobs(postgres_url)["demo-forum"]
    assert (second.hour, second.minute) == (4, 30)
    listed = _listed(data, sources, postgres_url)["demo-forum"]
    assert (listed["schedule"], listed["state"]) == ("30 4 * * *", "")

    forum.unlink()
    removed = _cli("sync", data_dir=data, sources=sources, url=postgres_url)
    assert removed.stdout.strip() == "removed demo-forum"
    assert _stored_jobs(postgres_url) == {}
    assert not (data / "schedule.db").exists()  # nothing went to the default SQLite file


def _settings(url: str, data_dir: Path) -> AppSettings:
    return AppSettings(data_dir=data_dir, index_url="", sources_dirs=(), schedule_url=url)


def test_a_url_without_a_driver_uses_psycopg(tmp_path: Path) -> None:
    for given in ("postgresql://db.example/armswatch", "postgres://db.example/armswatch"):
        assert (
            schedule_url(_settings(given, tmp_path)) == "postgresql+psycopg://db.example/armswatch"
        )
    sqlite = f"sqlite:///{tmp_path / 'schedule.db'}"
    assert schedule_url(_settings("", tmp_path)) == sqlite


def test_a_fire_claimed_from_two_engines_is_won_once(tmp_path: Path, postgres_url: str) -> None:
    engines = [schedule_engine(_settings(postgres_url, tmp_path)) for _ in range(2)]
    first, second = (FireLog(engine) for engine in engines)
    try:
        assert first.claim("demo-forum", FIRE)
        assert not second.claim("demo-forum", FIRE)
        assert second.claim("demo-forum", "2026-11-29T11:00:00+00:00")  # another fire
        first.finish("demo-forum", FIRE, "ok")
        fires = {fire.fire_key: fire for fire in second.recent("demo-forum")}
    finally:
        for engine in engines:
            engine.dispose()
    won = fires[FIRE]
    assert (won.outcome, set(fires)) == ("ok", {FIRE, "2026-11-29T11:00:00+00:00"})
    assert won.finished_at is not None and won.finished_at.tzinfo is None  # naive UTC, as SQLite
    assert abs(datetime.now(UTC) - won.claimed_at.replace(tzinfo=UTC)) < timedelta(minutes=1)
