"""Exports of every listing a query matches, streamed as they are read from the index.

- CSV: one row per listing with the fields an analyst sorts and files by (`CSV_COLUMNS`);
  several values in one cell (ships_to, makes, ...) are joined by `; `. Text that a
  spreadsheet would run as a formula (a cell starting with = + - @, tab or carriage return)
  is prefixed with `'`, since titles and handles are written by the markets.
- JSON: one list of listing documents, each `Listing.model_dump(mode="json")`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator

from crawlers.listing import Listing
from intel.sharing.tracing import inert_cell

JOIN = "; "
CSV_COLUMNS = (
    "id", "market", "source", "url", "title", "category", "make", "model", "calibre",
    "price_amount", "price_currency", "price_amount_usd", "vendor", "ships_from", "ships_to",
    "first_seen", "last_seen", "status", "evidence_sha256",
)  # fmt: skip
Cell = str | float | int | None


def csv_row(listing: Listing) -> list[Cell]:
    """The listing's cells, in `CSV_COLUMNS` order."""
    price, annotations = listing.price, listing.annotations
    return [
        listing.id,
        listing.market,
        listing.source,
        listing.url,
        listing.title,
        annotations.category if annotations else "",
        entity_values(listing, "make"),
        entity_values(listing, "model"),
        entity_values(listing, "calibre"),
        price.amount if price else None,
        price.currency if price else None,
        price.amount_usd if price else None,
        listing.vendor.handle if listing.vendor else "",
        JOIN.join(listing.ships_from),
        JOIN.join(listing.ships_to),
        listing.first_seen.isoformat(),
        listing.last_seen.isoformat(),
        listing.status,
        listing.evidence.sha256 if listing.evidence else "",
    ]


def entity_values(listing: Listing, label: str) -> str:
    """The distinct values (normalized where the extractor normalized) of one entity label."""
    if listing.annotations is None:
        return ""
    values = (
        entity.normalized or entity.text
        for entity in listing.annotations.entities
        if entity.label.lower() == label
    )
    return JOIN.join(dict.fromkeys(values))


def csv_chunks(listings: Iterable[Listing]) -> Iterator[str]:
    """The CSV file, header first, one chunk per listing."""
    yield _csv_line(list(CSV_COLUMNS))
    for listing in listings:
        yield _csv_line([_inert(cell) for cell in csv_row(listing)])


def json_chunks(listings: Iterable[Listing]) -> Iterator[str]:
    """A JSON list of listing documents, one chunk per listing."""
    yield "["
    separator = "\n"
    for listing in listings:
        yield separator + json.dumps(listing.model_dump(mode="json"), ensure_ascii=False)
        separator = ",\n"
    yield "\n]\n"


EXPORTERS: dict[str, tuple[Callable[[Iterable[Listing]], Iterator[str]], str]] = {
    "csv": (csv_chunks, "text/csv; charset=utf-8"),
    "json": (json_chunks, "application/json"),
}


def _csv_line(cells: list[Cell]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    return buffer.getvalue()


def _inert(cell: Cell) -> Cell:
    """A text cell a spreadsheet shows as text, never runs as a formula."""
    return inert_cell(cell) if isinstance(cell, str) else cell
