"""A scheduled pattern report: claimed once in the fire log (however many daemons share the job
store), run in the daemon's own process (it only reads the index) and written to
`<data>/reports/<name>/<UTC time>.<format>`; outputs beyond the schedule's `keep` are deleted,
oldest first. The outcome, as the fire log keeps it, names the file."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from armswatch.actors import pattern_findings
from armswatch.report_schedules import JOB_PREFIX, ReportSchedule, load_report_schedules
from armswatch.scheduler.fires import FireLog
from armswatch.scheduler.firing import CLAIMED_ELSEWHERE
from armswatch.settings import AppSettings
from index.selection import open_index
from intel.patterns import write_findings
from intel.windows import Window

LOG = logging.getLogger("armswatch.scheduler")


def run_report_job(app: AppSettings, fires: FireLog, job_id: str, fire_key: str) -> str:
    """Claim this run of the report schedule `job_id` (report:<name>), run it, record it."""
    if not fires.claim(job_id, fire_key):
        return CLAIMED_ELSEWHERE
    name = job_id.removeprefix(JOB_PREFIX)
    LOG.info("%s: run %s starts", job_id, fire_key)
    try:
        schedule = load_report_schedules(app.reports_dir).get(name)
        if schedule is None:
            outcome = f"not run: {app.reports_dir} has no report schedule {name!r}: sync"
        else:
            path, count = write_scheduled_report(app, schedule, datetime.now(UTC))
            outcome = f"complete: {count} finding(s) in {path}"
    except Exception as error:  # the daemon goes on; the fire log says what failed
        LOG.exception("%s: run %s failed", job_id, fire_key)
        outcome = f"failed: {error}"
    fires.finish(job_id, fire_key, outcome)
    LOG.info("%s: run %s %s", job_id, fire_key, outcome)
    return outcome


def write_scheduled_report(
    app: AppSettings, schedule: ReportSchedule, now: datetime
) -> tuple[Path, int]:
    """Run the schedule's reports over the index for its window up to `now` and write them;
    the file written and the number of findings."""
    index = open_index(app.index_url)
    try:
        # vendors joined into actors: the parts of one kit offered on two markets
        findings = pattern_findings(app, index, schedule.report_names, schedule.since, now)
    finally:
        index.close()
    folder = app.data_dir / "reports" / schedule.name
    path = _new_output(folder, now, schedule.format)
    window = Window.since(schedule.since, now)
    write_findings(findings, path, schedule.format, window=window, names=schedule.report_names)
    _keep_newest(folder, schedule.keep)
    return path, len(findings)


def _new_output(folder: Path, now: datetime, suffix: str) -> Path:
    """`<UTC time>.<suffix>` in `folder`, `<UTC time>-2.<suffix>` ... if a run of the same
    second wrote one already."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    path, number = folder / f"{stamp}.{suffix}", 1
    while path.exists():
        number += 1
        path = folder / f"{stamp}-{number}.{suffix}"
    return path


def _keep_newest(folder: Path, keep: int) -> None:
    outputs = sorted(
        (path for path in folder.iterdir() if path.suffix in (".json", ".csv")),
        key=lambda path: (path.stat().st_mtime_ns, path.name),
    )
    for old in outputs[:-keep]:
        old.unlink()
