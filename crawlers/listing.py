"""The `Listing` record: one offer on one site, as handed from the crawlers downstream.

Every later stage (extractors, index, rules, dashboards) reads and writes this record; it is
the typed hand-off of the architecture page. Times are timezone-aware UTC.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ListingStatus = Literal["active", "changed", "removed"]
Category = Literal[
    "firearm",
    "essential_component",
    "accessory",
    "conversion_device",
    "ammunition",
    "3d_printed",
    "manual",
    "other_weapon",
    "none",
]
SourceKind = Literal["market", "forum", "classifieds", "shop"]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Price(_Record):
    """A price as shown, plus conversions at capture time when a rate is known."""

    amount: float
    currency: str | None = None  # ISO 4217 or crypto ticker (BTC, XMR, LTC, ETH)
    amount_usd: float | None = None
    amount_eur: float | None = None
    text: str | None = None  # the raw text the price was parsed from


class Vendor(_Record):
    handle: str
    profile_url: str | None = None


class Evidence(_Record):
    warc_file: str | None = None
    warc_record_id: str | None = None
    sha256: str | None = None
    screenshot: str | None = None
    saved_file: str | None = None  # an imported saved page (`armswatch import`): file or member


class Photo(_Record):
    """A listing image as downloaded through the source's network, stored once by content hash."""

    url: str
    sha256: str  # of the bytes as served; the file in the photo store is named by it
    phash: str | None = None  # perceptual hash (imagehash.phash, 64 bits as 16 hex digits)
    width: int | None = None
    height: int | None = None
    media_type: str | None = None  # as Pillow reads it: image/jpeg, image/png, ...
    exif: dict[str, str] = Field(default_factory=dict)  # tag name -> value, as text
    flags: list[str] = Field(default_factory=list)  # "gps", "device": what the EXIF gives away


class Entity(_Record):
    label: str
    text: str
    start: int
    end: int
    field: str
    normalized: str | None = None


class Annotations(_Record):
    firearm_related: bool = False
    category: Category = "none"
    score: float = Field(default=0.0, ge=0.0, le=1.0)
    reasons: list[str] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)


class Listing(_Record):
    # identity
    id: str
    source: str
    market: str
    url: str
    site_listing_id: str | None = None
    source_kind: SourceKind | None = None
    # content
    title: str
    description: str = ""
    category_path: list[str] = Field(default_factory=list)
    language: str | None = None
    images: list[str] = Field(default_factory=list)
    photos: list[Photo] = Field(default_factory=list)  # the images, downloaded and hashed
    # commerce
    price: Price | None = None
    quantity: int | None = None
    vendor: Vendor | None = None
    ships_from: list[str] = Field(default_factory=list)
    ships_to: list[str] = Field(default_factory=list)
    shipping_methods: list[str] = Field(default_factory=list)
    # time
    posted_at: datetime | None = None
    first_seen: datetime
    last_seen: datetime
    captured_at: datetime
    status: ListingStatus = "active"
    version: int = 1
    # evidence and enrichment
    evidence: Evidence | None = None
    annotations: Annotations | None = None


def listing_id(source: str, site_listing_id: str | None, canonical_url: str) -> str:
    """A stable id: the same offer on the same source always gets the same id.

    The site's own listing id is preferred; the canonical URL stands in when a site has none.
    """
    key = (
        f"{source}\x1fid:{site_listing_id}"
        if site_listing_id
        else f"{source}\x1furl:{canonical_url}"
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


def utcnow() -> datetime:
    return datetime.now(UTC)
