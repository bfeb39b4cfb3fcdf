"""What the actor and vendor pages show, from a resolution (`intel.resolution`) and the index:
each vendor's listings, the identifiers linking them with where they were seen, and the
listings per month per market."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crawlers.listing import Listing
from index.backend import IndexBackend
from intel.actor_report import actor_document
from intel.resolution import Actor, Resolution
from intel.vendor_records import VendorKey


@dataclass(frozen=True)
class ActorRow:
    """One actor of the list: its document (`intel.actor_report.actor_document`) and counts."""

    document: dict[str, Any]
    listings: int
    firearm_listings: int


@dataclass(frozen=True)
class Activity:
    """Listings per month (`YYYY-MM`) per market, by when each was posted (the site's date) or,
    without one, first seen."""

    months: list[str]
    markets: dict[str, list[int]]  # market -> a count per month, in `months` order

    def chart(self) -> dict[str, Any]:
        series = [{"label": market, "data": counts} for market, counts in self.markets.items()]
        return {"kind": "bar", "stacked": True, "labels": self.months, "series": series}


def actor_rows(resolution: Resolution) -> list[ActorRow]:
    """Every actor, with its listings counted: the most listings first."""
    rows = []
    for actor in resolution.actors:
        records = [resolution.vendors[key] for key in actor.members if key in resolution.vendors]
        facts = [listing for record in records for listing in record.listings]
        firearms = sum(1 for listing in facts if listing.firearm_related)
        rows.append(ActorRow(actor_document(resolution, actor), len(facts), firearms))
    return sorted(rows, key=lambda row: (-row.listings, row.document["id"]))


def find_actor(resolution: Resolution, actor_id: str) -> Actor | None:
    return next((actor for actor in resolution.actors if actor.id == actor_id), None)


def listings_of(
    index: IndexBackend, resolution: Resolution, keys: Iterable[VendorKey]
) -> list[Listing]:
    """Every stored listing of the vendors, the latest posted (or first seen) first."""
    ids = [
        facts.id
        for key in keys
        if key in resolution.vendors
        for facts in resolution.vendors[key].listings
    ]
    found = index.get_many(ids)
    return sorted(found.values(), key=_when, reverse=True)


def monthly_activity(listings: Iterable[Listing]) -> Activity:
    """Listings per month posted (or first seen) per market, every month from first to last."""
    counts = Counter((_month(listing), listing.market) for listing in listings)
    if not counts:
        return Activity([], {})
    months = _month_range(min(month for month, _ in counts), max(month for month, _ in counts))
    markets = sorted({market for _, market in counts})
    return Activity(months, {m: [counts[(month, m)] for month in months] for m in markets})


def _when(listing: Listing) -> datetime:
    return listing.posted_at or listing.first_seen


def _month(listing: Listing) -> str:
    return _when(listing).strftime("%Y-%m")


def _month_range(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
