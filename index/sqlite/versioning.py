"""How an incoming capture of a listing merges with the stored one (the upsert rule).

- A listing not stored yet is new: stored as given, status `active` (or `removed`).
- `first_seen` is the earliest ever seen, `last_seen` the newest capture that saw the listing
  (a `removed` capture, which reports that it is gone, does not move it).
- A material change makes a new version: the stored listing is archived as a version and
  `version` goes up by one. Material are the title and description (whitespace-insensitive),
  the price (amount and currency), shipping (ships_from, ships_to, shipping_methods;
  order-insensitive), the vendor (handle, case-insensitive) and the status as far as
  `removed` goes: active -> removed (the listing went away) and removed -> active (it came
  back: a reappearance, with its history intact).
- The status of a new version: `removed` for a removal, else `changed` when the content
  changed, else `active` (a reappearance with the same content).
- Otherwise the newer capture replaces the stored fields (annotations, evidence, ...) but
  `version` stays and the status returns to `active` (or stays `removed`).
- The same capture again (same `captured_at`, e.g. after `armswatch reannotate`) replaces the
  stored fields but keeps `version` and `status`.
- A capture older than the stored one (a late, out-of-order capture) changes nothing but
  `first_seen`/`last_seen`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from crawlers.listing import Listing, ListingStatus
from index.backend import UpsertReport

UpsertOutcome = Literal["new", "changed", "unchanged"]


@dataclass(frozen=True)
class MergedListing:
    listing: Listing
    outcome: UpsertOutcome
    archived: Listing | None = None  # the previous version to keep in the history


def merge_listing(stored: Listing | None, incoming: Listing) -> MergedListing:
    if stored is None:
        status = "removed" if is_removed(incoming) else "active"
        return MergedListing(incoming.model_copy(update={"status": status}), "new")
    seen = {
        "first_seen": min(stored.first_seen, incoming.first_seen),
        "last_seen": _last_seen(stored, incoming),
    }
    if incoming.captured_at < stored.captured_at:
        return MergedListing(stored.model_copy(update=seen), "unchanged")
    material = material_change(stored, incoming)
    merged = incoming.model_copy(
        update={
            **seen,
            "version": stored.version + 1 if material else stored.version,
            "status": _merged_status(stored, incoming, material),
        }
    )
    if material:
        return MergedListing(merged, "changed", archived=stored)
    return MergedListing(merged, "unchanged")


def _last_seen(stored: Listing, incoming: Listing) -> datetime:
    if is_removed(incoming):  # a removal says when the listing was missed, not seen
        return max(stored.last_seen, incoming.last_seen)
    return max(stored.last_seen, incoming.last_seen, incoming.captured_at)


def _merged_status(stored: Listing, incoming: Listing, material: bool) -> ListingStatus:
    if not material and incoming.captured_at == stored.captured_at:
        return stored.status  # the same capture again (re-annotated): its status stands
    if is_removed(incoming):
        return "removed"
    return "changed" if content_changed(stored, incoming) else "active"


def is_removed(listing: Listing) -> bool:
    return listing.status == "removed"


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


def material_change(old: Listing, new: Listing) -> bool:
    """Whether `new` makes a new version of `old`: its content changed or it went away or
    came back."""
    return content_changed(old, new) or is_removed(old) != is_removed(new)


def content_changed(old: Listing, new: Listing) -> bool:
    """Whether the parts of a listing that make a new version (all but the status) differ."""
    return _content_key(old) != _content_key(new)


def _content_key(listing: Listing) -> tuple[object, ...]:
    price = None
    if listing.price is not None:
        price = (listing.price.amount, (listing.price.currency or "").upper())
    vendor = listing.vendor.handle.strip().casefold() if listing.vendor else None
    return (
        _words(listing.title),
        _words(listing.description),
        price,
        sorted(listing.ships_from),
        sorted(listing.ships_to),
        sorted(listing.shipping_methods),
        vendor,
    )


def _words(text: str) -> str:
    return " ".join(text.split())
