"""The identifiers each vendor shows, gathered from the index's vendor profiles and listings.

From a vendor profile (`IndexBackend.scan_vendors`): the armoured key block, read by the PGP
extractor (`extractors.signals.pgp`) into its fingerprint; the payment addresses, kept when
the crypto extractor (`extractors.signals.crypto`) finds them checksum-valid and in its
normalized form (`btc:…`, `xmr:…`); and whatever the extractors find in the "about" text.
From a listing: the entities the extractors stored on it (PGP_KEY / PGP_FINGERPRINT,
CRYPTO_ADDRESS, EMAIL, MESSENGER). Each identifier keeps where it was seen (listing ids,
profile URLs) and when (first and last seen).

Strong kinds link vendors on their own (`STRONG_KINDS`). A key block the PGP extractor cannot
parse is identified by a digest of its base64 (`pgp_key_block`): the same bytes are the same
key, parseable or not. A handle after a contact word with no app named (MESSENGER
`unknown:@name`) is a `contact_handle`, a weak signal only: it is often a market's own.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable

from crawlers.listing import Entity, Listing
from crawlers.vendor_profile import VendorProfile
from extractors.signals import contacts, crypto, pgp
from index.backend import IndexBackend
from index.reposts import shingles, signature
from intel.vendor_records import (
    Identifier,
    ListingFacts,
    ShippingProfile,
    VendorKey,
    VendorRecord,
)

STRONG_KINDS = frozenset(
    {"pgp_fingerprint", "pgp_key_block", "crypto_address", "email", "messenger"}
)
ENTITY_KINDS = {
    "PGP_KEY": "pgp_fingerprint",
    "PGP_FINGERPRINT": "pgp_fingerprint",
    "PGP_KEY_INVALID": "pgp_key_block",
    "CRYPTO_ADDRESS": "crypto_address",
    "EMAIL": "email",
    "MESSENGER": "messenger",
}
MIN_TEXT_SHINGLES = 20  # shorter texts are too alike by chance to say two vendors are one
_ARMOR_HEADER = re.compile(r"^[A-Za-z][A-Za-z-]*:\s.*$", re.MULTILINE)
_ABOUT_FINDERS: tuple[Callable[[str, str], list[Entity]], ...] = (
    pgp.find,
    crypto.find,
    contacts.find,
)
Progress = Callable[[int], None]


def entity_identifier(entity: Entity) -> Identifier | None:
    """The identifier an extracted entity is, or None for entities that identify nobody."""
    kind = ENTITY_KINDS.get(entity.label)
    if kind == "pgp_key_block":
        return Identifier(kind, key_block_digest(entity.text))
    if kind is None or not entity.normalized:
        return None
    if kind == "messenger" and entity.normalized.startswith("unknown:"):
        return Identifier("contact_handle", entity.normalized.removeprefix("unknown:"))
    return Identifier(kind, entity.normalized)


def key_block_digest(block: str) -> str:
    """`sha256:` + 16 hex of a key block's base64, its armor lines, headers and spaces aside."""
    found = pgp.KEY_BLOCK.search(block)
    body = _ARMOR_HEADER.sub("", found.group("body") if found else block)
    return "sha256:" + hashlib.sha256("".join(body.split()).encode()).hexdigest()[:16]


def profile_identifiers(profile: VendorProfile) -> list[Identifier]:
    """What a vendor profile shows: its key, its valid payment addresses, its about text's."""
    entities: list[Entity] = []
    if profile.pgp_key:
        entities += pgp.find(profile.pgp_key, "pgp_key")
    for address in profile.crypto_addresses:
        entities += crypto.find(address.strip(), "crypto_addresses")
    for find in _ABOUT_FINDERS:
        entities += find(profile.about, "about")
    return _identifiers(entities)


def listing_identifiers(listing: Listing) -> list[Identifier]:
    """The identifiers among the entities the extractors stored on a listing."""
    return _identifiers(listing.annotations.entities if listing.annotations else [])


def _identifiers(entities: Iterable[Entity]) -> list[Identifier]:
    found = (entity_identifier(entity) for entity in entities)
    return list(dict.fromkeys(identifier for identifier in found if identifier is not None))


def listing_facts(listing: Listing, *, sign: bool = True) -> ListingFacts:
    """The listing as weak signals read it; `sign=False` leaves out the text signature."""
    shipping = None
    if listing.ships_from or listing.ships_to or listing.shipping_methods:
        shipping = ShippingProfile(
            tuple(sorted(set(listing.ships_from))),
            tuple(sorted(set(listing.ships_to))),
            tuple(sorted({method.casefold() for method in listing.shipping_methods})),
        )
    return ListingFacts(
        id=listing.id,
        signature=signature(listing) if sign and _long_enough(listing) else None,
        phashes=tuple(photo.phash for photo in listing.photos if photo.phash),
        shipping=shipping,
        firearm_related=bool(listing.annotations and listing.annotations.firearm_related),
    )


def _long_enough(listing: Listing) -> bool:
    return len(shingles(listing)) >= MIN_TEXT_SHINGLES


def gather(
    index: IndexBackend, progress: Progress | None = None, *, sign: bool = True
) -> dict[VendorKey, VendorRecord]:
    """Every vendor of the index with its identifiers and listings; `progress(n)` after each
    `n` listings read; `sign=False` skips the text signatures (to look vendors up only)."""
    listings = index.scan_listings("*", sort="oldest")
    return gather_from(index.scan_vendors(), listings, progress, sign=sign)


def gather_from(
    profiles: Iterable[VendorProfile],
    listings: Iterable[Listing],
    progress: Progress | None = None,
    *,
    sign: bool = True,
) -> dict[VendorKey, VendorRecord]:
    """`gather` over vendor profiles and listings already read (listings oldest first)."""
    vendors: dict[VendorKey, VendorRecord] = {}
    for profile in profiles:
        record = _record(vendors, profile.market, profile.handle, profile.source)
        for identifier in profile_identifiers(profile):
            sighting = record.sighting(identifier)
            sighting.add(profile.captured_at, profile.captured_at, profile=profile.url)
    for listing in listings:
        if listing.vendor is not None and listing.vendor.handle.strip():
            add_listing(vendors, listing, sign=sign)
        if progress is not None:
            progress(1)
    return vendors


def add_listing(
    vendors: dict[VendorKey, VendorRecord], listing: Listing, *, sign: bool = True
) -> None:
    """Add a listing with a vendor to its vendor's record (made when new)."""
    if listing.vendor is None:
        raise ValueError(f"listing {listing.id} has no vendor")
    record = _record(vendors, listing.market, listing.vendor.handle, listing.source)
    record.listings.append(listing_facts(listing, sign=sign))
    for identifier in listing_identifiers(listing):
        sighting = record.sighting(identifier)
        sighting.add(listing.first_seen, listing.last_seen, listing=listing.id)


def _record(
    vendors: dict[VendorKey, VendorRecord], market: str, handle: str, source: str
) -> VendorRecord:
    key = VendorKey.of(market, handle)
    record = vendors.get(key)
    if record is None:
        record = vendors[key] = VendorRecord(key, handle.strip())
    record.sources.add(source)
    return record
