"""`armswatch runs [SOURCE]` lists crawl runs; `armswatch sources status` judges each source's
health from its runs (see armswatch.health) and exits 1 when one looks broken or failing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from armswatch.cli import exit_codes
from armswatch.health import HealthRules, SourceHealth, judge
from armswatch.runs import CrawlRun, RunStore
from armswatch.settings import AppSettings
from crawlers.errors import CrawlersError
from crawlers.source_loader import load_all

LOG_FILE = "armswatch.jsonl"  # what armswatch.logs.configure writes under the log directory
HISTORY = 50  # runs per source read to judge its health
_STATE_STYLE = {
    "broken": "bold red",
    "failing": "bold red",
    "stale": "yellow",
    "unreachable": "yellow",
    "warning": "yellow",
    "ok": "green",
    "never run": "dim",
}
_OUTCOME_STYLE = {
    "failed": "red",
    "nothing fetched": "red",
    "unreachable": "yellow",
    "stopped at a limit": "cyan",
}


def runs(
    source: Annotated[str | None, typer.Argument(help="only this source's runs")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="runs to show")] = 20,
) -> None:
    """List crawl runs, newest first: outcome, pages, listings, errors by kind, failure reason."""
    app = AppSettings.from_env()
    found = _read_runs(app, source, limit)
    if not found:
        if source and source not in _configured(app):
            typer.echo(f"no source named {source!r} and no run of it recorded", err=True)
            raise typer.Exit(exit_codes.BAD_INPUT)
        typer.echo(f"no crawl run recorded{f' for {source}' if source else ''}")
        return
    Console().print(_runs_table(found))


def sources_status(
    names: Annotated[
        list[str] | None, typer.Argument(help="sources to check; default: every source")
    ] = None,
    stale_days: Annotated[
        float, typer.Option(min=0, help="days without a successful run before a source is stale")
    ] = 7.0,
) -> None:
    """Each source's last success, error rate and whether it looks broken (its selectors no
    longer match), failing or stale; exit 1 if any source is broken or failing."""
    app = AppSettings.from_env()
    configured = _configured(app)
    histories = _histories(app, names, configured)
    unknown = [name for name in names or [] if name not in configured and not histories[name]]
    if unknown:
        typer.echo(f"no source named {', '.join(map(repr, unknown))} and no runs", err=True)
        raise typer.Exit(exit_codes.BAD_INPUT)
    rules = HealthRules(stale_after=timedelta(days=stale_days))
    now = datetime.now(UTC)
    health = [judge(name, history, now, rules) for name, history in sorted(histories.items())]
    Console().print(_status_table(health, now))
    alarming = [f"{source.source} ({source.state})" for source in health if source.alarming]
    if alarming:
        typer.echo(f"needs attention: {', '.join(alarming)}", err=True)
        raise typer.Exit(exit_codes.FAILED)


def _configured(app: AppSettings) -> list[str]:
    try:
        return list(load_all(app.sources_dirs))
    except CrawlersError as error:  # an invalid file: `armswatch sources validate` says more
        typer.echo(f"warning: {error}", err=True)
        return []


def _read_runs(app: AppSettings, source: str | None, limit: int) -> list[CrawlRun]:
    if not app.runs_db.exists():
        return []
    store = RunStore(app.runs_db)
    try:
        return _with_first_errors(store.recent(source, limit), app)
    finally:
        store.close()


def _with_first_errors(found: list[CrawlRun], app: AppSettings) -> list[CrawlRun]:
    """Runs recorded without their first error get it from the log, while it is there."""
    return [run.with_first_error(app.log_dir / LOG_FILE) for run in found]


def _histories(
    app: AppSettings, names: list[str] | None, configured: list[str]
) -> dict[str, list[CrawlRun]]:
    """The recent runs of the named sources, or of every source configured or with runs."""
    if not app.runs_db.exists():
        return {name: [] for name in names or configured}
    store = RunStore(app.runs_db)
    try:
        wanted = names or sorted({*configured, *store.sources()})
        return {name: _with_first_errors(store.recent(name, HISTORY), app) for name in wanted}
    finally:
        store.close()


def _runs_table(found: Sequence[CrawlRun]) -> Table:
    table = Table("source", "started", "seconds", "outcome", "pages", "listings", "new")
    for name in ("changed", "removed", "errors", "anomalies", "MB"):
        table.add_column(name, justify="right")
    table.add_column("errors by kind · anomalies by kind · failure reason", overflow="fold")
    for run in found:
        table.add_row(
            escape(run.source),
            _time(run.started_at),
            f"{run.duration:.1f}",
            _outcome(run),
            str(run.pages),
            str(run.listings),
            str(run.new),
            str(run.changed),
            str(run.removed),
            str(run.errors),
            str(sum(run.anomalies.values())),
            f"{run.bytes / 1e6:.1f}",
            escape(_what_went_wrong(run)),
        )
    return table


def _outcome(run: CrawlRun) -> str:
    style = _OUTCOME_STYLE.get(run.outcome, "green")
    if run.outcome == "complete":
        return f"[{style}]{run.outcome}"
    return f"[{style}]{run.outcome} ({escape(run.unreachable_reason or run.finish_reason)})"


def _what_went_wrong(run: CrawlRun) -> str:
    kinds = ", ".join(f"{kind} {count}" for kind, count in run.error_kinds.items())
    anomalies = ", ".join(f"{kind} {count}" for kind, count in sorted(run.anomalies.items()))
    reason = run.failure_reason
    return " · ".join(part for part in (kinds, anomalies and f"cut: {anomalies}", reason) if part)


def _status_table(health: Sequence[SourceHealth], now: datetime) -> Table:
    table = Table("source", "state", "last run", "last success", "listings (usual)")
    table.add_column("error rate", justify="right")
    table.add_column("notes", overflow="fold")
    for source in health:
        last = source.last_run
        table.add_row(
            escape(source.source),
            f"[{_STATE_STYLE[source.state]}]{source.state}",
            f"{_ago(last.finished_at, now)}, {last.outcome}" if last else "-",
            _ago(source.last_success.finished_at, now) if source.last_success else "never",
            _listings(source),
            _error_rate(source),
            escape("\n".join(source.notes)),
        )
    return table


def _listings(source: SourceHealth) -> str:
    if source.last_run is None:
        return "-"
    usual = f" (~{source.usual_listings})" if source.usual_listings is not None else ""
    return f"{source.last_run.listings}{usual}"


def _error_rate(source: SourceHealth) -> str:
    if source.error_rate is None:
        return "-"
    return f"{source.error_runs}/{source.rated_runs} ({source.error_rate:.0%})"


def _time(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _ago(moment: datetime, now: datetime) -> str:
    seconds = max((now - moment).total_seconds(), 0)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit} ago"
    return f"{seconds:.0f} s ago"
