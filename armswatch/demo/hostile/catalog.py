"""What Hostile Bazaar sells: 30 ordinary listings in 3 categories, fixed and deterministic.

Tests compare a crawl of the site with these records, so nothing here is random: titles,
prices, vendors and places are picked from fixed tables by the listing's number.
"""

from __future__ import annotations

from dataclasses import dataclass

CATEGORIES: dict[int, str] = {
    1: "Pistols & parts",
    2: "Rifles & receivers",
    3: "Ammunition & accessories",
}

_TITLES: dict[int, tuple[str, ...]] = {
    1: (
        "Glock 19 slide, stripped",
        "Glock 17 barrel, 9mm",
        "Tokarev TT-33 with two magazines",
        "Makarov PM, 9x18",
        "CZ 75 frame, bare",
        "Beretta 92FS magazine, 15 rounds",
        "SIG P226 trigger group",
        "Walther PPK slide",
        "Glock auto sear (switch)",
        "Colt 1911 barrel, .45 ACP",
    ),
    2: (
        "AR-15 lower receiver 80%",
        "AR-15 bolt carrier group",
        "AK-47 receiver flat",
        "AKM front trunnion",
        "Mosin-Nagant 91/30",
        "M16 auto sear",
        "SKS stock and bolt",
        "AR-15 upper receiver, complete",
        "FN FAL trigger kit",
        "Remington 700 short action",
    ),
    3: (
        "9mm ammunition 1000 rounds",
        "7.62x39 ammunition 500 rounds",
        ".223 Remington 200 rounds",
        "9x18 Makarov 250 rounds",
        ".45 ACP 100 rounds",
        "Solvent trap kit, 1/2x28",
        "Suppressor tube, 9mm",
        "AK magazine 30 rounds, 5 pack",
        "Red dot sight, used",
        "Drum magazine 50 rounds, 9mm",
    ),
}
_PRICES = (1250, 340, 900, 650, 480, 45, 210, 390, 150, 275)
VENDORS: dict[str, str] = {
    "ironside": "Parts from estate sales, shipped in pieces. No questions.",
    "balkan_supply": "Former army stock from the Balkans. Escrow only.",
    "northgear": "Machined parts, 80% lowers and jigs. Stealth packaging.",
    "kalash_king": "Everything Kalashnikov. Bulk discounts on ammunition.",
    "steelwolf": "Pistol parts and sears. Ships twice a week.",
}
_PLACES = (
    ("Germany", "Europe"),
    ("Czech Republic", "Worldwide"),
    ("Serbia", "Europe"),
    ("Netherlands", "EU only"),
    ("Poland", "Europe"),
    ("United States", "Worldwide"),
)
_PITCHES = (
    "Clean, tested, no serial number problems.",
    "Fits standard frames, drop-in.",
    "Discreet packaging, tracking on request.",
    "Bulk orders welcome, message me first.",
)


@dataclass(frozen=True)
class NormalListing:
    """A listing a crawler should capture, as its detail page shows it."""

    id: str
    title: str
    price: int  # in `currency`, shown as e.g. "$1,250"
    path: str
    currency: str = "USD"
    vendor: str = "ironside"
    category: int = 1
    ships_from: str = "Germany"
    ships_to: str = "Europe"
    description: str = ""

    @property
    def price_text(self) -> str:
        return f"${self.price:,}"


def _listing(number: int) -> NormalListing:
    category, slot = divmod(number - 1, 10)
    title = _TITLES[category + 1][slot]
    ships_from, ships_to = _PLACES[number % len(_PLACES)]
    listing_id = f"hb-{number:03d}"
    return NormalListing(
        id=listing_id,
        title=title,
        price=_PRICES[slot] + 5 * category,
        path=f"/listing/{listing_id}",
        vendor=tuple(VENDORS)[number % len(VENDORS)],
        category=category + 1,
        ships_from=ships_from,
        ships_to=ships_to,
        description=f"{title}. {_PITCHES[number % len(_PITCHES)]}",
    )


NORMAL_LISTINGS: tuple[NormalListing, ...] = tuple(_listing(number) for number in range(1, 31))
LISTINGS_BY_ID = {listing.id: listing for listing in NORMAL_LISTINGS}

# Real offers behind hostile network behaviour (429 first, 503s first): a patient crawler that
# honours Retry-After captures them, so they count with the normal listings.
PATIENT_LISTINGS: tuple[NormalListing, ...] = (
    NormalListing(
        id="hb-ratelimited",
        title="Glock 26 frame, OEM",
        price=520,
        path="/net/ratelimited",
        vendor="steelwolf",
        category=1,
        description="Glock 26 frame, OEM. Answers only after you wait (Retry-After).",
    ),
    NormalListing(
        id="hb-flaky",
        title="AK-74 bolt carrier",
        price=310,
        path="/net/flaky",
        vendor="kalash_king",
        category=2,
        ships_from="Serbia",
        description="AK-74 bolt carrier. The server is flaky; try again.",
    ),
)
