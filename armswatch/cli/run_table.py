"""Crawl runs as a table on the console."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from armswatch.runs import CrawlRun


def print_runs(runs: Sequence[CrawlRun], console: Console) -> None:
    table = Table(
        "source", "finished", "pages", "listings", "new", "changed", "errors", "MB", "seconds"
    )
    for run in runs:
        table.add_row(
            run.source,
            f"{run.finish_reason} ({run.unreachable_reason})"
            if run.unreachable_reason
            else run.finish_reason,
            str(run.pages),
            str(run.listings),
            str(run.new),
            str(run.changed),
            _errors(run),
            f"{run.bytes / 1e6:.1f}",
            f"{run.duration:.1f}",
        )
    console.print(table)


def _errors(run: CrawlRun) -> str:
    """The run's errors, and what it cut (anomalies: `armswatch runs SOURCE` says which)."""
    cut = sum(run.anomalies.values())
    return f"{run.errors} ({cut} cut)" if cut else str(run.errors)
