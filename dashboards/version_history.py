"""A listing's versions as its page shows them: when each was seen, its price, what changed
from the version before (`rules.changes`, the fields an alert compares), and the points of a
price chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crawlers.listing import Listing
from rules.alert import Change
from rules.changes import listing_changes


@dataclass(frozen=True)
class VersionRow:
    listing: Listing
    changes: tuple[Change, ...]  # from the version before; empty for the first

    @property
    def version(self) -> int:
        return self.listing.version

    @property
    def seen(self) -> datetime:
        return self.listing.captured_at

    @property
    def price(self) -> str:
        price = self.listing.price
        if price is None:
            return ""
        return f"{price.amount:g} {price.currency}" if price.currency else f"{price.amount:g}"

    @property
    def amount_usd(self) -> float | None:
        return self.listing.price.amount_usd if self.listing.price else None


def version_rows(versions: list[Listing]) -> list[VersionRow]:
    """One row per version, oldest first (as `IndexBackend.history` gives them)."""
    rows = []
    for before, after in zip([None, *versions], versions, strict=False):
        changes = tuple(listing_changes(before, after)) if before is not None else ()
        rows.append(VersionRow(after, changes))
    return rows


def price_chart(rows: list[VersionRow]) -> dict[str, Any] | None:
    """The price line's data (`{labels, series}` as `static/charts.js` draws it): each
    version's price in USD when every one was converted, else as shown when all are in one
    currency; None when fewer than two versions have a price to compare."""
    priced = [row for row in rows if row.listing.price is not None]
    currencies = {row.listing.price.currency for row in priced if row.listing.price}
    if len(priced) < 2:
        return None
    if all(row.amount_usd is not None for row in priced):
        unit, amounts = "USD", [row.amount_usd for row in priced]
    elif len(currencies) == 1:
        unit = next(iter(currencies)) or ""
        amounts = [row.listing.price.amount for row in priced if row.listing.price]
    else:
        return None  # prices in several currencies, not converted
    labels = [f"v{row.version} {row.seen:%Y-%m-%d %H:%M}" for row in priced]
    series = [{"label": f"price {unit}".strip(), "data": amounts}]
    return {"kind": "line", "labels": labels, "series": series}
