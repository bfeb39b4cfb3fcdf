"""The ordinary pages of Hostile Bazaar: home, category, listing and vendor pages.

The markup is stable and plain (`h1.title`, `span.price`, `a.vendor`, ...) because the point of
the site is its hostile pages, not its layout. Category pages mix links to the hostile pages in
with the listing links, in the same markup, so a crawler meets them as it meets listings.
The hostile pages build their detail pages from `detail_parts`, so they share this markup.
"""

from __future__ import annotations

from html import escape
from itertools import zip_longest

from armswatch.demo.hostile.catalog import (
    CATEGORIES,
    LISTINGS_BY_ID,
    NORMAL_LISTINGS,
    VENDORS,
    NormalListing,
)
from armswatch.demo.hostile.exchange import Exchange, route
from armswatch.demo.hostile.manifest import HostilePage, pages_linked_as

SITE_NAME = "Hostile Bazaar"


def html_page(title: str, body: str, *, lang: str = "en", charset: str | None = "utf-8") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head>{meta}'
        f"<title>{escape(title)} - {SITE_NAME}</title></head>\n<body>\n"
        f'<header><a class="home" href="/">{SITE_NAME}</a></header>\n{body}\n</body></html>\n'
    )


def detail_parts(
    listing: NormalListing, *, lang: str = "en", charset: str | None = "utf-8"
) -> tuple[str, str]:
    """A detail page split where its description goes: (everything before, everything after)."""
    category = listing.category
    body = (
        '<nav class="breadcrumb"><a class="crumb" href="/">Home</a> &gt; '
        f'<a class="crumb" href="/category/{category}">{escape(CATEGORIES[category])}</a></nav>\n'
        '<main class="listing">\n'
        f'<h1 class="title">{escape(listing.title)}</h1>\n'
        f'<p class="offer"><span class="price">{listing.price_text}</span> '
        f'<span class="currency">{listing.currency}</span></p>\n'
        f'<p class="seller">Sold by <a class="vendor" href="/vendor/{listing.vendor}">'
        f"{listing.vendor}</a></p>\n"
        f'<p class="shipping">Ships from <span class="ships-from">{escape(listing.ships_from)}'
        f'</span> to <span class="ships-to">{escape(listing.ships_to)}</span></p>\n'
        f'<p class="ref">Listing <span class="listing-id">{listing.id}</span></p>\n'
        "\x00SPLIT\x00\n</main>"
    )
    before, after = html_page(listing.title, body, lang=lang, charset=charset).split(
        "\x00SPLIT\x00"
    )
    return before, after


def detail_page(listing: NormalListing, *, extra: str = "") -> str:
    """A complete detail page: the description as one `div.description`, then `extra` HTML."""
    before, after = detail_parts(listing)
    return f'{before}<div class="description">{escape(listing.description)}</div>{extra}{after}'


def listing_link(path: str, title: str) -> str:
    return f'<li class="listing"><a class="listing-link" href="{path}">{escape(title)}</a></li>'


def _category_links(category: int) -> list[str]:
    """Its ten listings, with every third hostile listing-linked page slotted in between."""
    normal = [item for item in NORMAL_LISTINGS if item.category == category]
    hostile: list[HostilePage] = list(pages_linked_as("listing")[category - 1 :: 3])
    links: list[str] = []
    for listing, page in zip_longest(normal, hostile):
        if listing is not None:
            links.append(listing_link(listing.path, listing.title))
        if page is not None:
            links.append(listing_link(page.path, page.title))
    return links


def _more_links() -> str:
    links = "".join(
        f'<a class="more" href="{escape(page.path)}">{escape(page.title)}</a> '
        for page in pages_linked_as("index")
    )
    return f'<nav class="more">More: {links}</nav>'


def home(exchange: Exchange) -> None:
    items = "".join(
        f'<li><a class="category" href="/category/{number}">{escape(name)}</a></li>'
        for number, name in CATEGORIES.items()
    )
    body = f'<h1>{SITE_NAME}</h1>\n<ul class="categories">{items}</ul>'
    exchange.send(html_page("Home", body).encode())


def category(exchange: Exchange) -> None:
    number = int(exchange.params[0])
    if number not in CATEGORIES:
        not_found(exchange)
        return
    links = "\n".join(_category_links(number))
    body = (
        f'<h1 class="category-name">{escape(CATEGORIES[number])}</h1>\n'
        f'<ul class="listings">\n{links}\n</ul>\n{_more_links()}'
    )
    exchange.send(html_page(CATEGORIES[number], body).encode())


def listing(exchange: Exchange) -> None:
    found = LISTINGS_BY_ID.get(exchange.params[0])
    if found is None:
        not_found(exchange)
        return
    exchange.send(detail_page(found).encode())


def vendor(exchange: Exchange) -> None:
    handle = exchange.params[0]
    if handle not in VENDORS:
        not_found(exchange)
        return
    links = "".join(
        listing_link(item.path, item.title) for item in NORMAL_LISTINGS if item.vendor == handle
    )
    body = (
        f'<h1 class="vendor-name">{handle}</h1>\n'
        f'<div class="vendor-about">{escape(VENDORS[handle])}</div>\n'
        f'<ul class="listings">{links}</ul>'
    )
    exchange.send(html_page(handle, body).encode())


def not_found(exchange: Exchange) -> None:
    body = '<h1>Not found</h1><p>Nothing here. <a href="/">Home</a></p>'
    exchange.send(html_page("Not found", body).encode(), status=404)


ROUTES = (
    route(r"/", home),
    route(r"/category/(\d+)", category),
    route(r"/listing/([\w-]+)", listing),
    route(r"/vendor/([\w-]+)", vendor),
)
