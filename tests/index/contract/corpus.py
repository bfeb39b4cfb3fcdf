"""The contract corpus: demo-catalog offers as crawled `Listing` records, plus edge cases.

About 600 offers of `armswatch.demo.catalog.catalog(1)` are turned into listings the way the
crawler fills them (stable ids, country codes, lower-case shipping methods, prices with USD and
EUR amounts) and annotated once by the real `Annotator` (entities, category, score). A few
hand-made listings add what the catalog lacks: diacritics, `AR15` without a hyphen, HTML in the
text, a listing without price, vendor, language or annotations, removed listings.

Times are spread over the 90 days before `now`, at odd hours, so relative date ranges
(`now-7d`) never fall near a listing; `posted_at` carries the catalog's absolute dates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import extractors
from armswatch.demo.catalog import SITE_NAMES, DemoOffer, catalog
from crawlers.listing import Annotations, Listing, Price, Vendor, listing_id
from crawlers.normalize import to_country_codes
from extractors.annotator import Annotator

EUR_PER_USD = 0.92
# words the parity queries look for: offers holding them join the sample
SPECIAL = ("munición", "патроны", "p320", "Zubehör", "Österreich", "qualité")
REPRICED_SHARE = 23  # every 23rd listing gets a new price on a second crawl


def sample_offers() -> list[DemoOffer]:
    """About 600 offers of day 1: three of every eight, plus those with the special words."""
    return [
        offer
        for position, offer in enumerate(catalog(1))
        if position % 8 < 3 or any(word in f"{offer.title} {offer.description}" for word in SPECIAL)
    ]


def _price(amount: float, currency: str, usd: float, text: str) -> Price:
    return Price(
        amount=amount,
        currency=currency,
        amount_usd=usd,
        amount_eur=round(usd * EUR_PER_USD, 2),
        text=text,
    )


def _seen(position: int, now: datetime) -> tuple[datetime, datetime]:
    """(first_seen, last_seen) of the n-th listing: up to 89 days back, at 3 to 20 o'clock."""
    age = (position * 37) % 90
    first = now - timedelta(days=age, hours=3 + (position * 5) % 18, minutes=position % 60)
    return first, first + timedelta(days=age // 2)


def _methods(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(value.strip().lower() for value in values if value.strip()))


def offer_listing(offer: DemoOffer, position: int, now: datetime) -> Listing:
    """The listing the crawler makes of an offer's detail page (without annotations)."""
    source = f"demo-{offer.site}"
    url = f"http://{offer.site}.demo.test/listing/{offer.offer_id}"
    first_seen, last_seen = _seen(position, now)
    posted = datetime.combine(offer.posted_on, time(9, 30), UTC) if offer.posted_on else None
    return Listing(
        id=listing_id(source, offer.offer_id, url),
        source=source,
        market=SITE_NAMES[offer.site],
        source_kind=offer.site,
        url=url,
        site_listing_id=offer.offer_id,
        title=offer.title,
        description=offer.description,
        category_path=list(offer.category_path),
        language=offer.language,
        images=[f"http://{offer.site}.demo.test{image}" for image in offer.images],
        price=_price(offer.price_amount, offer.currency, offer.price_usd, offer.price_text),
        quantity=offer.quantity,
        vendor=Vendor(handle=offer.vendor),
        ships_from=to_country_codes(offer.ships_from),
        ships_to=to_country_codes(offer.ships_to) or list(offer.ships_to_codes),
        shipping_methods=_methods(offer.shipping_methods),
        posted_at=posted,
        first_seen=first_seen,
        last_seen=last_seen,
        captured_at=last_seen,
    )


def _extra(key: str, position: int, now: datetime, **fields: Any) -> Listing:
    first_seen, last_seen = _seen(position, now)
    defaults: dict[str, Any] = {
        "id": f"contract-{key}",
        "source": "contract-extras",
        "market": "Contract Extras",
        "source_kind": "shop",
        "url": f"http://extras.demo.test/{key}",
        "site_listing_id": key,
        "first_seen": first_seen,
        "last_seen": last_seen,
        "captured_at": last_seen,
    }
    return Listing(**{**defaults, **fields})


def extra_listings(now: datetime, start: int) -> list[Listing]:
    """Hand-made listings for what the demo catalog does not show."""
    vendor = Vendor(handle="Zürcher_Waffen")
    return [
        _extra(
            "laeufe",
            start,
            now,
            title="Zwei Läufe für Glock 17, Kaliber 9x19",
            description="Wechselläufe in Originalgröße, kaum benutzt. Übergabe in Zürich.",
            category_path=["Waffen", "Läufe & Zubehör"],
            language="de",
            price=_price(480, "EUR", 521.74, "480 €"),
            vendor=vendor,
            ships_from=["CH"],
            ships_to=["DE", "AT", "CH"],
            shipping_methods=["dhl express", "abholung"],
            posted_at=datetime(2026, 2, 14, 18, 0, tzinfo=UTC),
        ),
        _extra(
            "ar15",
            start + 1,
            now,
            title="AR15 upper receiver 5.56",
            description="Complete AR15 upper, 16 inch barrel. No lower included.",
            category_path=["Parts", "Uppers"],
            language="en",
            price=_price(650, "USD", 650, "$650"),
            vendor=Vendor(handle="Eagle"),
            ships_from=["US"],
            ships_to=["US", "CA"],
            shipping_methods=["usps priority"],
        ),
        _extra(
            "html",
            start + 2,
            now,
            title='<b>Glock</b> & Co. "special" frame',
            description="<script>alert('glock')</script> polymer frame & rails, 9mm <i>only</i>",
            category_path=["Parts"],
            language="en",
            price=_price(0.0041, "BTC", 262.4, "0.0041 BTC"),
            vendor=Vendor(handle="IronMike"),
            ships_to=["WW"],
        ),
        _extra(
            "bare",
            start + 3,
            now,
            title="Gunsmithing manual PDF",
            description="Digital download, no shipping.",
        ),
        _extra(
            "patrony",
            start + 4,
            now,
            title="Патроны 7.62x39, 100 шт",
            description="Патроны для АК, цинк. Отправка из Сербии.",
            category_path=["Оружие", "Патроны"],
            language="ru",
            price=_price(0.9, "XMR", 148.5, "0.9 XMR"),
            vendor=Vendor(handle="Balkan_Trade"),
            ships_from=["RS"],
            ships_to=["RU", "RS"],
            shipping_methods=["ems"],
        ),
        _extra(
            "municion",
            start + 5,
            now,
            title="Munición 9mm Luger, caja de 50",
            description="Munición nueva, envío discreto desde España.",
            category_path=["Armas", "Munición"],
            language="es",
            price=_price(45, "EUR", 48.91, "45 €"),
            vendor=Vendor(handle="angler82"),
            ships_from=["ES"],
            ships_to=["ES", "PT"],
            shipping_methods=["correos certificado"],
        ),
        _extra(
            "removed",
            start + 6,
            now,
            title="Glock 19 Gen5, sold",
            description="Sold, thread closed.",
            language="en",
            price=_price(700, "USD", 700, "$700"),
            vendor=Vendor(handle="IronMike"),
            ships_to=["DE"],
            status="removed",
        ),
    ]


def _annotation_key(listings: Sequence[Listing], version: str) -> str:
    """Changes with the listings' texts, the vocabularies and the extractors' own files."""
    digest = hashlib.sha256(version.encode())
    for path in sorted(Path(extractors.__file__).parent.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".yaml", ".json", ".txt", ".csv"}:
            digest.update(path.read_bytes())
    fields = {"id", "title", "description", "language", "category_path"}
    for listing in listings:
        digest.update(listing.model_dump_json(include=fields).encode())
    return digest.hexdigest()[:16]


def annotate(listings: list[Listing], cache: Any | None = None) -> list[Listing]:
    """The listings annotated by the real annotator; `cache` (pytest's) keeps the annotations."""
    annotator = Annotator.load()
    key = f"armswatch/contract-annotations/{_annotation_key(listings, annotator.version)}"
    stored = cache.get(key, None) if cache is not None else None
    if isinstance(stored, list) and len(stored) == len(listings):
        return [
            listing.model_copy(update={"annotations": _loaded(annotations)})
            for listing, annotations in zip(listings, stored, strict=True)
        ]
    annotated = annotator.annotate_listings(listings)
    if cache is not None:
        cache.set(key, [_dumped(listing.annotations) for listing in annotated])
    return annotated


def _loaded(annotations: dict[str, Any] | None) -> Annotations | None:
    return Annotations.model_validate(annotations) if annotations is not None else None


def _dumped(annotations: Annotations | None) -> dict[str, Any] | None:
    return annotations.model_dump(mode="json") if annotations is not None else None


def build_corpus(now: datetime, cache: Any | None = None) -> list[Listing]:
    """The annotated sample of the demo catalog and the extras (the extra 'bare' unannotated)."""
    offers = [offer_listing(offer, n, now) for n, offer in enumerate(sample_offers())]
    extras = extra_listings(now, len(offers))
    bare = [listing for listing in extras if listing.id == "contract-bare"]
    annotated = annotate([*offers, *(listing for listing in extras if listing not in bare)], cache)
    return [*annotated, *bare]


def recrawl(corpus: Sequence[Listing], now: datetime) -> list[Listing]:
    """A second crawl an hour before `now` of every 23rd listing: a new price, or none changed."""
    again: list[Listing] = []
    for n, listing in enumerate(corpus[::REPRICED_SHARE]):
        update: dict[str, Any] = {"captured_at": now - timedelta(hours=1)}
        update["last_seen"] = update["first_seen"] = update["captured_at"]
        if n % 2 == 0 and listing.price is not None:
            usd = round((listing.price.amount_usd or 0) * 0.9, 2)
            update["price"] = listing.price.model_copy(
                update={"amount": round(listing.price.amount * 0.9, 6), "amount_usd": usd}
            )
        again.append(listing.model_copy(update=update))
    return again
