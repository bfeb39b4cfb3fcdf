"""Obsidian Bazaar: a darknet-style market with a category tree, tables and vendor pages.

URL map: `/` (home with the category tree), `/category/<slug>?page=N` (25 listings per page),
`/listing/<offer_id>`, `/vendor/<handle>`, `/img/<offer_id>-<n>.jpg`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from armswatch.demo.model import SITE_NAMES, DemoOffer
from armswatch.demo.sites.page import (
    Query,
    Response,
    SiteApp,
    esc,
    href,
    paginate,
)
from armswatch.demo.taxonomy import MARKET_TREE, Category, all_categories
from armswatch.demo.vendors import DemoVendor

PER_PAGE = 25
CSS = (
    "body{background:#111;color:#ddd;font:14px monospace;margin:0}"
    "a{color:#9cf}.topbar{background:#000;padding:10px;border-bottom:2px solid #639}"
    ".layout{display:flex}.sidebar{width:230px;padding:10px;background:#1a1a1a}"
    "main{flex:1;padding:10px}table{border-collapse:collapse;width:100%}"
    "td,th{border:1px solid #333;padding:4px;text-align:left}"
    ".price-usd{color:#8a8}pre{white-space:pre-wrap;font-size:11px}"
)


class MarketSite(SiteApp):
    name = SITE_NAMES["market"]
    lang = "en"
    css = CSS

    def __init__(self, offers: Sequence[DemoOffer], vendors: Sequence[DemoVendor]) -> None:
        super().__init__(offers)
        self.vendors = {vendor.handle: vendor for vendor in vendors}
        self.categories = {category.slug: category for category in all_categories("market")}
        self.in_category: dict[str, list[DemoOffer]] = {slug: [] for slug in self.categories}
        self.by_vendor: dict[str, list[DemoOffer]] = {}
        for offer in sorted(offers, key=lambda item: int(item.offer_id)):
            self.in_category[offer.category_slug].append(offer)
            self.by_vendor.setdefault(offer.vendor, []).append(offer)
        for parent in MARKET_TREE:
            children = [o for child in parent.children for o in self.in_category[child.slug]]
            self.in_category[parent.slug] = sorted(children, key=lambda item: int(item.offer_id))
        self.route(r"/", self._home)
        self.route(r"/category/([^/]+)", self._category)
        self.route(r"/listing/(\d+)", self._listing)
        self.route(r"/vendor/([^/]+)", self._vendor)
        self.route(r"/img/(\d+)-\d+\.jpg", self.image)

    def _frame(self, title: str, main: str, lang: str | None = None) -> Response:
        body = (
            '<header class="topbar"><a class="logo" href="/">Obsidian Bazaar</a>'
            ' <span class="tagline">escrow · multisig · since 2024</span></header>\n'
            f'<div class="layout">\n{self._sidebar()}\n<main>\n{main}\n</main>\n</div>'
        )
        return self.page(title, body, lang)

    def _sidebar(self) -> str:
        parents = []
        for parent in MARKET_TREE:
            children = "".join(
                f'<li class="cat-child"><a href="{href("category", child.slug)}">'
                f'{esc(child.label)}</a> <span class="count">'
                f"({len(self.in_category[child.slug])})</span></li>"
                for child in parent.children
            )
            parents.append(
                f'<li class="cat-parent"><a href="{href("category", parent.slug)}">'
                f"{esc(parent.label)}</a>\n<ul>{children}</ul></li>"
            )
        tree = "\n".join(parents)
        heading = "<h3>Categories</h3>"
        return f'<aside class="sidebar">{heading}\n<ul class="cat-tree">\n{tree}\n</ul></aside>'

    def _home(self, match: re.Match[str], query: Query) -> Response:
        main = (
            "<h1>Welcome to Obsidian Bazaar</h1>"
            '<p class="notice">Always verify our mirror list with PGP. Escrow is mandatory for '
            "new accounts.</p>"
            f'<table class="stats"><tr><th>Listings</th><td>{len(self.offers)}</td></tr>'
            f"<tr><th>Vendors</th><td>{len(self.by_vendor)}</td></tr></table>"
        )
        return self._frame("Home", main)

    def _category(self, match: re.Match[str], query: Query) -> Response:
        category = self.categories.get(match.group(1))
        if category is None:
            return self.not_found()
        paged = paginate(self.in_category[category.slug], query, PER_PAGE)
        if paged is None:
            return self.not_found()
        shown, page, pages = paged
        rows = "\n".join(_row(offer) for offer in shown)
        main = (
            f'<nav class="breadcrumb"><a href="/">Home</a> › {esc(category.label)}</nav>'
            f"<h1>{esc(category.label)}</h1>{_subcategories(category)}"
            '<table class="listings">\n<thead><tr><th>Item</th><th>Price</th><th>Vendor</th>'
            f"<th>Ships from</th></tr></thead>\n<tbody>\n{rows}\n</tbody></table>\n"
            f"{_pager(category, page, pages)}"
        )
        return self._frame(category.label, main)

    def _listing(self, match: re.Match[str], query: Query) -> Response:
        offer = self.offers.get(match.group(1))
        if offer is None:
            return self.not_found()
        parent, child = (self.categories[slug] for slug in self._path_slugs(offer))
        crumbs = (
            '<nav class="breadcrumb"><a href="/">Home</a>'
            f' › <a class="crumb" href="{href("category", parent.slug)}">{esc(parent.label)}</a>'
            f' › <a class="crumb" href="{href("category", child.slug)}">{esc(child.label)}</a>'
            "</nav>"
        )
        images = "".join(
            f'<img src="{esc(src)}" alt="{esc(offer.title)}" width="240" height="180">'
            for src in offer.images
        )
        main = (
            f'{crumbs}\n<div class="listing" data-listing-id="{esc(offer.offer_id)}">\n'
            f'<h1 class="listing-title">{esc(offer.title)}</h1>\n'
            f'<div class="gallery">{images}</div>\n{_info_table(offer)}\n'
            f'<section class="description"><h2>Description</h2>'
            f'<div class="description-text" lang="{offer.language}"><p>{esc(offer.description)}'
            "</p></div></section>\n</div>"
        )
        return self._frame(offer.title, main, offer.language)

    def _path_slugs(self, offer: DemoOffer) -> tuple[str, str]:
        for parent in MARKET_TREE:
            if any(child.slug == offer.category_slug for child in parent.children):
                return parent.slug, offer.category_slug
        raise KeyError(offer.category_slug)

    def _vendor(self, match: re.Match[str], query: Query) -> Response:
        vendor = self.vendors.get(match.group(1))
        if vendor is None:
            return self.not_found()
        listings = "\n".join(
            f'<li><a href="{href("listing", offer.offer_id)}">{esc(offer.title)}</a> – '
            f"{esc(offer.price_text)}</li>"
            for offer in self.by_vendor.get(vendor.handle, [])
        )
        main = (
            f'<div class="vendor-profile"><h1 class="vendor-name">{esc(vendor.handle)}</h1>\n'
            f'<section class="about"><h2>About</h2><div class="vendor-about">'
            f"{esc(vendor.about)}</div></section>\n"
            '<section class="pgp"><h2>PGP public key</h2>'
            f'<p class="fingerprint">Fingerprint: {esc(vendor.pgp_fingerprint)}</p>\n'
            f'<pre class="pgp-key">{esc(vendor.pgp_key)}</pre></section>\n'
            f'<section class="payments"><h2>Payment addresses</h2>{_addresses(vendor)}</section>\n'
            f'<section class="vendor-listings"><h2>Listings</h2><ul>{listings}</ul></section>'
            "</div>"
        )
        return self._frame(vendor.handle, main)


def _row(offer: DemoOffer) -> str:
    return (
        f'<tr class="listing-row"><td class="item"><a class="listing-link" '
        f'href="{href("listing", offer.offer_id)}">{esc(offer.title)}</a></td>'
        f'<td class="price">{esc(offer.price_text)}<br><small>{_usd(offer)}'
        f'</small></td><td class="vendor"><a href="{href("vendor", offer.vendor)}">'
        f'{esc(offer.vendor)}</a></td><td class="origin">{esc(offer.ships_from)}</td></tr>'
    )


def _subcategories(category: Category) -> str:
    if not category.children:
        return ""
    links = "".join(
        f'<li><a href="{href("category", child.slug)}">{esc(child.label)}</a></li>'
        for child in category.children
    )
    return f'<ul class="subcategories">{links}</ul>'


def _pager(category: Category, page: int, pages: int) -> str:
    base = href("category", category.slug)
    parts = [f'<span class="page-info">Page {page} of {pages}</span>']
    if page > 1:
        parts.insert(0, f'<a class="prev" rel="prev" href="{base}?page={page - 1}">« prev</a>')
    if page < pages:
        parts.append(f'<a class="next" rel="next" href="{base}?page={page + 1}">next »</a>')
    return f'<div class="pager">{" ".join(parts)}</div>'


def _info_table(offer: DemoOffer) -> str:
    methods = "".join(f"<li>{esc(method)}</li>" for method in offer.shipping_methods)
    rows = (
        ("Price", f'<span class="price-crypto" data-currency="{offer.currency}">'
         f'{esc(offer.price_text)}</span> <span class="price-usd">{_usd(offer)}</span>'),
        ("Vendor", f'<a class="vendor-link" href="{href("vendor", offer.vendor)}">'
         f"{esc(offer.vendor)}</a>"),
        ("Ships from:", f'<span class="ships-from">{esc(offer.ships_from)}</span>'),
        ("Ships to:", f'<span class="ships-to">{esc(offer.ships_to)}</span>'),
        ("Shipping", f'<ul class="shipping-methods">{methods}</ul>'),
        ("Quantity in stock", f'<span class="stock">{offer.quantity}</span>'),
        ("Listing ID", f'<span class="listing-id">{esc(offer.offer_id)}</span>'),
    )  # fmt: skip
    cells = "\n".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in rows)
    return f'<table class="listing-info">\n{cells}\n</table>'


def _addresses(vendor: DemoVendor) -> str:
    entries = (
        ("BTC", vendor.btc_address),
        ("BTC (SegWit)", vendor.btc_bech32),
        ("XMR", vendor.xmr_address),
        ("ETH", vendor.eth_address),
    )
    items = "".join(
        f'<li><span class="coin">{label}</span>: <code class="crypto-address">{esc(address)}'
        "</code></li>"
        for label, address in entries
    )
    return f'<ul class="crypto-addresses">{items}</ul>'


def _usd(offer: DemoOffer) -> str:
    return f"≈ USD {offer.price_usd:,.2f}"
