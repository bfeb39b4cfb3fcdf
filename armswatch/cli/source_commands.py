"""`armswatch sources ...`: validate source definitions, print their JSON Schema, list them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from armswatch.cli import exit_codes
from armswatch.cli.runs_commands import sources_status
from armswatch.cli.source_new import new_source
from armswatch.cli.source_try import try_source
from armswatch.settings import AppSettings
from crawlers.errors import SourceConfigError
from crawlers.source_loader import load_all, source_json_schema, validate_files

app = typer.Typer(
    help="Check and inspect source definitions (sources/*.yaml).", no_args_is_help=True
)


@app.command("validate")
def validate(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="files or directories; default: the sources dirs")
    ] = None,
) -> None:
    """Validate source files; print every problem with file, field and fix; exit 2 on any."""
    targets = paths or list(AppSettings.from_env().sources_dirs)
    missing = [path for path in targets if not path.exists()]
    for path in missing:
        typer.echo(f"{path}: no such file or directory", err=True)
    problems = validate_files([path for path in targets if path.exists()])
    for problem in problems:
        typer.echo(str(problem), err=True)
    if problems or missing:
        typer.echo(f"{len(problems) + len(missing)} problem(s) found", err=True)
        raise typer.Exit(exit_codes.BAD_INPUT)
    typer.echo("all source definitions are valid")


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of the source format (generated from the model)."""
    typer.echo(json.dumps(source_json_schema(), indent=2))


@app.command("list")
def list_sources() -> None:
    """List the configured sources."""
    try:
        sources = load_all(AppSettings.from_env().sources_dirs)
    except SourceConfigError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    table = Table("name", "market", "kind", "network", "render", "start URLs", "schedule")
    for source in sources.values():
        urls = " ".join(str(url) for url in source.start_urls)
        table.add_row(
            source.name,
            source.market_name,
            source.kind,
            source.network,
            source.render,
            urls,
            source.schedule or "",
        )
    Console().print(table)


app.command("status")(sources_status)
app.command("try")(try_source)
app.command("new")(new_source)
