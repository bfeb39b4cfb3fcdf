"""`armswatch schedule ...`: crawl sources on their `schedule`.

- `sync`: make the job store match the sources' YAML (added, changed, removed);
- `list`: each scheduled source's next run, last run and state;
- `run`: the daemon (stops cleanly on SIGTERM). The policy: `armswatch.scheduler`.

Wired in `armswatch.cli.main` with `app.add_typer(schedule_app, name="schedule")`.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from armswatch import logs
from armswatch.cli import exit_codes
from armswatch.report_schedules import load_report_schedules
from armswatch.scheduler.daemon import Daemon, DaemonOptions, describe_sync
from armswatch.scheduler.jobs import specs_for, sync_jobs
from armswatch.scheduler.overview import ScheduleRow, schedule_overview
from armswatch.scheduler.store import paused_scheduler, schedule_engine
from armswatch.settings import AppSettings
from crawlers.errors import CrawlersError
from crawlers.source_loader import load_all

schedule_app = typer.Typer(
    help="Scheduled crawls: `sync` the sources' schedules, `list` next runs, `run` the daemon.",
    no_args_is_help=True,
)


@schedule_app.command("sync")
def sync() -> None:
    """Apply the sources' `schedule` and `schedule_jitter` to the job store."""
    app = AppSettings.from_env()
    try:
        reports = load_report_schedules(app.reports_dir).values()
        specs = specs_for(load_all(app.sources_dirs).values(), reports)
    except CrawlersError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    engine = schedule_engine(app)
    try:
        with paused_scheduler(engine) as scheduler:
            report = sync_jobs(scheduler, specs)
    finally:
        engine.dispose()
    typer.echo(describe_sync(report))


@schedule_app.command("list")
def list_schedule(
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON document")] = False,
) -> None:
    """Each scheduled source: its schedule (UTC), next run, last run and state."""
    app = AppSettings.from_env()
    engine = schedule_engine(app)
    try:
        rows = schedule_overview(app, engine)
    except CrawlersError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps([_row_json(row) for row in rows], indent=2))
        return
    _print_rows(rows, Console())


@schedule_app.command("run")
def run(
    no_sync: Annotated[
        bool, typer.Option("--no-sync", help="run the job store as it is, without the YAML")
    ] = False,
    workers: Annotated[int, typer.Option(min=1, help="crawls at the same time, at most")] = 8,
    default_budget: Annotated[
        float,
        typer.Option(min=0, help="seconds a crawl of a source without max_duration may take"),
    ] = 6 * 3600,
    kill_grace: Annotated[
        float, typer.Option(min=0, help="seconds from SIGTERM to SIGKILL of a crawl stopped")
    ] = 60,
    poll: Annotated[
        float, typer.Option(min=0.5, help="seconds between looks for job store changes")
    ] = 10,
) -> None:
    """The scheduler daemon: crawls each source on its schedule until SIGTERM."""
    app = AppSettings.from_env()
    logs.configure(app.log_dir, console_level=logging.INFO)
    options = DaemonOptions(
        sync=not no_sync,
        workers=workers,
        poll=poll,
        default_budget=default_budget or None,
        kill_grace=kill_grace,
    )
    try:
        Daemon(app, options).run()
    except CrawlersError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(exit_codes.BAD_INPUT) from None


def _print_rows(rows: list[ScheduleRow], console: Console) -> None:
    if not rows:
        console.print("no scheduled sources (give a source `schedule:`, then `schedule sync`)")
        return
    table = Table("source", "schedule (UTC)", "next run", "last run", "outcome", "state")
    now = datetime.now(UTC)
    for row in rows:
        table.add_row(
            row.source,
            row.schedule,
            _when(row.next_run, now),
            _when(row.last.claimed_at.replace(tzinfo=UTC), now) if row.last else "-",
            (row.last.outcome or "running") if row.last else "-",
            row.state,
        )
    console.print(table)


def _when(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "-"
    seconds = int((moment - now).total_seconds())
    ago = seconds < 0
    minutes, rest = divmod(abs(seconds), 60)
    span = f"{minutes} min" if minutes else f"{rest} s"
    stamp = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return f"{stamp} ({span} ago)" if ago else f"{stamp} (in {span})"


def _row_json(row: ScheduleRow) -> dict[str, Any]:
    last = row.last
    return {
        "source": row.source,
        "schedule": row.schedule,
        "next_run": row.next_run.isoformat() if row.next_run else None,
        "last_run": None
        if last is None
        else {
            "fire": last.fire_key,
            "claimed_at": last.claimed_at.replace(tzinfo=UTC).isoformat(),
            "claimed_by": last.claimed_by,
            "finished_at": last.finished_at.replace(tzinfo=UTC).isoformat()
            if last.finished_at
            else None,
            "outcome": last.outcome,
        },
        "state": row.state,
    }


if __name__ == "__main__":
    schedule_app()
