"""New vendors selling firearms or their parts: vendors (or actors) whose first listing of all
went up within the window and who offer at least one gun, essential component, conversion
device or 3D-printed gun or part."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from crawlers.listing import Listing
from intel.patterns.model import (
    ARMS_CATEGORIES,
    Finding,
    ReportInput,
    appeared_at,
    category_of,
)

NAME = "new_vendors"


@dataclass(frozen=True, kw_only=True)
class NewVendorFinding(Finding):
    actor: str
    first_listed: datetime
    categories: tuple[str, ...]
    markets: tuple[str, ...]


def new_vendors(data: ReportInput) -> list[Finding]:
    """Vendors first seen in the window who sell firearms or components."""
    by_actor: dict[str, list[Listing]] = defaultdict(list)
    for listing in data.listings:
        actor = data.actor_of(listing)
        if actor is not None:
            by_actor[actor].append(listing)
    findings: list[Finding] = []
    for actor, listings in sorted(by_actor.items()):
        first = min(appeared_at(listing) for listing in listings)
        arms = [listing for listing in listings if category_of(listing) in ARMS_CATEGORIES]
        if arms and data.window.holds(first):
            findings.append(_finding(actor, first, arms))
    return findings


def _finding(actor: str, first: datetime, arms: list[Listing]) -> NewVendorFinding:
    categories = tuple(sorted({category_of(listing) for listing in arms}))
    markets = tuple(sorted({listing.market for listing in arms}))
    return NewVendorFinding(
        report=NAME,
        subject=actor,
        explanation=(
            f"{actor} listed first on {first:%Y-%m-%d}, within the window, and offers "
            f"{len(arms)} listing(s) of {', '.join(categories)} on {', '.join(markets)}"
        ),
        listing_ids=tuple(sorted(listing.id for listing in arms)),
        actor=actor,
        first_listed=first,
        categories=categories,
        markets=markets,
    )
