"""`armswatch routes`: shipping routes (origin -> destination) by category, method and period,
with counts of listings, vendors and markets, fit for sharing with another country's unit.

Aggregates only, unless `--with-vendors` adds the vendor handles behind each row (personal
data: the header then says so). The plain function `route_report` is what tests call.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Annotated, Literal, TypeVar, get_args

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from armswatch.cli import exit_codes
from armswatch.settings import AppSettings
from crawlers.listing import Category
from index.selection import open_index
from intel.routes import (
    METHOD_VIEWS,
    WORLDWIDE,
    MethodView,
    RouteReport,
    csv_rows,
    routes_from_index,
)
from intel.windows import BUCKETS, Bucket, Window

RouteFormat = Literal["table", "csv", "json"]
CATEGORIES: tuple[str, ...] = get_args(Category)
_T = TypeVar("_T", bound=str)


def routes(
    category: Annotated[
        str | None, typer.Option(help=f"only this category: {', '.join(CATEGORIES)}")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="listings online within, e.g. 90d, 12w, 6m (default: all time)"),
    ] = None,
    by: Annotated[str, typer.Option(help="count per period: none, week or month")] = "none",
    methods: Annotated[
        str,
        typer.Option(help="shipping methods as_listed, as a class (post, courier, ...) or none"),
    ] = "as_listed",
    with_vendors: Annotated[
        bool, typer.Option("--with-vendors", help="add vendor handles (personal data)")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
    out: Annotated[Path | None, typer.Option(help="write to this file instead")] = None,
) -> None:
    """Shipping routes: origin -> destination country pairs by category and shipping method,
    with counts of listings, vendors and markets (aggregates only unless --with-vendors)."""
    try:
        if out is not None and fmt == "table":
            raise ValueError("--out writes csv or json: add --format csv or --format json")
        report = route_report(
            category=category, since=since, by=by, methods=methods, with_vendors=with_vendors
        )
        text = render(report, _choice("--format", fmt, ("table", "csv", "json")))
    except ValueError as error:
        typer.echo(f"armswatch routes: {error}", err=True)
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    if text is None:
        _print_table(report)
    elif out is not None:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {len(report.rows)} route rows to {out}")
    else:
        typer.echo(text, nl=False)


def route_report(
    *,
    category: str | None = None,
    since: str | None = None,
    by: str = "none",
    methods: str = "as_listed",
    with_vendors: bool = False,
    app: AppSettings | None = None,
) -> RouteReport:
    """The route report over the configured index; ValueError on a bad option."""
    if category is not None:
        _choice("--category", category, CATEGORIES)
    bucket: Bucket = _choice("--by", by, BUCKETS)
    view: MethodView = _choice("--methods", methods.replace("-", "_"), METHOD_VIEWS)
    window = Window.since(since)
    settings = app or AppSettings.from_env()
    index = open_index(settings.index_url)
    try:
        return routes_from_index(
            index, window=window, category=category, by=bucket, methods=view,
            with_vendors=with_vendors,
        )  # fmt: skip
    finally:
        index.close()


def render(report: RouteReport, fmt: str) -> str | None:
    """The report as CSV (a `#` header block first) or JSON text; None for the rich table."""
    if fmt == "json":
        return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        for key, value in report.header().items():
            buffer.write(f"# {key}: {json.dumps(value, ensure_ascii=False)}\n")
        csv.writer(buffer).writerows(csv_rows(report))
        return buffer.getvalue()
    return None


def _choice(option: str, value: str, allowed: tuple[_T, ...]) -> _T:
    for choice in allowed:
        if value == choice:
            return choice
    raise ValueError(f"{option} {value!r} is not one of: {', '.join(allowed)}")


def _print_table(report: RouteReport) -> None:
    console = Console()
    header = report.header()
    period = header["period"]
    console.print(
        f"routes generated {header['generated_at'][:19]}Z · period {period['start'] or 'all time'}"
        f" to {period['end'][:19]} · category {report.category or 'all'} · "
        f"{report.listings} listings from {report.sources} sources · "
        + ("aggregates only" if not report.with_vendors else "[bold]with vendor handles[/]")
    )
    table = Table("origin", "destination", "category", "method")
    if report.by != "none":
        table.add_column("period")
    for column in ("listings", "vendors", "markets"):
        table.add_column(column, justify="right")
    if report.with_vendors:
        table.add_column("vendors (handles)")
    for row in report.rows:
        destination = "worldwide" if row.destination == WORLDWIDE else row.destination
        cells = [row.origin, destination, row.category, escape(row.method)]
        cells += [row.period or ""] if report.by != "none" else []
        cells += [str(row.listings), str(row.vendors), str(row.markets)]
        cells += [escape(", ".join(row.vendor_handles or ()))] if report.with_vendors else []
        table.add_row(*cells)
    console.print(table)
