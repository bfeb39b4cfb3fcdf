"""Synthetic vendors of the demo sites, including a few actors planted on two sites.

A planted actor appears under slightly different handles on two sites and shares some of its
identifiers across them (`_Planted.shares`): the PGP key, the wallets, both or neither; an
identifier it does not share is derived from the actor and the site, so it differs. `actor_id`
is the ground truth linking the handles, `planted_links()` what vendor resolution should find
from what the sites show. Every other vendor's identifiers are its own: no two unrelated vendors
share one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from typing import Literal

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


Shared = Literal["pgp", "wallets"]


@dataclass(frozen=True)
class _Planted:
    actor_id: str
    family: str
    language: str
    country: str
    handles: tuple[tuple[str, str], ...]  # (site, handle)
    shares: frozenset[Shared]  # the identifiers the handles have in common


PLANTED: tuple[_Planted, ...] = (
    _Planted(
        "actor-nordic",
        "arms",
        "en",
        "DE",
        (("market", "NordicSteel"), ("forum", "nordic_steel")),
        frozenset({"pgp"}),  # one key, a different set of wallets per site
    ),
    _Planted(
        "actor-curtain",
        "arms",
        "en",
        "RS",
        (("market", "IronCurtain"), ("forum", "ironcurtain77")),
        frozenset({"wallets"}),  # one set of wallets, a different key per site
    ),
    _Planted(
        "actor-balkan",
        "arms",
        "de",
        "CZ",
        (("market", "BalkanParts"), ("classifieds", "balkan.parts")),
        frozenset({"pgp", "wallets"}),
    ),
    _Planted(
        "actor-kraut",
        "arms",
        "de",
        "DE",
        (("forum", "kraut_tactical"), ("classifieds", "krauttactical")),
        frozenset(),  # nothing shared: only the similar handle (and a reused photo) link it
    ),
)
# what each site shows of a vendor: market and forum profile pages show the key and wallets
# (the forum only BTC and XMR); a classifieds ad of a planted vendor shows its BTC address
SHOWN: dict[str, dict[Shared, tuple[str, ...]]] = {
    "market": {"pgp": ("pgp_fingerprint",), "wallets": ("btc", "btc_bech32", "xmr", "eth")},
    "forum": {"pgp": ("pgp_fingerprint",), "wallets": ("btc", "xmr")},
    "classifieds": {"wallets": ("btc",)},
}
# the identifier kinds of vendor resolution (`intel.identifiers`) each shared thing shows as
EVIDENCE_KINDS: dict[Shared, str] = {"pgp": "pgp_fingerprint", "wallets": "crypto_address"}


@dataclass(frozen=True)
class PlantedLink:
    """Two handles of one planted actor and what a resolver can link them by."""

    actor_id: str
    first: tuple[str, str]  # (site, handle)
    second: tuple[str, str]
    evidence_kinds: frozenset[str]  # empty: nothing shown is shared, a weak suggestion at most

    @property
    def strong(self) -> bool:
        return bool(self.evidence_kinds)


def planted_links() -> tuple[PlantedLink, ...]:
    """The planted cross-site actors and the identifier kinds both of their sites show."""
    links = []
    for planted in PLANTED:
        first, second = planted.handles
        visible = set(SHOWN[first[0]]) & set(SHOWN[second[0]]) & planted.shares
        kinds = frozenset(EVIDENCE_KINDS[shared] for shared in visible)
        links.append(PlantedLink(planted.actor_id, first, second, kinds))
    return tuple(links)


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
    shares: frozenset[Shared] = frozenset(),
) -> DemoVendor:
    about = vendor_about(family).format(
        handle=handle, year=rng.randint(2019, 2025), sales=rng.randint(12, 4800)
    )
    own = f"{actor_id}@{site}"  # what the actor shows on this site only
    key_seed = actor_id if "pgp" in shares else own
    wallet_seed = actor_id if "wallets" in shares else own
    return DemoVendor(
        site=site,
        handle=handle,
        family=family,
        language=language,
        country=country,
        actor_id=actor_id,
        about=about,
        pgp_key=crypto.pgp_public_key_block(key_seed),
        pgp_fingerprint=crypto.pgp_fingerprint(key_seed),
        btc_address=crypto.btc_p2pkh(wallet_seed),
        btc_bech32=crypto.btc_bech32(wallet_seed),
        xmr_address=crypto.xmr_address(wallet_seed),
        eth_address=crypto.eth_address(wallet_seed),
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
        make_vendor(site, handle, p.family, p.language, p.country, p.actor_id, rng, p.shares)
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
