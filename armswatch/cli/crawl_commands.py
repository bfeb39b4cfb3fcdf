"""`armswatch crawl`: crawl sources into the index.

One crawl per source at a time: a source being crawled already (by the scheduler daemon or
another `armswatch crawl`) is not crawled again; the command exits 75 and says who crawls it.
With `--now`, each source is crawled as the daemon crawls it: in a process of its own, within
its time budget (`limits.max_duration`), recorded in the schedule's fire log.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from armswatch.cli import exit_codes
from armswatch.cli.run_table import print_runs
from armswatch.scheduler.guard import crawl_guarded
from armswatch.scheduler.locks import BUSY, SourceBusyError
from armswatch.settings import AppSettings
from crawlers.errors import CrawlersError
from crawlers.personas import check_persona
from crawlers.source import Source
from crawlers.source_loader import find_source, load_all


def crawl(
    sources: Annotated[list[str] | None, typer.Argument(help="source names or YAML files")] = None,
    all_sources: Annotated[
        bool, typer.Option("--all", help="crawl every configured source")
    ] = False,
    now: Annotated[
        bool,
        typer.Option(
            "--now",
            help="crawl as the scheduler does, at once: each source in its own process, "
            "within its time budget, recorded in `armswatch schedule list`",
        ),
    ] = False,
) -> None:
    """Crawl sources into the index; exit 1 if a crawl failed or had errors, 2 on a bad source,
    75 if a source is being crawled already."""
    app = AppSettings.from_env()
    try:
        selected = _select(sources or [], all_sources, app)
        for source in selected:
            check_persona(source, app.secrets_file)  # a missing persona fails now, not mid-crawl
    except CrawlersError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    if now:
        raise typer.Exit(_crawl_now(selected, [] if all_sources else sources or [], app))
    try:
        runs = crawl_guarded(selected, app, console=Console(stderr=True))
    except SourceBusyError as busy:
        typer.echo(str(busy), err=True)
        raise typer.Exit(BUSY) from None
    print_runs(runs, Console())
    if any(run.errors or run.failed for run in runs):
        raise typer.Exit(exit_codes.FAILED)


def _crawl_now(selected: list[Source], named: list[str], app: AppSettings) -> int:
    """Each source in a child process, side by side; the worst exit code of theirs."""
    from armswatch.scheduler.fires import FireLog
    from armswatch.scheduler.firing import crawl_now
    from armswatch.scheduler.runner import Outcome
    from armswatch.scheduler.store import schedule_engine

    # a YAML file given by path is handed to the child as such, a name by name
    targets = [
        (source.name, named[position] if named else source.name)
        for position, source in enumerate(selected)
    ]
    engine = schedule_engine(app)
    try:
        results = crawl_now(targets, app, FireLog(engine))
    finally:
        engine.dispose()
    codes = [
        result.returncode if isinstance(result, Outcome) else exit_codes.FAILED
        for result in results
    ]
    return _worst(codes)


def _worst(codes: list[int | None]) -> int:
    for code in (exit_codes.BAD_INPUT, exit_codes.FAILED, BUSY):
        if code in codes:
            return code
    return exit_codes.OK if all(code == 0 for code in codes) else exit_codes.FAILED


def _select(names: list[str], all_sources: bool, app: AppSettings) -> list[Source]:
    if all_sources:
        return list(load_all(app.sources_dirs).values())
    if not names:
        raise CrawlersError("name at least one source, or use --all (see `armswatch sources list`)")
    return [find_source(name, app.sources_dirs) for name in names]
