"""`armswatch sources try SOURCE URL|FILE`: what each selector of a source reads on one page.

Prints each field of each listing card (or the fields of a detail page), the index page's
links, the selectors that matched nothing and the listings the page would give; exits 1 when a
selector matched nothing or a card gave no listing, so a script can tell, and 2 on a bad
source, file or URL. See `armswatch.workbench`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from armswatch.cli import exit_codes
from armswatch.settings import AppSettings
from armswatch.workbench import PageReading, fetch_page, read_saved, try_page
from crawlers.errors import CrawlersError
from crawlers.source import Source
from crawlers.source_loader import find_source

EMPTY = "[dim]—[/dim]"


def try_source(
    source: Annotated[str, typer.Argument(help="source name or YAML file")],
    page: Annotated[str, typer.Argument(help="a saved page (file) or a URL to fetch")],
) -> None:
    """Show what each selector of SOURCE reads on one page, and the listings it gives."""
    app = AppSettings.from_env()
    try:
        chosen = find_source(source, app.lookup_dirs)
        body, url = _page(chosen, page, app)
    except (CrawlersError, ValueError) as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    reading = try_page(chosen, body, url)
    console = Console()
    print_reading(reading, chosen, console)
    if reading.unmatched or any(card.error for card in reading.cards) or reading.detail_error:
        raise typer.Exit(exit_codes.FAILED)


def _page(source: Source, page: str, app: AppSettings) -> tuple[bytes, str]:
    """The page's bytes and the URL its links are read against."""
    if page.startswith(("http://", "https://")):
        return fetch_page(source, page, _proxy(source, app)), page
    return read_saved(Path(page)), str(source.start_urls[0])


def _proxy(source: Source, app: AppSettings) -> str | None:
    if source.proxy:
        return source.proxy
    return {"tor": app.tor_proxy, "i2p": app.i2p_proxy}.get(source.network)


def print_reading(reading: PageReading, source: Source, console: Console) -> None:
    read_as = {
        "cards": f"an index page with {len(reading.cards)} listing cards",
        "index": "an index page",
        "detail": "a detail page",
    }[reading.kind]
    console.print(f"[bold]{reading.url}[/bold] ({reading.size} bytes), read as {read_as}")
    if source.render == "browser":
        console.print("[yellow]render: browser: read as served, without the page's scripts")
    _print_links(reading, console)
    if reading.cards:
        _print_cards(reading, console)
    if reading.kind == "detail":
        _print_detail(reading, console)
    _print_unmatched(reading, console)
    _print_listings(reading, console)


def _print_links(reading: PageReading, console: Console) -> None:
    if not reading.links:
        return
    table = Table("index selector", "found", "first", title="index page")
    for path, values in reading.links.items():
        table.add_row(path, str(len(values)), values[0] if values else EMPTY)
    console.print(table)


def _print_cards(reading: PageReading, console: Console) -> None:
    names = list(dict.fromkeys(name for card in reading.cards for name in card.values))
    table = Table("#", *names, "listing", title="listing cards", show_lines=True)
    for column in table.columns:
        column.overflow = "fold"  # every value whole, however long
    for number, card in enumerate(reading.cards, start=1):
        cells = ["; ".join(card.values.get(name, [])) or EMPTY for name in names]
        verdict = "[green]yes[/green]" if card.listing else f"[red]none ({card.error})[/red]"
        table.add_row(str(number), *cells, verdict)
    console.print(table)


def _print_detail(reading: PageReading, console: Console) -> None:
    table = Table("detail field", "value", title="detail page")
    for name, values in reading.detail.items():
        table.add_row(name, "; ".join(values))
    console.print(table)
    if reading.detail_error:
        console.print(f"[red]no listing: {reading.detail_error}")


def _print_unmatched(reading: PageReading, console: Console) -> None:
    if not reading.unmatched:
        console.print("[green]every selector matched something on this page")
        return
    console.print(
        "[yellow]selectors that matched nothing:[/yellow] " + ", ".join(reading.unmatched)
    )


def _print_listings(reading: PageReading, console: Console) -> None:
    table = Table("id", "title", "price", "vendor", "category", "url", title="listings")
    for column in table.columns:
        column.overflow = "fold"
    for listing in reading.listings:
        price = listing.price
        table.add_row(
            listing.site_listing_id or listing.id,
            listing.title,
            f"{price.amount:g} {price.currency}" if price and price.amount is not None else EMPTY,
            listing.vendor.handle if listing.vendor else EMPTY,
            " > ".join(listing.category_path) or EMPTY,
            listing.url,
        )
    console.print(table)
    console.print(f"{len(reading.listings)} listing(s) from this page")
