"""How an incoming capture of a listing merges with the stored one (the upsert rule).

- A listing not stored yet is new: stored as given, status `active` (or `removed`).
- `first_seen` is the earliest ever seen, `last_seen` the newest capture.
- When title, description (whitespace-insensitive), price (amount and currency) or shipping
  (ships_from, ships_to, shipping_methods; order-insensitive) changed, the stored listing is
  archived as a version, `version` goes up by one and the status becomes `changed`.
- Otherwise the newer capture replaces the stored fields (annotations, evidence, ...) but
  `version` stays and the status returns to `active`.
- The same capture again (same `captured_at`, e.g. after `armswatch reannotate`) replaces the
  stored fields but keeps `version` and `status`.
- A capture older than the stored one (a late, out-of-order capture) changes nothing but
  `first_seen`/`last_seen`.
- An incoming status `removed` is kept: the crawler saw the listing taken down.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from crawlers.listing import Listing
from index.backend import UpsertReport

UpsertOutcome = Literal["new", "changed", "unchanged"]


@dataclass(frozen=True)
class MergedListing:
    listing: Listing
    outcome: UpsertOutcome
    archived: Listing | None = None  # the previous version to keep in the history


def merge_listing(stored: Listing | None, incoming: Listing) -> MergedListing:
    if stored is None:
        status = "removed" if incoming.status == "removed" else "active"
        return MergedListing(incoming.model_copy(update={"status": status}), "new")
    seen = {
        "first_seen": min(stored.first_seen, incoming.first_seen),
        "last_seen": max(stored.last_seen, incoming.last_seen, incoming.captured_at),
    }
    if incoming.captured_at < stored.captured_at:
        return MergedListing(stored.model_copy(update=seen), "unchanged")
    changed = content_changed(stored, incoming)
    status = "changed" if changed else "active"
    if not changed and incoming.captured_at == stored.captured_at:
        status = stored.status  # the same capture again (re-annotated): its status stands
    merged = incoming.model_copy(
        update={
            **seen,
            "version": stored.version + 1 if changed else stored.version,
            "status": "removed" if incoming.status == "removed" else status,
        }
    )
    if changed:
        return MergedListing(merged, "changed", archived=stored)
    return MergedListing(merged, "unchanged")


def stronger_outcome(previous: UpsertOutcome | None, outcome: UpsertOutcome) -> UpsertOutcome:
    """Within one batch an id reports its strongest outcome: new, then changed."""
    if "new" in (previous, outcome):
        return "new"
    if "changed" in (previous, outcome):
        return "changed"
    return "unchanged"


def upsert_report(outcomes: dict[str, UpsertOutcome]) -> UpsertReport:
    """The report of a batch from each id's (strongest) outcome."""
    return UpsertReport(
        new=tuple(i for i, o in outcomes.items() if o == "new"),
        changed=tuple(i for i, o in outcomes.items() if o == "changed"),
        unchanged=tuple(i for i, o in outcomes.items() if o == "unchanged"),
    )


def content_changed(old: Listing, new: Listing) -> bool:
    """Whether the parts of a listing that make a new version differ."""
    return _content_key(old) != _content_key(new)


def _content_key(listing: Listing) -> tuple[object, ...]:
    price = None
    if listing.price is not None:
        price = (listing.price.amount, (listing.price.currency or "").upper())
    return (
        _words(listing.title),
        _words(listing.description),
        price,
        sorted(listing.ships_from),
        sorted(listing.ships_to),
        sorted(listing.shipping_methods),
    )


def _words(text: str) -> str:
    return " ".join(text.split())
