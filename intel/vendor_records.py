"""What resolution knows of one vendor: its key, the identifiers it shows, its listings.

A vendor is a handle on a market, the handle compared case-insensitively (`VendorKey`). On the
command line a vendor is written `MARKET:HANDLE`, the market by its name ("Obsidian Bazaar")
or by the name of a source that crawls it ("demo-market"), both case-insensitively; a bare
HANDLE will do when only one market has it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from datasketch import MinHash
from rapidfuzz import fuzz, process, utils

from intel.errors import UnknownVendorError

CLOSE_MATCHES = 5


@dataclass(frozen=True, order=True)
class VendorKey:
    """A vendor: the market's name and the handle, trimmed and case-folded."""

    market: str
    handle: str

    @classmethod
    def of(cls, market: str, handle: str) -> VendorKey:
        return cls(market.strip(), handle.strip().casefold())

    def __str__(self) -> str:
        return f"{self.market}:{self.handle}"


@dataclass(frozen=True, order=True)
class Identifier:
    """An identifier a vendor shows, normalized: `kind` (pgp_fingerprint, pgp_key_block,
    crypto_address, email, messenger, contact_handle) and `value`."""

    kind: str
    value: str

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"


@dataclass
class Sighting:
    """Where and when a vendor showed one identifier: listings, profile pages, first/last."""

    listing_ids: set[str] = field(default_factory=set)
    profile_urls: set[str] = field(default_factory=set)
    first_seen: datetime | None = None
    last_seen: datetime | None = None

    def add(self, first: datetime, last: datetime, *, listing: str = "", profile: str = "") -> None:
        if listing:
            self.listing_ids.add(listing)
        if profile:
            self.profile_urls.add(profile)
        self.first_seen = first if self.first_seen is None else min(self.first_seen, first)
        self.last_seen = last if self.last_seen is None else max(self.last_seen, last)


@dataclass(frozen=True, order=True)
class ShippingProfile:
    """Where a listing ships from and to, and how (all as sorted tuples)."""

    ships_from: tuple[str, ...]
    ships_to: tuple[str, ...]
    methods: tuple[str, ...]

    def __str__(self) -> str:
        methods = f" by {', '.join(self.methods)}" if self.methods else ""
        return f"{'/'.join(self.ships_from)} -> {'/'.join(self.ships_to)}{methods}"


@dataclass(frozen=True, eq=False)
class ListingFacts:
    """What the weak signals read from one listing."""

    id: str
    signature: MinHash | None  # of its text's word shingles; None for texts too short to compare
    phashes: tuple[str, ...]  # perceptual hashes of its photos (16 hex digits each)
    shipping: ShippingProfile | None
    firearm_related: bool


@dataclass
class VendorRecord:
    """One vendor as the index shows it."""

    key: VendorKey
    handle: str  # as first shown
    sources: set[str] = field(default_factory=set)
    identifiers: dict[Identifier, Sighting] = field(default_factory=dict)
    listings: list[ListingFacts] = field(default_factory=list)

    def sighting(self, identifier: Identifier) -> Sighting:
        return self.identifiers.setdefault(identifier, Sighting())

    @property
    def firearm_related(self) -> bool:
        return any(listing.firearm_related for listing in self.listings)

    @property
    def label(self) -> str:
        """How the vendor is written for people: market and handle as shown."""
        return f"{self.key.market}:{self.handle}"


def find_vendor(ref: str, vendors: dict[VendorKey, VendorRecord]) -> VendorKey:
    """The vendor a `MARKET:HANDLE` reference names; `UnknownVendorError` with close matches."""
    market, sep, handle = ref.partition(":")
    if sep and handle.strip():
        wanted, folded = market.strip().casefold(), handle.strip().casefold()
        found = [k for k, r in vendors.items() if k.handle == folded and wanted in _names(k, r)]
    else:  # a bare handle names the vendor when only one market has it
        found = [key for key in vendors if key.handle == ref.strip().casefold()]
    if len(found) == 1:
        return found[0]
    raise UnknownVendorError(ref, close_vendors(ref, vendors))


def close_vendors(ref: str, vendors: dict[VendorKey, VendorRecord]) -> list[str]:
    """The labels of the vendors most like `ref` (written with market or source name)."""
    spellings: dict[str, str] = {}
    for record in vendors.values():
        spellings[record.label] = record.label
        for source in record.sources:
            spellings.setdefault(f"{source}:{record.handle}", record.label)
        spellings.setdefault(record.handle, record.label)
    close = process.extract(
        ref,
        list(spellings),
        scorer=fuzz.QRatio,
        processor=utils.default_process,
        limit=CLOSE_MATCHES * 2,
        score_cutoff=60,
    )
    return list(dict.fromkeys(spellings[spelling] for spelling, _, _ in close))[:CLOSE_MATCHES]


def _names(key: VendorKey, record: VendorRecord) -> set[str]:
    return {key.market.casefold(), *(source.casefold() for source in record.sources)}
