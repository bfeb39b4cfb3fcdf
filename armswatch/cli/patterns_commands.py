"""`armswatch patterns`: pattern reports an analyst runs (and schedules) over the index.

- `list`: the reports and what each looks for.
- `run NAME|all [--since 30d] [--format table|json|csv] [--out FILE]`: the findings, each with
  its explanation and the listings that support it.

Thin wrappers over `intel.patterns.run_report` and `write_findings` (the scheduler calls those).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from armswatch.actors import pattern_findings
from armswatch.cli import exit_codes
from armswatch.settings import AppSettings
from index.selection import open_index
from intel.patterns import REPORTS, Finding, report_names, write_findings
from intel.patterns.runner import findings_csv, findings_document
from intel.windows import Window

patterns_app = typer.Typer(
    help="Pattern reports: new vendors, assembled firearms, price anomalies, separate "
    "parcels, bursts.",
    no_args_is_help=True,
)
FORMATS = ("table", "json", "csv")


@patterns_app.command("list")
def list_reports() -> None:
    """The pattern reports, with what each looks for."""
    table = Table("report", "looks for")
    for name, function in REPORTS.items():
        table.add_row(name, (function.__doc__ or "").strip().splitlines()[0])
    Console().print(table)


@patterns_app.command("run")
def run(
    name: Annotated[str, typer.Argument(metavar="NAME|all", help="a report from `list`, or all")],
    since: Annotated[str, typer.Option(help="the window: 30d, 12w, 6m, 1y")] = "30d",
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv")] = "table",
    out: Annotated[Path | None, typer.Option(help="write json or csv to this file")] = None,
    actors: Annotated[
        Path | None,
        typer.Option(help="JSON file mapping vendor keys (market/handle) to actor ids"),
    ] = None,
    resolve: Annotated[
        bool,
        typer.Option(
            "--resolve-actors/--no-resolve-actors",
            help="join each vendor's handles on all markets into its actor (`armswatch actors`)",
        ),
    ] = True,
) -> None:
    """Run a pattern report (or all) over the index and show its findings."""
    try:
        names = report_names(name)
        if fmt not in FORMATS:
            raise ValueError(f"--format {fmt!r} is not one of: {', '.join(FORMATS)}")
        if out is not None and fmt == "table":
            raise ValueError("--out writes json or csv: add --format json or --format csv")
        window = Window.since(since)
        findings = findings_of(name, since, window.end, _actors(actors), resolve=resolve)
    except ValueError as error:
        typer.echo(f"armswatch patterns run: {error}", err=True)
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    if out is not None:
        write_findings(findings, out, "csv" if fmt == "csv" else "json", window=window, names=names)
        typer.echo(f"wrote {len(findings)} findings to {out}")
    elif fmt == "json":
        document = findings_document(findings, window, names)
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))
    elif fmt == "csv":
        typer.echo(findings_csv(findings), nl=False)
    else:
        _print_findings(findings, names)


def findings_of(
    name: str,
    since: str,
    now: datetime | None = None,
    actors: dict[str, str] | None = None,
    app: AppSettings | None = None,
    *,
    resolve: bool = False,
) -> list[Finding]:
    """The findings of report `name` (or all) over the configured index; vendors are joined
    into actors by `actors`, else by the actor resolution when `resolve`."""
    settings = app or AppSettings.from_env()
    index = open_index(settings.index_url)
    try:
        names = report_names(name)
        when = now or datetime.now(UTC)
        return pattern_findings(
            settings, index, names, since, when, actors=actors, join_actors=resolve
        )
    finally:
        index.close()


def _actors(path: Path | None) -> dict[str, str] | None:
    if path is None:
        return None
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"--actors {path}: cannot read it as JSON ({error})") from None
    if not isinstance(loaded, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in loaded.items()
    ):
        raise ValueError(f"--actors {path}: must map vendor keys (market/handle) to actor ids")
    return loaded


def _print_findings(findings: list[Finding], names: list[str]) -> None:
    console = Console()
    if not findings:
        console.print(f"no findings ({', '.join(names)})")
        return
    table = Table("report", "subject", "explanation", "listings")
    for finding in findings:
        ids = ", ".join(finding.listing_ids[:5])
        more = f" (+{len(finding.listing_ids) - 5})" if len(finding.listing_ids) > 5 else ""
        table.add_row(
            finding.report, escape(finding.subject), escape(finding.explanation), ids + more
        )
    console.print(table)
    console.print(f"{len(findings)} findings")
