"""Synthetic vendors of the demo sites, including a few actors planted on two sites.

A planted actor appears under slightly different handles on two sites and shows the same PGP
key and Bitcoin address on both; `actor_id` is the ground truth linking them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from armswatch.demo import crypto
from armswatch.demo.texts import vendor_about
from armswatch.demo.vocabulary import (
    HANDLE_FIRST,
    HANDLE_SECOND,
    HOME_COUNTRIES,
    LANGUAGES,
    PRIVATE_NAMES,
)

SEED = 20260316
SITES = ("market", "forum", "classifieds")
CONFOUNDER_VENDOR = "GlockMaster"  # a drug vendor whose name merely sounds like a gun


@dataclass(frozen=True)
class DemoVendor:
    site: str
    handle: str
    family: str  # arms / drugs / fraud / digital / goods
    language: str
    country: str  # ISO 3166-1 alpha-2 of the home country
    actor_id: str  # one real-world actor; shared by handles on different sites
    about: str
    pgp_key: str
    pgp_fingerprint: str
    btc_address: str
    btc_bech32: str
    xmr_address: str
    eth_address: str

    @property
    def planted(self) -> bool:
        return self.actor_id.startswith("actor-")


@dataclass(frozen=True)
class _Planted:
    actor_id: str
    family: str
    language: str
    country: str
    handles: tuple[tuple[str, str], ...]  # (site, handle)


PLANTED: tuple[_Planted, ...] = (
    _Planted(
        "actor-nordic", "arms", "en", "DE", (("market", "NordicSteel"), ("forum", "nordic_steel"))
    ),
    _Planted(
        "actor-curtain", "arms", "en", "RS", (("market", "IronCurtain"), ("forum", "ironcurtain77"))
    ),
    _Planted(
        "actor-balkan",
        "arms",
        "de",
        "CZ",
        (("market", "BalkanParts"), ("classifieds", "balkan.parts")),
    ),
    _Planted(
        "actor-kraut",
        "arms",
        "de",
        "DE",
        (("forum", "kraut_tactical"), ("classifieds", "krauttactical")),
    ),
)

# vendors per family and site (planted actors come on top)
POOL_SIZES: dict[str, dict[str, int]] = {
    "market": {"arms": 12, "drugs": 13, "fraud": 8, "digital": 8},
    "forum": {"arms": 26, "drugs": 6, "fraud": 4, "digital": 6},
    "classifieds": {"arms": 12, "goods": 120},
}
LANGUAGE_WEIGHTS: dict[str, tuple[int, int, int, int, int]] = {
    "market": (80, 6, 4, 4, 6),
    "forum": (50, 15, 10, 10, 15),
    "classifieds": (15, 45, 13, 15, 12),
}


def make_vendor(
    site: str,
    handle: str,
    family: str,
    language: str,
    country: str,
    actor_id: str,
    rng: random.Random,
) -> DemoVendor:
    about = vendor_about(family).format(
        handle=handle, year=rng.randint(2019, 2025), sales=rng.randint(12, 4800)
    )
    return DemoVendor(
        site=site,
        handle=handle,
        family=family,
        language=language,
        country=country,
        actor_id=actor_id,
        about=about,
        pgp_key=crypto.pgp_public_key_block(actor_id),
        pgp_fingerprint=crypto.pgp_fingerprint(actor_id),
        btc_address=crypto.btc_p2pkh(actor_id),
        btc_bech32=crypto.btc_bech32(actor_id),
        xmr_address=crypto.xmr_address(actor_id),
        eth_address=crypto.eth_address(actor_id),
    )


def _handle(site: str, rng: random.Random) -> str:
    if site == "market":
        return rng.choice(HANDLE_FIRST) + rng.choice(HANDLE_SECOND)
    if site == "forum":
        first, second = rng.choice(HANDLE_FIRST).lower(), rng.choice(HANDLE_SECOND).lower()
        return rng.choice((f"{first}_{second}", f"{first}{second}{rng.randint(1, 99)}"))
    name = rng.choice(PRIVATE_NAMES)
    return rng.choice((f"{name}{rng.randint(1, 99)}", f"{name}_{rng.randint(60, 99)}"))


def _language(site: str, position: int, rng: random.Random) -> str:
    """The first five vendors of a pool write one language each, the rest follow the site."""
    if position < len(LANGUAGES):
        return LANGUAGES[position]
    return rng.choices(LANGUAGES, weights=LANGUAGE_WEIGHTS[site])[0]


def _site_vendors(site: str, rng: random.Random) -> list[DemoVendor]:
    vendors = [
        make_vendor(site, handle, p.family, p.language, p.country, p.actor_id, rng)
        for p in PLANTED
        for vendor_site, handle in p.handles
        if vendor_site == site
    ]
    if site == "market":
        vendors.append(
            make_vendor(site, CONFOUNDER_VENDOR, "drugs", "en", "NL", "glockmaster", rng)
        )
    taken = {vendor.handle.lower() for vendor in vendors}
    for family, size in POOL_SIZES[site].items():
        for position in range(size):
            handle = _handle(site, rng)
            while handle.lower() in taken:
                handle = _handle(site, rng)
            taken.add(handle.lower())
            language = _language(site, position, rng)
            country = rng.choice(HOME_COUNTRIES[language])
            vendors.append(
                make_vendor(site, handle, family, language, country, f"{site}:{handle}", rng)
            )
    return vendors


@cache
def vendors(site: str) -> tuple[DemoVendor, ...]:
    """Every vendor of a site, in a fixed order."""
    return tuple(_site_vendors(site, random.Random(f"{SEED}:vendors:{site}")))


@cache
def vendor_by_handle(site: str) -> dict[str, DemoVendor]:
    return {vendor.handle: vendor for vendor in vendors(site)}


@cache
def vendor_pool(site: str, family: str, language: str) -> tuple[DemoVendor, ...]:
    """Vendors of a family on a site who write the language (or all of the family)."""
    family_vendors = tuple(vendor for vendor in vendors(site) if vendor.family == family)
    speaking = tuple(vendor for vendor in family_vendors if vendor.language == language)
    return speaking or family_vendors
