"""`armswatch crawl`: crawl sources into the index."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from armswatch.cli import exit_codes
from armswatch.cli.run_table import print_runs
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
) -> None:
    """Crawl sources into the index; exit 1 if a crawl failed or had errors, 2 on a bad source."""
    from armswatch.crawl import crawl_sources  # Scrapy and Twisted: only for this command

    app = AppSettings.from_env()
    try:
        selected = _select(sources or [], all_sources, app)
        for source in selected:
            check_persona(source, app.secrets_file)  # a missing persona fails now, not mid-crawl
    except CrawlersError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    console = Console(stderr=True)
    runs = crawl_sources(selected, app, console=console)
    print_runs(runs, Console())
    if any(run.errors or run.failed for run in runs):
        raise typer.Exit(exit_codes.FAILED)


def _select(names: list[str], all_sources: bool, app: AppSettings) -> list[Source]:
    if all_sources:
        return list(load_all(app.sources_dirs).values())
    if not names:
        raise CrawlersError("name at least one source, or use --all (see `armswatch sources list`)")
    return [find_source(name, app.sources_dirs) for name in names]
