"""The summary of `armswatch demo --hostile`: what was captured, and what was cut, by kind."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from armswatch.demo_hostile import HostileSummary
from crawlers.anomalies import KINDS


def print_hostile_summary(summary: HostileSummary, console: Console) -> None:
    for run in summary.runs:
        missing = summary.missing(run.source)
        captured = len(summary.expected) - len(missing)
        console.print(
            f"\n[bold]{run.source}[/bold]: {run.outcome} in {run.duration:.0f} s, "
            f"{run.pages} pages; ordinary listings captured: "
            f"[bold]{captured}/{len(summary.expected)}[/bold]"
            + (f" (missing: {', '.join(missing)})" if missing else "")
        )
        table = Table("anomaly", "count", "what it means")
        table.columns[1].justify = "right"
        for kind, count in sorted(run.anomalies.items()):
            table.add_row(kind, str(count), KINDS.get(kind, ""))
        console.print(table)
    console.print(
        f"peak memory of the crawl process: {summary.peak_rss / 2**20:.0f} MiB; "
        "every anomaly is logged with its URL (event crawl_anomaly) and kept with the run: "
        "`armswatch runs demo-hostile`"
    )
