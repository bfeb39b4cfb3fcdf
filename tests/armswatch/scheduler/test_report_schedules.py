"""Scheduled pattern reports: `reports/*.yaml` validated with file-and-field errors, stored as
jobs by `schedule sync`, run once per fire however many daemons run, written to the data
directory with old outputs pruned; and the daemon runs one on its schedule."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from armswatch.report_schedules import ReportConfigError, load_report_schedules
from armswatch.scheduler.fires import FireLog
from armswatch.scheduler.jobs import REPORT_FUNCTION, JobSpec, specs_for, sync_jobs
from armswatch.scheduler.report_runs import run_report_job
from armswatch.scheduler.store import paused_scheduler, schedule_engine
from armswatch.settings import AppSettings
from crawlers.listing import Annotations, Listing, Vendor
from index.selection import open_index
from tests.armswatch.scheduler.conftest import DaemonProcess, fire_log, schedule, wait_for

NOW = datetime.now(UTC).replace(microsecond=0)
WEEKLY = """name: weekly
reports: [separate_parcels, new_vendors]
since: 30d
schedule: "0 6 * * 1"
keep: 2
"""


def _parcels_listing(number: int) -> Listing:
    seen = NOW - timedelta(days=2)
    return Listing(
        id=f"lst-{number}",
        source="demo-market",
        market="Demo Market",
        url=f"http://127.0.0.1:9/listing/{number}",
        title=f"Glock 17 slide and frame set {number}",
        description="Frame and slide go out in separate parcels by post.",
        vendor=Vendor(handle="partsdepot"),
        first_seen=seen,
        last_seen=seen,
        captured_at=seen,
        annotations=Annotations(firearm_related=True, category="essential_component", score=0.9),
    )


def _app(tmp_path: Path) -> AppSettings:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    index_url = f"sqlite:///{data / 'armswatch.db'}"
    index = open_index(index_url)
    try:
        index.upsert([_parcels_listing(1), _parcels_listing(2)])
    finally:
        index.close()
    reports = tmp_path / "reports"
    reports.mkdir(exist_ok=True)
    (reports / "weekly.yaml").write_text(WEEKLY, encoding="utf-8")
    return AppSettings(data_dir=data, index_url=index_url, sources_dirs=(), reports_dir=reports)


def test_a_report_schedule_file_is_validated_field_by_field(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "name: Weekly Arms\nreports: [separate_parcel]\nsince: 30 days\nschedule: every monday\n",
        encoding="utf-8",
    )
    with pytest.raises(ReportConfigError) as raised:
        load_report_schedules(tmp_path)
    message = str(raised.value)
    for field in ("name", "reports", "since", "schedule"):
        assert f"{field}:" in message
    assert "bad.yaml" in message and "separate_parcels" in message  # the known names


def test_enabled_report_schedules_become_jobs_of_their_own(tmp_path: Path) -> None:
    app = _app(tmp_path)
    (app.reports_dir / "paused.yaml").write_text(
        "name: paused\nenabled: false\nschedule: '0 6 * * *'\n", encoding="utf-8"
    )
    specs = specs_for([], load_report_schedules(app.reports_dir).values())
    assert [(spec.source, spec.function) for spec in specs] == [("report:weekly", REPORT_FUNCTION)]
    engine = schedule_engine(app)
    try:
        with paused_scheduler(engine) as scheduler:
            assert sync_jobs(scheduler, specs).added == ["report:weekly"]
            [job] = scheduler.get_jobs()
            assert job.func_ref == REPORT_FUNCTION and job.kwargs == {"source": "report:weekly"}
            assert (job.next_run_time.weekday(), job.next_run_time.hour) == (0, 6)
    finally:
        engine.dispose()


def test_a_report_run_is_claimed_once_written_and_old_outputs_pruned(tmp_path: Path) -> None:
    app = _app(tmp_path)
    engine = schedule_engine(app)
    fires = FireLog(engine)
    try:
        outcome = run_report_job(app, fires, "report:weekly", "fire-1")
        assert outcome.startswith("complete: 2 finding(s) in ")
        written = Path(outcome.rpartition(" in ")[2])
        document = json.loads(written.read_text(encoding="utf-8"))
        [finding] = [f for f in document["findings"] if f["report"] == "separate_parcels"]
        assert sorted(finding["listing_ids"]) == ["lst-1", "lst-2"]
        assert run_report_job(app, fires, "report:weekly", "fire-1").startswith("skipped")
        for key in ("fire-2", "fire-3"):
            old = written.parent / f"19990101T00000{key[-1]}Z.json"  # a run of long ago
            old.write_text("{}")
            os.utime(old, (915148800, 915148800))
            run_report_job(app, fires, "report:weekly", key)
        kept = sorted(path.name for path in written.parent.iterdir())
        assert len(kept) == 2 and not [name for name in kept if name.startswith("1999")]
        assert [fire.outcome for fire in fires.recent("report:weekly", limit=5)][-1] == outcome
    finally:
        engine.dispose()


def test_a_report_schedule_gone_from_the_directory_says_so(tmp_path: Path) -> None:
    app = _app(tmp_path)
    engine = schedule_engine(app)
    try:
        outcome = run_report_job(app, FireLog(engine), "report:monthly", "fire-1")
    finally:
        engine.dispose()
    assert outcome.startswith("not run:") and "'monthly'" in outcome


@pytest.mark.slow
@pytest.mark.timeout(200)
def test_the_daemon_runs_a_report_on_its_schedule(tmp_path: Path) -> None:
    app = _app(tmp_path)
    start = datetime.now(UTC) + timedelta(seconds=1)
    trigger = IntervalTrigger(seconds=3, start_date=start)
    schedule(app.data_dir, JobSpec("report:weekly", trigger, "every 3 s", REPORT_FUNCTION))
    daemon = DaemonProcess(
        app.data_dir, tmp_path / "sources", "--no-sync", "--poll", "1",
        env={"ARMSWATCH_REPORTS": str(app.reports_dir), "ARMSWATCH_INDEX": app.index_url},
    )  # fmt: skip
    folder = app.data_dir / "reports" / "weekly"
    try:
        wait_for(lambda: folder.is_dir() and len(list(folder.iterdir())) >= 2, 150, "two runs")
    finally:
        assert daemon.stop(timeout=60) == 0, daemon.output()
    outcomes = [fire.outcome or "" for fire in fire_log(app.data_dir)]
    assert outcomes and all(outcome.startswith("complete: 2 finding") for outcome in outcomes)
