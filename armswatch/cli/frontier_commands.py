"""`armswatch frontier ...`: a source's crash-safe frontier, the crawl it keeps between runs.

- `show SOURCE`: the crawl's state (running, stopped, killed, unreachable, complete, reset),
  when it started, its runs, its requests, and whether the next crawl resumes it;
- `reset SOURCE`: discard the open crawl, so that the next one starts fresh (exit 75 if the
  source is being crawled; asks first unless `--yes`).

Wired in `armswatch.cli.main` with `app.add_typer(frontier_app, name="frontier")`.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from armswatch.cli import exit_codes
from armswatch.scheduler.locks import SourceBusyError, SourceLock
from armswatch.settings import AppSettings
from crawlers.errors import CrawlersError
from crawlers.frontier.settings import frontier_path, source_key
from crawlers.frontier.state import FrontierState, FrontierUnreadableError, frontier_state
from crawlers.frontier.store import FrontierBusyError, FrontierStore
from crawlers.source import Source
from crawlers.source_loader import load_all

frontier_app = typer.Typer(
    help="A source's crash-safe frontier: `show` its crawl, `reset` it to start afresh.",
    no_args_is_help=True,
)
SourceArgument = Annotated[str, typer.Argument(help="the source's name")]
_STATUS_TEXT = {
    "running": "being crawled",
    "killed": "unfinished: its last run was killed",
    "stopped": "unfinished: its last run stopped early",
    "unreachable": "waiting: its site did not answer; retried at its next scheduled run",
    "complete": "complete",
    "reset": "reset by hand",
}


@frontier_app.command("show")
def show(
    source: SourceArgument,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON document")] = False,
) -> None:
    """The source's crawl as its frontier keeps it: state, started, runs, requests."""
    app = AppSettings.from_env()
    known = _known_source(app, source)
    state = _read_state(app, source)
    next_crawl = _next_crawl(state, known)
    if as_json:
        typer.echo(json.dumps(_state_json(source, app, state, next_crawl), indent=2))
        return
    _print_state(source, state, next_crawl, Console(soft_wrap=True))


@frontier_app.command("reset")
def reset(
    source: SourceArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask for confirmation")] = False,
) -> None:
    """Discard the source's open crawl: its next crawl starts fresh.

    Refused (exit 75) while the source is being crawled; asks first unless --yes.
    """
    app = AppSettings.from_env()
    _known_source(app, source)
    state = _read_state(app, source)
    if state is None or not state.open:
        typer.echo(f"{source}: no open crawl, nothing to reset")
        return
    if state.running:
        _refuse_busy(f"{source} is being crawled (pid {state.pid} on {state.host})")
    question = (
        f"Discard the open crawl of {source} ({state.pending + state.in_flight} requests"
        f" pending, {state.seen} seen, {state.runs} run(s))? Its next crawl starts fresh."
    )
    if not yes and not typer.confirm(question, default=False):
        typer.echo("not reset", err=True)
        raise typer.Exit(exit_codes.FAILED)
    _discard(app, source)
    typer.echo(f"{source}: crawl discarded; the next crawl starts fresh")


def _known_source(app: AppSettings, name: str) -> Source | None:
    """The source called `name`; None if it is gone from the YAML but has a frontier left.
    Exits 2 for a name that is neither."""
    try:
        sources = load_all(app.sources_dirs)
    except CrawlersError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    if name in sources:
        return sources[name]
    is_file_name = name == Path(name).name and not name.startswith(".")
    if is_file_name and frontier_path(name, app.data_dir).exists():
        return None
    typer.echo(f"no source named {name!r} and no frontier of it", err=True)
    raise typer.Exit(exit_codes.BAD_INPUT)


def _read_state(app: AppSettings, source: str) -> FrontierState | None:
    try:
        return frontier_state(app.data_dir, source)
    except FrontierUnreadableError as error:
        typer.echo(f"{error}; the next crawl sets it aside and starts fresh", err=True)
        raise typer.Exit(exit_codes.FAILED) from None


def _discard(app: AppSettings, source: str) -> None:
    """Reset the frontier under the source's lock and the frontier's own: no crawl meanwhile."""
    try:
        with SourceLock(app.data_dir, source):
            store = FrontierStore(frontier_path(source, app.data_dir))
            try:
                store.reset()
            finally:
                store.close()
    except SourceBusyError as busy:
        _refuse_busy(str(busy))
    except FrontierBusyError as busy:
        _refuse_busy(f"{source} is being crawled ({busy})")


def _refuse_busy(why: str) -> NoReturn:
    typer.echo(f"not reset: {why}; stop that crawl or try again once it has ended", err=True)
    raise typer.Exit(exit_codes.BUSY)


def _next_crawl(state: FrontierState | None, source: Source | None) -> str:
    """What the source's next crawl does with this one."""
    if state is None or not state.open:
        return "starts fresh"
    if state.running:
        return "waits: one crawl at a time"
    if source is None:
        return "unknown: the source is no longer defined"
    why = state.why_fresh(source_key(source), time.time())
    return f"starts fresh ({why})" if why else "resumes this crawl"


def _print_state(
    source: str, state: FrontierState | None, next_crawl: str, console: Console
) -> None:
    if state is None:
        console.print(f"{escape(source)}: no crawl recorded; its next crawl starts fresh")
        return
    console.print(f"[bold]{escape(source)}[/bold]: {_STATUS_TEXT[state.status]}")
    for label, value in _state_lines(state, next_crawl):
        console.print(f"  {label:<12} {escape(value)}")


def _state_lines(state: FrontierState, next_crawl: str) -> list[tuple[str, str]]:
    stop = state.finish_reason or "-"
    if state.finish_detail:
        stop += f" ({state.finish_detail})"
    process = f"pid {state.pid} on {state.host}" if state.pid is not None else "not recorded"
    return [
        ("started", _when(state.started_at)),
        ("runs", str(state.runs)),
        ("last run", f"{_when(state.run_started_at)}, {process}"),
        ("stopped", f"{_when(state.finished_at)}: {stop}" if state.finished_at else stop),
        (
            "requests",
            f"{state.pending} pending, {state.in_flight} in flight,"
            f" {state.done} done awaiting the index, {state.seen} seen",
        ),
        ("next crawl", next_crawl),
        ("file", str(state.path)),
    ]


def _when(moment: float | None) -> str:
    if moment is None:
        return "-"
    stamp = datetime.fromtimestamp(moment, UTC)
    minutes = int(max(time.time() - moment, 0) // 60)
    ago = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
    return f"{stamp:%Y-%m-%d %H:%M:%S} UTC ({ago} ago)"


def _iso(moment: float | None) -> str | None:
    return datetime.fromtimestamp(moment, UTC).isoformat() if moment is not None else None


def _state_json(
    source: str, app: AppSettings, state: FrontierState | None, next_crawl: str
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "source": source,
        "path": str(frontier_path(source, app.data_dir)),
        "state": state.status if state else "none",
        "unfinished": bool(state and state.unfinished),
        "next_crawl": next_crawl,
    }
    if state is None:
        return document
    return {
        **document,
        "open": state.open,
        "started_at": _iso(state.started_at),
        "runs": state.runs,
        "run_started_at": _iso(state.run_started_at),
        "finished_at": _iso(state.finished_at),
        "finish_reason": state.finish_reason,
        "finish_detail": state.finish_detail,
        "pid": state.pid,
        "host": state.host,
        "running": state.running,
        "counts": {
            "pending": state.pending,
            "in_flight": state.in_flight,
            "done": state.done,
            "seen": state.seen,
        },
    }
