"""The `DemoOffer` record: one synthetic offer on one demo site, with its ground truth."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

SITES = ("market", "forum", "classifieds")  # the sites the catalog is made for
SERVED_SITES = (*SITES, "onion")  # the onion market sells a subset of the market's catalog
SITE_NAMES = {
    "market": "Obsidian Bazaar",
    "forum": "Iron Board",
    "classifieds": "Kleinanzeigen-Demo",
    "onion": "Cinder Vault",
}
DAY_ONE = date(2026, 3, 16)


def day_date(day: int) -> date:
    """The calendar date the demo sites pretend it is on `day` (day 1 = baseline)."""
    return DAY_ONE + timedelta(days=day - 1)


@dataclass(frozen=True)
class DemoOffer:
    site: str  # market / forum / classifieds
    offer_id: str  # the site's own id, stable across days
    title: str
    description: str
    language: str  # en / de / es / fr / ru
    category_path: tuple[str, ...]  # the site's own labels, parent first
    category_slug: str  # the site's slug of the innermost category
    truth_category: str  # armswatch taxonomy
    truth_firearm_related: bool
    price_amount: float
    currency: str  # BTC / XMR / USD / EUR
    price_usd: float
    price_text: str  # the price as the site prints it
    vendor: str  # handle
    ships_from: str  # as the site writes it
    ships_to: str  # as the site writes it
    ships_to_codes: tuple[str, ...]  # ground truth, ISO 3166-1 alpha-2 or WW
    shipping_methods: tuple[str, ...]
    quantity: int
    images: tuple[str, ...]  # relative URLs
    posted: str | None  # as the site prints it (forum, classifieds)
    posted_on: date | None
    product: str  # key of the product the offer was made from
    first_day: int  # the first day the offer is online
    confounder: bool = False
    obfuscated: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.site, self.offer_id)

    @property
    def sort_key(self) -> tuple[int, int]:
        return (SITES.index(self.site), int(self.offer_id))
