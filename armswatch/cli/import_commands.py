"""`armswatch import SOURCE --from PATH`: index the listings of saved pages (no network).

PATH is a folder of saved HTML files (and WARC files), one HTML or WARC file, or a zip of
either. The source is looked up by name in the sources folders and their `examples/`
subfolders (or given as a YAML file).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from armswatch.cli import exit_codes
from armswatch.cli.run_table import print_runs
from armswatch.scheduler.locks import BUSY, SourceBusyError
from armswatch.settings import AppSettings
from crawlers.errors import CrawlersError
from crawlers.snapshots import open_snapshot
from crawlers.source_loader import find_source


def import_pages(
    source: Annotated[str, typer.Argument(help="source name or YAML file")],
    snapshot: Annotated[
        Path,
        typer.Option(
            "--from", help="saved pages: a folder of HTML files, a WARC file, or a zip of either"
        ),
    ],
    captured_at: Annotated[
        str | None,
        typer.Option(
            "--captured-at",
            help="when saved HTML files were captured (ISO 8601, e.g. 2020-09-17T14:55:45Z); "
            "WARC records carry their own date",
        ),
    ] = None,
) -> None:
    """Run a source's selectors over saved pages and index their listings as a crawl does;
    exit 1 if some pages gave errors, 2 on a bad source, path or date, 75 if the source is
    being crawled or imported already."""
    app = AppSettings.from_env()
    try:
        when = _capture_time(captured_at)
        chosen = find_source(source, app.lookup_dirs)
        next(open_snapshot(snapshot), None)  # an unreadable path fails here, not mid-import
    except (CrawlersError, ValueError) as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    from armswatch.importing import import_snapshot  # Scrapy: only when importing

    try:
        run = import_snapshot(chosen, snapshot, app, captured_at=when, console=Console(stderr=True))
    except SourceBusyError as busy:
        typer.echo(f"{busy}; import again when it is done", err=True)
        raise typer.Exit(BUSY) from None
    print_runs([run], Console())
    if run.errors or run.failed:
        raise typer.Exit(exit_codes.FAILED)


def _capture_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"--captured-at {text!r}: not an ISO 8601 time (e.g. 2020-09-17T14:55:45Z)"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
