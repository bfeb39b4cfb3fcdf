"""Turn one detail page, or one listing card of an index page, into a `Listing` with a source's
selectors, or say which field failed.

Pure functions over a parsel `Selector`, so the selector workbench, offline import and the
spider all share them and tests need no network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from parsel import Selector
from w3lib.url import canonicalize_url

from crawlers.errors import CrawlersError
from crawlers.listing import Listing, Price, Vendor, listing_id
from crawlers.normalize import parse_posted, parse_price, to_country_codes
from crawlers.selectors import FieldSelector
from crawlers.source import DetailPage, Source
from crawlers.vendor_profile import VendorProfile

_QUANTITY = re.compile(r"\d[\d,.\s]*")
_METHOD_SPLIT = re.compile(r"\s*[,;/|]\s*")


class ExtractionError(CrawlersError):
    """A page lacks a field a listing cannot do without."""

    def __init__(self, url: str, field_name: str, reason: str) -> None:
        self.url = url
        self.field = field_name
        self.reason = reason
        super().__init__(f"{url}: {field_name}: {reason}")


@dataclass
class PageFields:
    """What a source's detail selectors found on one page, before typing."""

    values: dict[str, list[str]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def first(self, name: str) -> str | None:
        found = self.values.get(name)
        return found[0] if found else None

    def all(self, name: str) -> list[str]:
        return self.values.get(name, [])


def read_fields(detail: DetailPage, root: Selector) -> PageFields:
    """Apply every configured detail selector; note the ones that matched nothing."""
    page = PageFields()
    for name in DetailPage.model_fields:
        selector = getattr(detail, name)
        if not isinstance(selector, FieldSelector):
            continue
        found = selector.values(root)
        if found:
            page.values[name] = found
        else:
            page.missing.append(name)
    return page


def listing_from_page(
    source: Source,
    url: str,
    root: Selector,
    captured_at: datetime,
    *,
    selectors: DetailPage | None = None,
) -> Listing:
    """The listing on a detail page (or in a card: `selectors` are then the source's
    `index.cards`, `root` the card); `ExtractionError` when it has no title."""
    selectors = selectors or source.detail
    if selectors is None:
        raise ExtractionError(url, "detail", "the source reads no detail pages")
    page = read_fields(selectors, root)
    title = page.first("title")
    if not title:
        raise ExtractionError(url, "title", "the title selector matched nothing")
    canonical = canonicalize_url(url)
    site_id = page.first("listing_id") or _id_from_url(selectors.listing_id_pattern, url)
    return Listing(
        id=listing_id(source.name, site_id, canonical),
        source=source.name,
        market=source.market_name,
        source_kind=source.kind,
        url=canonical,
        site_listing_id=site_id,
        title=title,
        description=page.first("description") or "",
        category_path=page.all("category"),
        language=_language(page.first("language")) or source.defaults.language,
        images=[_absolute(url, image) for image in page.all("images")],
        price=_price(source, page, captured_at),
        quantity=_quantity(page.first("quantity")),
        vendor=_vendor(url, page),
        ships_from=to_country_codes(page.all("ships_from")) or list(source.defaults.ships_from),
        ships_to=to_country_codes(page.all("ships_to")),
        shipping_methods=_methods(page.all("shipping_methods")),
        posted_at=parse_posted(
            page.first("posted"), languages=source.languages, relative_to=captured_at
        ),
        first_seen=captured_at,
        last_seen=captured_at,
        captured_at=captured_at,
    )


def card_nodes(source: Source, root: Selector) -> list[Selector]:
    """The listing cards of an index page (none when the source reads no cards)."""
    cards = source.index.cards
    return list(cards.card.select(root)) if cards is not None else []


def listing_from_card(
    source: Source, page_url: str, card: Selector, captured_at: datetime
) -> Listing:
    """The listing of one card of the index page at `page_url`; its link made absolute
    against that page (relative, site-absolute and absolute links alike)."""
    cards = source.index.cards
    if cards is None:
        raise ExtractionError(page_url, "index.cards", "the source reads no listing cards")
    link = cards.url.first(card)
    if not link:
        raise ExtractionError(page_url, "url", "a card whose url selector matched nothing")
    return listing_from_page(source, _absolute(page_url, link), card, captured_at, selectors=cards)


CARD_FIELDS = (  # what a card can tell that a detail page may leave out
    "description",
    "category_path",
    "price",
    "quantity",
    "vendor",
    "ships_from",
    "ships_to",
    "shipping_methods",
    "images",
    "posted_at",
    "language",
)


def merged_with_card(detail: Listing, card: Listing) -> Listing:
    """The detail page's listing, its empty fields filled from the card's; the card's id and
    URL kept, so a listing is the same whether its detail page was read or not."""
    filled = {
        name: getattr(card, name)
        for name in CARD_FIELDS
        if not getattr(detail, name) and getattr(card, name)
    }
    return detail.model_copy(
        update={
            **filled,
            "id": card.id,
            "url": card.url,
            "site_listing_id": card.site_listing_id or detail.site_listing_id,
        }
    )


def vendor_from_page(
    source: Source, url: str, handle: str, root: Selector, captured_at: datetime
) -> VendorProfile:
    """What a vendor page says, read with the source's `vendor_page` selectors."""
    selectors = source.vendor_page
    about = selectors.about.values(root) if selectors and selectors.about else []
    key = selectors.pgp_key.first(root) if selectors and selectors.pgp_key else None
    addresses = (
        selectors.crypto_addresses.values(root, every=True)
        if selectors and selectors.crypto_addresses
        else []
    )
    return VendorProfile(
        source=source.name,
        market=source.market_name,
        handle=handle,
        url=canonicalize_url(url),
        about="\n".join(about),
        pgp_key=key,
        crypto_addresses=addresses,
        captured_at=captured_at,
    )


def _price(source: Source, page: PageFields, captured_at: datetime) -> Price | None:
    return parse_price(
        page.first("price"),
        currency_text=page.first("currency"),
        default_currency=source.defaults.currency,
        captured_at=captured_at,
    )


def _vendor(url: str, page: PageFields) -> Vendor | None:
    handle = page.first("vendor")
    if not handle:
        return None
    profile = page.first("vendor_url")
    return Vendor(handle=handle, profile_url=_absolute(url, profile) if profile else None)


def _quantity(text: str | None) -> int | None:
    match = _QUANTITY.search(text or "")
    if not match:
        return None
    digits = re.sub(r"\D", "", match.group(0))
    return int(digits) if digits else None


def _methods(values: list[str]) -> list[str]:
    methods: list[str] = []
    for value in values:
        for method in _METHOD_SPLIT.split(value):
            cleaned = method.strip().lower()
            if cleaned and cleaned not in methods:
                methods.append(cleaned)
    return methods


def _language(text: str | None) -> str | None:
    """The ISO 639-1 code of a language tag such as 'de-AT' or 'ru'."""
    if not text:
        return None
    code = text.strip().lower().replace("_", "-").split("-")[0]
    return code if len(code) == 2 and code.isalpha() else None


def _id_from_url(pattern: str | None, url: str) -> str | None:
    if not pattern:
        return None
    match = re.search(pattern, url)
    return match.group(1) if match else None


def _absolute(base: str, link: str) -> str:
    from urllib.parse import urljoin

    return canonicalize_url(urljoin(base, link))
