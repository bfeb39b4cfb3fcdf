"""`armswatch index ...`: migrate the Elasticsearch indices, copy between backends, stats.

The index these commands work on is `ARMSWATCH_INDEX` (default: the SQLite file in the data
directory); `copy` names both ends with `--from` and `--to`.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from armswatch.cli import exit_codes
from armswatch.cli.progress import batch_progress
from armswatch.settings import AppSettings
from index.backend import IndexBackend
from index.copying import copy_index
from index.errors import BackendConfigError, IndexStageError
from index.selection import open_index

app = typer.Typer(
    help="Maintain the index: migrate Elasticsearch indices, copy between backends, stats.",
    no_args_is_help=True,
)


def _open(url: str) -> IndexBackend:
    try:
        return open_index(url)
    except BackendConfigError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(exit_codes.BAD_INPUT) from None


@app.command("migrate")
def migrate(
    to_version: Annotated[
        int | None,
        typer.Option("--to-version", min=2, help="the new version (default: the current + 1)"),
    ] = None,
) -> None:
    """Reindex the Elasticsearch listings and history into a new version and swap the aliases."""
    from index.elasticsearch import ElasticsearchIndex
    from index.elasticsearch.indices import current_index, index_version

    url = AppSettings.from_env().index_url
    index = _open(url)
    try:
        if not isinstance(index, ElasticsearchIndex):
            typer.echo(
                f"{url} is a SQLite index: it has no versions to migrate "
                "(it is rebuilt automatically when its schema changes)",
                err=True,
            )
            raise typer.Exit(exit_codes.BAD_INPUT)
        current = index_version(current_index(index.client, index.names.listings))
        version = to_version or current + 1
        try:
            copied = index.migrate(version)
        except (ValueError, IndexStageError) as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(exit_codes.FAILED) from None
    finally:
        index.close()
    for alias, count in copied.items():
        typer.echo(f"{alias}: v{current} → v{version}, {count} documents copied")


@app.command("copy")
def copy(
    source_url: Annotated[str, typer.Option("--from", help="the index URL to read")],
    target_url: Annotated[str, typer.Option("--to", help="the index URL to write")],
    query: Annotated[str, typer.Option(help="only listings matching this query")] = "*",
) -> None:
    """Copy listings (with every version) and vendor profiles from one index to another."""
    if source_url.strip() == target_url.strip():
        typer.echo("error: --from and --to name the same index", err=True)
        raise typer.Exit(exit_codes.BAD_INPUT)
    source = _open(source_url)
    try:
        target = _open(target_url)
        try:
            _copy(source, target, query)
        finally:
            target.close()
    finally:
        source.close()


def _copy(source: IndexBackend, target: IndexBackend, query: str) -> None:
    console = Console(stderr=True)
    try:
        total = source.count(query)
        with batch_progress(console) as progress:
            task = progress.add_task("copying", total=total)
            report = copy_index(source, target, query, lambda n: progress.advance(task, n))
        held = target.count()
    except IndexStageError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(exit_codes.FAILED) from None
    typer.echo(
        f"{report.listings} listings ({report.versions} earlier versions) and "
        f"{report.vendors} vendor profiles copied; the target holds {held} listings"
    )


@app.command("stats")
def stats() -> None:
    """Listings, vendor profiles and new listings per month in the index."""
    url = AppSettings.from_env().index_url
    index = _open(url)
    try:
        total = index.count()
        vendors = sum(1 for _ in index.scan_vendors())
        months = index.histogram("*", "first_seen", "month")
    finally:
        index.close()
    typer.echo(f"{index!r}: {total} listings, {vendors} vendor profiles")
    for month, count in months:
        typer.echo(f"  first seen {month:%Y-%m}: {count}")
