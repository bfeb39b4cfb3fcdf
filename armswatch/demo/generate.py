"""Make one synthetic demo offer from a random generator (deterministic for a given state)."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from armswatch.demo import texts
from armswatch.demo.model import DemoOffer
from armswatch.demo.pricing import choose_currency, make_price
from armswatch.demo.products import KINDS, PRODUCTS, PRODUCTS_BY_GROUP, Product
from armswatch.demo.taxonomy import category_path
from armswatch.demo.vendors import CONFOUNDER_VENDOR, DemoVendor, vendor_by_handle, vendor_pool
from armswatch.demo.vocabulary import (
    CONDITIONS,
    COUNTRIES,
    DIGITAL_DELIVERY,
    DISCREET_METHODS,
    FORUM_PREFIX,
    LANGUAGES,
    MONTHS,
    PAYMENT_NOTE,
    PICKUP,
    REGION_CODES,
    REGION_NAMES,
    SHIPPING,
    SHIPS_TO_CHOICES,
    SHIPS_TO_GERMANY,
    US_LONG,
)

GROUP_WEIGHTS: dict[str, dict[str, float]] = {
    "market": {
        "pistols": 8, "rifles": 4, "components": 5, "conversion": 3, "ammo": 5,
        "accessories": 4, "manuals": 2, "printing": 2, "defense": 1.5, "replicas": 1.5,
        "cannabis": 12, "stimulants": 10, "ecstasy": 7, "pills": 7, "cards": 6, "fullz": 4,
        "documents": 4, "accounts": 5, "software": 4, "ebooks": 3.5, "periodicals": 1.5,
    },
    "forum": {
        "pistols": 15, "rifles": 8, "components": 10, "conversion": 7, "ammo": 10,
        "accessories": 9, "manuals": 4, "printing": 5, "defense": 5, "replicas": 4,
        "periodicals": 2, "ebooks": 2, "cannabis": 5, "stimulants": 3, "ecstasy": 2, "pills": 2,
        "cards": 2, "fullz": 1, "documents": 2, "accounts": 1, "software": 1,
    },
    "classifieds": {
        "pistols": 3, "rifles": 2, "components": 3, "conversion": 3, "ammo": 3,
        "accessories": 7, "manuals": 1, "printing": 2, "defense": 5, "replicas": 8,
        "periodicals": 4, "bikes": 12, "electronics": 16, "furniture": 12, "books": 6,
        "outdoor": 8, "tools": 5,
    },
}  # fmt: skip
OFFER_LANGUAGE_WEIGHTS = {
    "market": (80, 6, 4, 4, 6),
    "forum": (50, 15, 10, 10, 15),
    "classifieds": (15, 45, 13, 15, 12),
}
DIGITAL_KINDS = {"manual", "files", "cards", "fullz", "account", "software", "ebook", "periodical"}
_GLOCK = re.compile(r"\bglock\b", re.IGNORECASE)
_IMAGE_PATTERNS = {
    # the formats of the pictures `armswatch.demo.photos` draws for each site
    "market": ("/img/{id}-{n}.jpg", 1, 3),
    "forum": ("/attachments/{id}-{n}.png", 0, 2),
    "classifieds": ("/bilder/{id}/{n}.jpg", 1, 4),
}


def localized(table: Mapping[str, tuple[str, ...]], key: str, language: str) -> str:
    return table[key][LANGUAGES.index(language)]


def _vendor_family(site: str, product: Product) -> str:
    if site == "classifieds":
        return "arms" if product.family == "arms" else "goods"
    if product.family in ("arms", "replica", "defense"):
        return "arms"
    return product.family


def _title(pick: _Pick, condition: str, rng: random.Random) -> str:
    site, product, language = pick.site, pick.product, pick.language
    kind = localized(KINDS, product.kind, language)
    base = f"{kind} {pick.name}" if product.with_kind else pick.name
    if product.family in ("arms", "replica", "defense", "goods") and rng.random() < 0.4:
        base = f"{base}, {condition}" if site == "classifieds" else f"{base} – {condition}"
    if site == "forum":
        return f"{FORUM_PREFIX[language]} {base}"
    return base


def _ships_to(
    site: str, product: Product, name: str, vendor: DemoVendor, language: str, rng: random.Random
) -> tuple[str, tuple[str, ...]]:
    if product.kind in DIGITAL_KINDS:
        tokens: tuple[str, ...] = ("WW",)
    elif product.firearm_related and _GLOCK.search(name) and rng.random() < 0.5:
        tokens = rng.choice(SHIPS_TO_GERMANY)
    elif site == "classifieds" and rng.random() < 0.6:
        tokens = ("HOME",)
    else:
        tokens = rng.choice(SHIPS_TO_CHOICES)
    tokens = tuple(vendor.country if token == "HOME" else token for token in tokens)
    if _planted_parts_flow(product, vendor):
        tokens = PLANTED_PARTS_DESTINATIONS  # drawn above all the same: the rng moves on alike
    if language not in ("en", "de"):
        tokens = tuple("EUROPE" if token == "EU" else token for token in tokens)
    names = [
        localized(REGION_NAMES if token in REGION_NAMES else COUNTRIES, token, language)
        for token in tokens
    ]
    codes: list[str] = []
    for token in tokens:
        for code in REGION_CODES.get(token, (token,)):
            if code not in codes:
                codes.append(code)
    return ", ".join(names), tuple(codes)


def _ships_from(site: str, vendor: DemoVendor, language: str, rng: random.Random) -> str:
    if site == "market" and vendor.country == "US" and language == "en" and rng.random() < 0.5:
        return US_LONG
    return localized(COUNTRIES, vendor.country, language)


def _shipping_methods(
    site: str, product: Product, language: str, rng: random.Random, vendor: DemoVendor
) -> tuple[str, ...]:
    if product.kind in DIGITAL_KINDS:
        return (DIGITAL_DELIVERY[language],)
    choices = SHIPPING[language]
    if site == "classifieds" and product.family != "arms":
        choices = tuple(method for method in choices if method not in DISCREET_METHODS)
    methods = rng.sample(choices, rng.randint(1, 3))
    if site == "classifieds" and rng.random() < 0.5:
        methods.append(PICKUP[language])
    if _planted_parts_flow(product, vendor):  # after the same draws, so other offers stay
        return (PLANTED_PARTS_POST[language], SEPARATE_PARCELS[language])
    return tuple(methods)


# The planted route pattern: planted actors send essential components (frames, slides,
# barrels, receivers) to Germany and Austria by post, in separate parcels.
PLANTED_PARTS_DESTINATIONS = ("DE", "AT")
PLANTED_PARTS_POST = {
    "en": "Registered mail",
    "de": "Einschreiben",
    "es": "Correos certificado",
    "fr": "Colissimo suivi",
    "ru": "Почта России",
}
SEPARATE_PARCELS = {
    "en": "Parts in separate parcels",
    "de": "Teile in getrennten Paketen",
    "es": "Piezas en paquetes separados",
    "fr": "Pièces en colis séparés",
    "ru": "Детали отдельными посылками",
}


def _planted_parts_flow(product: Product, vendor: DemoVendor) -> bool:
    return vendor.planted and product.truth == "essential_component"


def _quantity(site: str, product: Product, rng: random.Random) -> int:
    if site == "classifieds":
        return rng.choice((1, 1, 1, 1, 2, 3))
    if site == "forum":
        return rng.randint(1, 5)
    if product.kind in DIGITAL_KINDS:
        return rng.randint(10, 999)
    return rng.randint(5, 200) if product.family == "drugs" else rng.randint(1, 15)


def posted_text(site: str, language: str, posted_on: date, rng: random.Random) -> str | None:
    if site == "market":
        return None
    if site == "forum":
        return f"{posted_on.isoformat()} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
    month = MONTHS[language][posted_on.month - 1]
    formats = {
        "en": f"{month} {posted_on.day}, {posted_on.year}",
        "de": f"{posted_on.day}. {month} {posted_on.year}",
        "es": f"{posted_on.day} de {month} de {posted_on.year}",
        "fr": f"{posted_on.day} {month} {posted_on.year}",
        "ru": f"{posted_on.day} {month} {posted_on.year}",
    }
    return formats[language]


def _description(pick: _Pick, values: dict[str, str], rng: random.Random) -> str:
    """The offer text; `values` holds the price, condition and shipping as printed."""
    site, product, language, vendor = pick.site, pick.product, pick.language, pick.vendor
    family = texts.family_texts(product.family, language)
    values = {**values, "name": pick.name, "kind": localized(KINDS, product.kind, language)}
    sentences = [rng.choice(family.intro), *rng.sample(family.detail, 2)]
    if product.family in ("arms", "drugs", "defense") or site != "classifieds":
        sentences.append(rng.choice(texts.shipping_sentences(language)))
    if site == "forum":
        sentences.append(texts.forum_price_sentence(language).replace("{price}", values["price"]))
    sentences.append(rng.choice(family.closing))
    if vendor.planted and site == "classifieds":
        sentences.append(PAYMENT_NOTE[language].replace("{btc}", vendor.btc_address))
    return " ".join(_sentence(template, values) for template in sentences)


def _sentence(template: str, values: dict[str, str]) -> str:
    """The filled template, capitalised unless it starts with the (verbatim) product name."""
    sentence = template.format(**values).replace("..", ".")
    return sentence if template.startswith("{name}") else sentence[:1].upper() + sentence[1:]


def _images(site: str, offer_id: str, rng: random.Random) -> tuple[str, ...]:
    pattern, low, high = _IMAGE_PATTERNS[site]
    return tuple(pattern.format(id=offer_id, n=n) for n in range(1, rng.randint(low, high) + 1))


def pick_product(site: str, rng: random.Random) -> Product:
    weights = GROUP_WEIGHTS[site]
    group = rng.choices(list(weights), weights=list(weights.values()))[0]
    return rng.choice(PRODUCTS_BY_GROUP[group])


@dataclass(frozen=True)
class _Pick:
    """What an offer is about and who writes it."""

    site: str
    product: Product
    name: str
    language: str
    vendor: DemoVendor


def new_offer(
    site: str, offer_id: str, posted_on: date, first_day: int, rng: random.Random
) -> DemoOffer:
    """A fresh offer on `site`, posted on `posted_on`."""
    product = pick_product(site, rng)
    name = rng.choice(product.names)
    language = rng.choices(LANGUAGES, weights=OFFER_LANGUAGE_WEIGHTS[site])[0]
    vendor = rng.choice(vendor_pool(site, _vendor_family(site, product), language))
    offer = _compose(
        _Pick(site, product, name, language, vendor), offer_id, posted_on, first_day, rng
    )
    kit_part = PLANTED_KIT.get((site, offer_id))
    if kit_part is None:
        return offer
    # drawn as any offer first, so the rng moves on alike and every other offer stays
    return _planted_kit_offer(site, offer_id, posted_on, first_day, kit_part)


# A planted cross-market kit: actor-nordic offers a Glock 19 frame on the market and its slide
# and barrel on the forum, each part on its own; only with its two handles joined into one
# actor do the parts make a pistol (the `assembled_firearms` pattern report).
PLANTED_KIT: dict[tuple[str, str], tuple[str, str, str]] = {
    ("market", "210450"): ("g19-frame", "Glock 19 frame (stripped)", "NordicSteel"),
    ("forum", "48150"): ("g17-slide", "Glock 19 slide RMR cut", "nordic_steel"),
    ("forum", "48151"): ("barrel", "Glock 19 threaded barrel", "nordic_steel"),
}


def _planted_kit_offer(
    site: str, offer_id: str, posted_on: date, first_day: int, part: tuple[str, str, str]
) -> DemoOffer:
    key, name, handle = part
    product = next(product for product in PRODUCTS if product.key == key)
    vendor = vendor_by_handle(site)[handle]
    pick = _Pick(site, product, name, vendor.language, vendor)
    rng = random.Random(f"kit:{site}:{offer_id}")
    return _compose(pick, offer_id, posted_on, first_day, rng)


def _compose(
    pick: _Pick, offer_id: str, posted_on: date, first_day: int, rng: random.Random
) -> DemoOffer:
    site, product, language, vendor = pick.site, pick.product, pick.language, pick.vendor
    ships_to, ships_to_codes = _ships_to(site, product, pick.name, vendor, language, rng)
    usd = rng.uniform(*product.usd)
    price = make_price(site, choose_currency(site, rng), usd, language, int(offer_id))
    ships_from = _ships_from(site, vendor, language, rng)
    condition = rng.choice(CONDITIONS[language])
    values = {"price": price.text, "cond": condition, "from": ships_from, "to": ships_to}
    parent, child = category_path(site, product.group)
    return DemoOffer(
        site=site,
        offer_id=offer_id,
        title=_title(pick, condition, rng),
        description=_description(pick, values, rng),
        language=language,
        category_path=(parent.label, child.label),
        category_slug=child.slug,
        truth_category=product.truth,
        truth_firearm_related=product.firearm_related,
        price_amount=price.amount,
        currency=price.currency,
        price_usd=price.usd,
        price_text=price.text,
        vendor=vendor.handle,
        ships_from=ships_from,
        ships_to=ships_to,
        ships_to_codes=ships_to_codes,
        shipping_methods=_shipping_methods(site, product, language, rng, vendor),
        quantity=_quantity(site, product, rng),
        images=_images(site, offer_id, rng),
        posted=posted_text(site, language, posted_on, rng),
        posted_on=None if site == "market" else posted_on,
        product=product.key,
        first_day=first_day,
        confounder=product.confounder or vendor.handle == CONFOUNDER_VENDOR,
        obfuscated=product.obfuscated,
    )
