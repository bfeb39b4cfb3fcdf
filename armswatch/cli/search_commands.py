"""`armswatch search`, `show` and `stats`: read the index from the command line."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from armswatch.cli import exit_codes
from armswatch.cli.run_table import print_runs
from armswatch.runs import RunStore
from armswatch.settings import AppSettings
from crawlers.listing import Listing
from index.backend import SearchResult, SortOrder
from index.errors import QuerySyntaxError
from index.selection import open_index

_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def search(
    query: Annotated[str, typer.Argument(help="Lucene syntax, e.g. 'glock AND ships_to:DE'")],
    facet: Annotated[
        list[str] | None, typer.Option("--facet", "-f", help="count values of a field")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON document")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 20,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    sort: Annotated[
        str, typer.Option(help="relevance, newest, oldest, price_asc, price_desc")
    ] = "relevance",
    history: Annotated[
        bool,
        typer.Option(
            "--history",
            help="search the earlier versions of listings (kept when a listing changed) "
            "instead of the current ones; shows id, version and when each was seen",
        ),
    ] = False,
) -> None:
    """Search the index; exit 2 on a malformed query."""
    if sort not in {"relevance", "newest", "oldest", "price_asc", "price_desc"}:
        typer.echo(
            f"unknown sort {sort!r}: use relevance, newest, oldest, price_asc or price_desc",
            err=True,
        )
        raise typer.Exit(exit_codes.BAD_INPUT)
    index = open_index(AppSettings.from_env().index_url)
    try:
        result = index.search(
            query,
            limit=limit,
            offset=offset,
            facets=facet or (),
            sort=_sort(sort),
            versions="earlier" if history else "current",
        )
    except QuerySyntaxError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    finally:
        index.close()
    if as_json:
        document = result.document(query)
        document["versions"] = "earlier" if history else "current"
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
    elif history:
        _print_versions(result, offset)
    else:
        _print_result(result, offset)


def show(
    listing_id: Annotated[
        str, typer.Argument(metavar="ID", help="a listing id from `armswatch search`")
    ],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show one listing with all its fields and its earlier versions; exit 3 if unknown."""
    index = open_index(AppSettings.from_env().index_url)
    try:
        listing = index.get(listing_id)
        history = index.history(listing_id) if listing else []
    finally:
        index.close()
    if listing is None:
        typer.echo(f"no listing with id {listing_id!r}", err=True)
        raise typer.Exit(exit_codes.NOT_FOUND)
    document = listing.model_dump(mode="json")
    document["history"] = [_version_json(version) for version in history]
    if as_json:
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    _print_listing(listing, document["history"])


def stats() -> None:
    """How many listings the index holds, by market and category, and the latest crawl runs."""
    app = AppSettings.from_env()
    index = open_index(app.index_url)
    try:
        result = index.search("*", limit=1, facets=("market", "category", "language"))
    finally:
        index.close()
    console = Console()
    console.print(f"[bold]{result.total}[/bold] listings in {app.index_url}")
    for name, buckets in result.facets.items():
        console.print(f"  by {name}: " + ", ".join(f"{b.value} {b.count}" for b in buckets))
    if app.runs_db.exists():
        store = RunStore(app.runs_db)
        try:
            print_runs(store.recent(limit=10), console)
        finally:
            store.close()


def _sort(value: str) -> SortOrder:
    return value  # type: ignore[return-value]  # checked against the allowed values above


def _version_json(version: Listing) -> dict[str, Any]:
    price = version.price.model_dump(mode="json") if version.price else None
    return {
        "version": version.version,
        "captured_at": version.captured_at.isoformat(),
        "price": price,
        "title": version.title,
        "ships_to": version.ships_to,
    }


def _print_result(result: SearchResult, offset: int) -> None:
    console = Console()
    shown = f"{offset + 1}-{offset + len(result.hits)}" if result.hits else "0"
    console.print(f"[bold]{result.total}[/bold] listings match (showing {shown})")
    if result.hits:
        table = Table("id", "market", "title", "price", "USD", "vendor", "ships to", "category")
        for hit in result.hits:
            table.add_row(*_row(hit.listing, hit.highlights))
        console.print(table)
    for name, buckets in result.facets.items():
        console.print(
            f"[bold]{name}[/bold]: " + ", ".join(f"{escape(b.value)} ({b.count})" for b in buckets)
        )


def _print_versions(result: SearchResult, offset: int) -> None:
    console = Console()
    shown = f"{offset + 1}-{offset + len(result.hits)}" if result.hits else "0"
    console.print(f"[bold]{result.total}[/bold] earlier versions match (showing {shown})")
    if not result.hits:
        return
    table = Table("id", "version", "captured", "first seen", "last seen", "title", "price")
    for hit in result.hits:
        listing = hit.listing
        title = _row(listing, hit.highlights)[2]
        price = listing.price
        table.add_row(
            listing.id,
            str(listing.version),
            _day_time(listing.captured_at),
            _day_time(listing.first_seen),
            _day_time(listing.last_seen),
            title,
            f"{price.amount:g} {price.currency or ''}" if price else "",
        )
    console.print(table)


def _day_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _row(listing: Listing, highlights: dict[str, list[str]]) -> list[str]:
    title = _marked(highlights["title"][0]) if highlights.get("title") else escape(listing.title)
    price = listing.price
    category = listing.annotations.category if listing.annotations else ""
    ships_to = ",".join(listing.ships_to[:4]) + ("…" if len(listing.ships_to) > 4 else "")
    return [
        listing.id,
        escape(listing.market),
        title,
        f"{price.amount:g} {price.currency or ''}" if price else "",
        f"{price.amount_usd:,.2f}" if price and price.amount_usd is not None else "",
        escape(listing.vendor.handle) if listing.vendor else "",
        ships_to,
        category,
    ]


def _marked(snippet: str) -> str:
    """A highlight snippet with <mark> tags as rich markup, everything else escaped."""
    parts = _MARK.split(snippet)
    return "".join(
        f"[reverse]{escape(part)}[/reverse]" if i % 2 else escape(part)
        for i, part in enumerate(parts)
    )


def _print_listing(listing: Listing, history: list[dict[str, Any]]) -> None:
    console = Console()
    console.print(
        f"[bold]{escape(listing.title)}[/bold]  "
        f"({listing.market}, {listing.status}, v{listing.version})"
    )
    for name, value in listing.model_dump(mode="json", exclude={"title", "description"}).items():
        if value not in (None, [], ""):
            console.print(f"  [cyan]{name}[/cyan]: {escape(json.dumps(value, ensure_ascii=False))}")
    console.print(escape(listing.description))
    if len(history) > 1:
        console.print("[bold]versions[/bold]")
        for version in history:
            console.print(
                f"  v{version['version']} {version['captured_at']} "
                f"{escape(json.dumps(version['price']))}"
            )
