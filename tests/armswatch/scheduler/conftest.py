"""Demo sites on free ports, sources pointing at them, and the scheduler CLI as a subprocess."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from apscheduler.triggers.interval import IntervalTrigger

from armswatch.demo.server import DEFAULT_PORTS, DemoSites
from armswatch.runs import CrawlRun, RunStore
from armswatch.scheduler.fires import Fire, FireLog
from armswatch.scheduler.jobs import JobSpec, sync_jobs
from armswatch.scheduler.store import paused_scheduler, schedule_engine
from armswatch.settings import AppSettings
from tests.conftest import REPO, armswatch_env

if TYPE_CHECKING:
    from tests.postgres_server import PostgresServer

# the schedule commands; `python -m armswatch schedule` once the sub-app is registered
SCHEDULE_CLI = [sys.executable, "-m", "armswatch", "schedule"]


def write_source(directory: Path, site: str, base_url: str, **changes: Any) -> Path:
    """The repo's `demo-<site>.yaml`, pointed at `base_url`, with top-level keys changed
    (`limits={...}` and `rate_limit={...}` are merged into the source's own)."""
    source = yaml.safe_load((REPO / "sources" / f"demo-{site}.yaml").read_text(encoding="utf-8"))
    default = f"http://127.0.0.1:{DEFAULT_PORTS[site]}"
    source["start_urls"] = [url.replace(default, base_url) for url in source["start_urls"]]
    for key, value in changes.items():
        merged = {**source.get(key, {}), **value} if isinstance(value, dict) else value
        source[key] = merged
        if value is None:
            source.pop(key)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{source['name']}.yaml"
    path.write_text(yaml.safe_dump(source, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def demo_forum() -> Iterator[DemoSites]:
    """The demo forum on a free port."""
    with DemoSites(ports={"forum": 0}, sites=["forum"]) as sites:
        yield sites


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throw-away PostgreSQL server for the session; without one the tests fail, not skip."""
    from tests.postgres_server import PostgresMissingError, PostgresServer

    try:
        server = PostgresServer()
    except PostgresMissingError as error:
        pytest.fail(str(error), pytrace=False)
    with server:
        yield server


_DATABASES = itertools.count(1)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A new, empty database on the test server: its `postgresql+psycopg://` URL."""
    return postgres_server.create_database(f"test_{next(_DATABASES)}")


def schedule(data_dir: Path, *specs: JobSpec) -> None:
    """Put these jobs (and only these) in the data directory's job store."""
    app = AppSettings(data_dir=data_dir, index_url="sqlite:///unused.db", sources_dirs=())
    engine = schedule_engine(app)
    with paused_scheduler(engine) as scheduler:
        sync_jobs(scheduler, specs)
    engine.dispose()


def every(source: str, seconds: float, first_in: float = 1.0) -> JobSpec:
    """A job of `source` every few seconds (cron's minute is too long for a test)."""
    start = datetime.now(UTC) + timedelta(seconds=first_in)
    return JobSpec(source, IntervalTrigger(seconds=seconds, start_date=start), f"every {seconds} s")


def fire_log(data_dir: Path) -> list[Fire]:
    app = AppSettings(data_dir=data_dir, index_url="sqlite:///unused.db", sources_dirs=())
    engine = schedule_engine(app)
    try:
        return FireLog(engine).recent(limit=10_000)
    finally:
        engine.dispose()


def crawl_runs(data_dir: Path, source: str | None = None) -> list[CrawlRun]:
    """The runs recorded, oldest first."""
    if not (data_dir / "runs.db").exists():
        return []
    store = RunStore(data_dir / "runs.db")
    try:
        return list(reversed(store.recent(source, limit=10_000)))
    finally:
        store.close()


def crawl_story(data_dir: Path, source: str, lines: int = 60) -> str:
    """What a failed assertion on a scheduled crawl should show: its recorded runs and the end
    of its log (without Scrapy's deprecation warnings)."""
    runs = [
        f"{run.finish_reason} after {run.duration:.1f} s, pages={run.pages} "
        f"errors={run.errors} first error: {run.first_error}"
        for run in crawl_runs(data_dir, source)
    ]
    log = data_dir / "logs" / "crawls" / f"{source}.log"
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else "(no log)"
    kept = [line for line in text.splitlines() if line.strip() and not _is_noise(line)]
    return f"{source} runs: {runs}\n" + "\n".join(kept[-lines:])


def _is_noise(line: str) -> bool:
    return "Deprecat" in line or "awaitable" in line


def scheduler_env(data_dir: Path, sources_dir: Path) -> dict[str, str]:
    env = armswatch_env(data_dir, {"ARMSWATCH_SOURCES": str(sources_dir)})
    env.pop("ARMSWATCH_SCHEDULE_DB", None)
    return env


def set_env(monkeypatch: pytest.MonkeyPatch, data_dir: Path, sources_dir: Path) -> None:
    """This process's settings (and its crawl children's) for a test's data and sources."""
    for name, value in scheduler_env(data_dir, sources_dir).items():
        if name.startswith("ARMSWATCH_"):
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("ARMSWATCH_INDEX", raising=False)
    monkeypatch.delenv("ARMSWATCH_SCHEDULE_DB", raising=False)


class DaemonProcess:
    """`schedule run` in a subprocess, its output in a log file."""

    def __init__(
        self,
        data_dir: Path,
        sources_dir: Path,
        *args: str,
        name: str = "daemon",
        env: dict[str, str] | None = None,
    ) -> None:
        self.log = data_dir.parent / f"{name}.log"
        self._log_file = self.log.open("ab")
        self.process = subprocess.Popen(
            [*SCHEDULE_CLI, "run", *args],
            cwd=REPO,
            env={**scheduler_env(data_dir, sources_dir), **(env or {})},
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def signal(self, number: int) -> None:
        self.process.send_signal(number)

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, and the exit code once it has ended."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        self._log_file.close()
        return code

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        self._log_file.close()


def wait_for(check: Callable[[], Any], timeout: float, what: str, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"waited {timeout:.0f} s for {what}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return status.rpartition(")")[2].split()[0] == "Z"
