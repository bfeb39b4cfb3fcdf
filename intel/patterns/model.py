"""What every pattern report takes and gives: the listings of a window, and findings that name
the listings supporting them and say in words why they were raised."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from crawlers.listing import Listing
from intel.windows import Window

# the classifier's categories that stand for a gun or a part of one
ARMS_CATEGORIES = frozenset({"firearm", "essential_component", "conversion_device", "3d_printed"})


@dataclass(frozen=True)
class ReportInput:
    """The listings a report looks at, the window it reports on, and (optionally) who is who:
    a mapping from vendor key (`vendor_key`) to actor id, from the actor resolver."""

    listings: Sequence[Listing]
    window: Window
    actors: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        if self.actors is not None:  # vendor keys compare case-insensitively, as handles do
            folded = {key.casefold(): actor for key, actor in self.actors.items()}
            object.__setattr__(self, "actors", folded)

    def actor_of(self, listing: Listing) -> str | None:
        """The actor behind the listing's vendor (the vendor key itself without a resolver)."""
        key = vendor_key(listing)
        if key is None:
            return None
        return (self.actors or {}).get(key.casefold(), key)


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One thing a report found: about `subject`, explained in `explanation`, supported by
    the listings in `listing_ids`. Reports subclass it with typed facts of their own."""

    report: str
    subject: str
    explanation: str
    listing_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["listing_ids"] = list(self.listing_ids)
        return data


ReportFunction = Callable[[ReportInput], list[Finding]]


def vendor_key(listing: Listing) -> str | None:
    """`market/handle`: the vendor as one market knows it (None when the listing names none)."""
    if listing.vendor is None:
        return None
    return f"{listing.market}/{listing.vendor.handle}"


def category_of(listing: Listing) -> str:
    return listing.annotations.category if listing.annotations else "none"


def normalized_entities(listing: Listing, label: str) -> list[str]:
    """The distinct normalized values (or texts) of the listing's entities with `label`."""
    values: list[str] = []
    for found in listing.annotations.entities if listing.annotations else ():
        if found.label == label:
            value = found.normalized or found.text
            if value not in values:
                values.append(value)
    return values


def appeared_at(listing: Listing) -> datetime:
    """When the listing went up: the date the site prints when earlier than the first crawl."""
    if listing.posted_at is not None and listing.posted_at < listing.first_seen:
        return listing.posted_at
    return listing.first_seen
