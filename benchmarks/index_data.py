"""Synthetic listings and the query mix of `benchmarks/index.py`.

Listings vary the demo catalog's offers (`armswatch.demo.catalog.catalog(1)`): each copy gets a
new id, a lot number and a variant word in its texts, a price scaled by up to ±30 % and
first/last-seen times spread over 90 days. Annotations are left empty.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from armswatch.demo.catalog import DemoOffer, catalog
from crawlers.listing import Listing, Price, Vendor

START = datetime(2024, 6, 1, tzinfo=UTC)
VARIANTS = ("new", "used", "mint", "bulk", "discreet", "fast", "stock", "rare", "sealed", "promo")

# (label, query, facets): terms, phrases, keyword filters, ranges and facets
QUERIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("term", "glock", ()),
    ("two terms", "rifle scope", ()),
    ("phrase", '"purple kush"', ()),
    ("phrase + term", '"beretta 92fs" mint', ()),
    ("keyword filter", "ships_to:de", ()),
    ("keyword + term", "market:market AND pistol", ()),
    ("price range", "price.amount_usd:[500 TO 1000]", ()),
    ("date range", "first_seen:[2024-04-01 TO 2024-05-01]", ()),
    ("term + range", "ammo AND price.amount_usd:[* TO 200]", ()),
    ("negation", "pistol NOT glock", ()),
    ("facets, all", "*", ("market", "ships_to")),
    ("facets + term", "rifle", ("source", "price.currency")),
)


def variant(offer: DemoOffer, number: int, seen: datetime) -> Listing:
    """The n-th synthetic listing, a variation of `offer`."""
    word = VARIANTS[number % len(VARIANTS)]
    factor = 0.7 + (number * 7919 % 61) / 100  # 0.70 .. 1.30
    return Listing(
        id=f"bench{number:07d}",
        source=offer.site,
        market=offer.site,
        url=f"http://{offer.site}.onion/offer/{offer.offer_id}/{number}",
        site_listing_id=f"{offer.offer_id}-{number}",
        title=f"{offer.title} {word}",
        description=f"{offer.description} Lot {number}, {word}.",
        category_path=list(offer.category_path),
        language=offer.language,
        price=Price(
            amount=round(offer.price_amount * factor, 6),
            currency=offer.currency,
            amount_usd=round(offer.price_usd * factor, 2),
            text=offer.price_text,
        ),
        quantity=offer.quantity,
        vendor=Vendor(handle=offer.vendor),
        ships_to=list(offer.ships_to_codes),
        shipping_methods=[method.lower() for method in offer.shipping_methods],
        first_seen=seen,
        last_seen=seen + timedelta(hours=number % 48),
        captured_at=seen + timedelta(hours=number % 48),
    )


def synthetic_listings(count: int) -> list[Listing]:
    offers = catalog(1)
    return [
        variant(offers[n % len(offers)], n, START - timedelta(minutes=(n * 7907) % (90 * 1440)))
        for n in range(count)
    ]
