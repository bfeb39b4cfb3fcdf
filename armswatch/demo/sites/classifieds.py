"""Kleinanzeigen-Demo: clear-web classifieds with a card grid and ads whose details sit in a
`<dl>` with German labels (XPath on the `<dt>` text is the natural way to read them).

URL map: `/` (start page), `/search?page=N` (24 cards per page, newest first; `cat=<slug>`
filters by category; numbered pagination), `/ad/<offer_id>`, `/bilder/<offer_id>/<n>.jpg`.
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
from armswatch.demo.taxonomy import CLASSIFIEDS_TREE, all_categories

PER_PAGE = 24
CSS = (
    "body{font:14px Helvetica,Arial,sans-serif;background:#f6f6f3;margin:0;color:#333}"
    "header{background:#326916;color:#fff;padding:10px 16px}header a{color:#fff}"
    ".ad-grid{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;list-style:none;"
    "padding:16px}.ad-card{background:#fff;border-radius:6px;padding:8px}"
    ".ad-attributes{display:grid;grid-template-columns:160px 1fr}.pagination a{margin:0 4px}"
    "main{padding:16px}.ad-card-price,#ad-price{font-weight:bold;color:#326916}"
)


class ClassifiedsSite(SiteApp):
    name = SITE_NAMES["classifieds"]
    lang = "de"
    css = CSS

    def __init__(self, offers: Sequence[DemoOffer]) -> None:
        super().__init__(offers)
        self.newest_first = sorted(offers, key=lambda item: int(item.offer_id), reverse=True)
        self.categories = {category.slug: category for category in all_categories("classifieds")}
        self.route(r"/", self._start)
        self.route(r"/search", self._search)
        self.route(r"/ad/(\d+)", self._ad)
        self.route(r"/bilder/(\d+)/\d+\.jpg", self.image)

    def _frame(self, title: str, main: str, lang: str | None = None) -> Response:
        body = (
            '<header><a class="logo" href="/">Kleinanzeigen-Demo</a>'
            ' <form class="search" action="/search" method="get"><input name="q" '
            'placeholder="Wonach suchst du?"><button>Finden</button></form></header>\n'
            f"<main>\n{main}\n</main>\n"
            '<footer class="footer">© Kleinanzeigen-Demo · Impressum · Datenschutz</footer>'
        )
        return self.page(title, body, lang)

    def _start(self, match: re.Match[str], query: Query) -> Response:
        groups = "".join(
            f'<li><a href="/search?cat={parent.slug}">{esc(parent.label)}</a></li>'
            for parent in CLASSIFIEDS_TREE
        )
        main = (
            "<h1>Kleinanzeigen in deiner Nähe</h1>"
            f'<ul class="category-list">{groups}</ul>'
            '<p><a class="all-ads" href="/search">Alle Anzeigen ansehen</a></p>'
        )
        return self._frame("Start", main)

    def _matching(self, slug: str | None) -> list[DemoOffer] | None:
        if slug is None:
            return self.newest_first
        category = self.categories.get(slug)
        if category is None:
            return None
        slugs = {category.slug, *(child.slug for child in category.children)}
        return [offer for offer in self.newest_first if offer.category_slug in slugs]

    def _search(self, match: re.Match[str], query: Query) -> Response:
        slug = query.get("cat", [None])[-1]
        offers = self._matching(slug)
        if offers is None:
            return self.not_found()
        paged = paginate(offers, query, PER_PAGE)
        if paged is None:
            return self.not_found()
        shown, page, pages = paged
        cards = "\n".join(_card(offer) for offer in shown)
        base = "/search" + (f"?cat={slug}&" if slug else "?")
        main = (
            f'<div class="results-header"><span class="result-count">{len(offers)}</span> '
            f"Anzeigen · Seite {page} von {pages}</div>\n"
            f'<ul class="ad-grid">\n{cards}\n</ul>\n{_pagination(base, page, pages)}'
        )
        return self._frame("Suchergebnisse", main)

    def _ad(self, match: re.Match[str], query: Query) -> Response:
        offer = self.offers.get(match.group(1))
        if offer is None:
            return self.not_found()
        parent_label, child_label = offer.category_path
        parent = next(c for c in CLASSIFIEDS_TREE if c.label == parent_label)
        crumbs = (
            '<nav class="breadcrumbs"><a href="/">Start</a> › '
            f'<a class="cat" href="/search?cat={parent.slug}">{esc(parent_label)}</a> › '
            f'<a class="cat" href="/search?cat={offer.category_slug}">{esc(child_label)}</a></nav>'
        )
        images = "".join(
            f'<img class="ad-image" src="{esc(src)}" alt="Bild {n}">'
            for n, src in enumerate(offer.images, start=1)
        )
        main = (
            f'<article class="ad" id="ad-{offer.offer_id}">\n{crumbs}\n'
            f'<h1 id="ad-title">{esc(offer.title)}</h1>\n'
            f'<div class="ad-price-box"><span id="ad-price">{esc(offer.price_text)}</span></div>\n'
            f'<div class="ad-gallery">{images}</div>\n'
            f'<section class="ad-details"><h2>Details</h2>\n{_attributes(offer)}\n</section>\n'
            '<section class="ad-description"><h2>Beschreibung</h2>'
            f'<p lang="{offer.language}">{esc(offer.description)}</p></section>\n'
            f'<aside class="seller"><span class="seller-name">{esc(offer.vendor)}</span> '
            '<span class="seller-type">Privater Nutzer</span></aside>\n</article>'
        )
        return self._frame(offer.title, main, offer.language)


def _card(offer: DemoOffer) -> str:
    thumb = offer.images[0] if offer.images else ""
    return (
        f'<li class="ad-card" data-ad-id="{offer.offer_id}">'
        f'<a class="ad-card-link" href="{href("ad", offer.offer_id)}">'
        f'<img class="ad-thumb" src="{esc(thumb)}" alt="">'
        f'<h2 class="ad-card-title">{esc(offer.title)}</h2></a>'
        f'<p class="ad-card-price">{esc(offer.price_text)}</p>'
        f'<p class="ad-card-location">{esc(offer.ships_from)}</p>'
        f'<p class="ad-card-date">{esc(offer.posted)}</p></li>'
    )


def _attributes(offer: DemoOffer) -> str:
    methods = "".join(f'<span class="method">{esc(m)}</span>' for m in offer.shipping_methods)
    categories = " › ".join(
        f'<span class="cat">{esc(label)}</span>' for label in offer.category_path
    )
    rows = (
        ("Preis", esc(offer.price_text)),
        ("Kategorie", categories),
        ("Standort", esc(offer.ships_from)),
        ("Versand", methods),
        ("Versand nach", esc(offer.ships_to)),
        ("Anzahl", str(offer.quantity)),
        ("Erstellt am", esc(offer.posted)),
        ("Anzeigen-ID", offer.offer_id),
    )
    terms = "\n".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
    return f'<dl class="ad-attributes">\n{terms}\n</dl>'


def _pagination(base: str, page: int, pages: int) -> str:
    def link(css: str, number: int, text: object) -> str:
        return f'<a class="{css}" href="{esc(f"{base}page={number}")}">{text}</a>'

    links = [link("page-prev", page - 1, "‹ Zurück")] if page > 1 else []
    for number in range(1, pages + 1):
        current = f'<span class="page current">{number}</span>'
        links.append(current if number == page else link("page", number, number))
    if page < pages:
        links.append(link("page-next", page + 1, "Weiter ›"))
    return f'<nav class="pagination">{" ".join(links)}</nav>'
