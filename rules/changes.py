"""What changed between two versions of a listing, as an alert shows it."""

from __future__ import annotations

from collections.abc import Callable

from crawlers.listing import Listing
from rules.alert import Change


def _price(listing: Listing) -> str | None:
    price = listing.price
    if price is None:
        return None
    return f"{price.amount:g} {price.currency}" if price.currency else f"{price.amount:g}"


def _joined(values: list[str]) -> str | None:
    return ", ".join(sorted(values)) or None


def _words(text: str) -> str | None:
    return " ".join(text.split()) or None


# the fields an alert compares, and how each reads as text
_COMPARED: dict[str, Callable[[Listing], str | None]] = {
    "title": lambda listing: _words(listing.title),
    "description": lambda listing: _words(listing.description),
    "price": _price,
    "quantity": lambda listing: None if listing.quantity is None else str(listing.quantity),
    "ships_from": lambda listing: _joined(listing.ships_from),
    "ships_to": lambda listing: _joined(listing.ships_to),
    "shipping_methods": lambda listing: _joined(listing.shipping_methods),
    "vendor": lambda listing: listing.vendor.handle if listing.vendor else None,
    "status": lambda listing: listing.status if listing.status == "removed" else "active",
}


def listing_changes(before: Listing, after: Listing) -> list[Change]:
    """Each compared field whose value differs between the two versions, in a fixed order."""
    changes = []
    for field, read in _COMPARED.items():
        old, new = read(before), read(after)
        if old != new:
            changes.append(Change(field=field, before=old, after=new))
    return changes
