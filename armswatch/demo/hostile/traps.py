"""Crawler traps: index pages that always link to one more new URL.

Endless pagination, a calendar without ends, a relative link that repeats a path segment and
a query that doubles every hop. Each links onwards with `a.more` inside `<nav class="more">`
(pagination with `a.next`), the same markup the category pages use for them, so a source that
follows `nav.more a.more` walks into every one. Their listing links go to the same few
ordinary listings, again and again.
"""

from __future__ import annotations

from html import escape

from armswatch.demo.hostile.catalog import NORMAL_LISTINGS
from armswatch.demo.hostile.exchange import Exchange, route
from armswatch.demo.hostile.pages import html_page, listing_link

_SAME_LISTINGS = NORMAL_LISTINGS[:3]


def _trap_page(title: str, onward: str) -> bytes:
    listings = "".join(listing_link(item.path, item.title) for item in _SAME_LISTINGS)
    body = (
        f'<h1 class="index-title">{escape(title)}</h1>\n'
        f'<ul class="listings">{listings}</ul>\n<nav class="more">{onward}</nav>'
    )
    return html_page(title, body).encode()


def _number(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() else default


def pagination(exchange: Exchange) -> None:
    page = _number(exchange.query.get("page"), 1)
    onward = f'<a class="next" href="/trap/pages?page={page + 1}">Next page</a>'
    if page > 1:
        onward = f'<a class="prev" href="/trap/pages?page={page - 1}">Previous</a> {onward}'
    exchange.send(_trap_page(f"All offers, page {page}", onward))


def calendar(exchange: Exchange) -> None:
    year, month = int(exchange.params[0]), int(exchange.params[1])
    if not 1 <= month <= 12:
        exchange.send(_trap_page("No such month", ""), status=404)
        return
    after = (year + month // 12, month % 12 + 1)
    before = (year - (month == 1), (month - 2) % 12 + 1)
    onward = (
        f'<a class="more prev-month" href="/trap/calendar/{before[0]:04d}/{before[1]:02d}">'
        "Previous month</a> "
        f'<a class="more next-month" href="/trap/calendar/{after[0]:04d}/{after[1]:02d}">'
        "Next month</a>"
    )
    exchange.send(_trap_page(f"Offers of {year:04d}-{month:02d}", onward))


def loop(exchange: Exchange) -> None:
    """`x/` relative to /trap/loop/x/.../ is one `x/` deeper, forever."""
    depth = exchange.path.count("/x")
    onward = '<a class="more" href="x/">More offers</a>'
    exchange.send(_trap_page(f"More offers (level {depth})", onward))


def grow(exchange: Exchange) -> None:
    """?q=a links to ?q=aa, then ?q=aaaa: the URL doubles each hop (past 2 KB in 11 hops)."""
    query = exchange.query.get("q") or "a"
    onward = f'<a class="more" href="?q={escape(query * 2)}">Search again</a>'
    exchange.send(_trap_page(f"Search: {query[:40]}", onward))


ROUTES = (
    route(r"/trap/pages", pagination),
    route(r"/trap/calendar/(-?\d+)/(\d+)", calendar),
    route(r"/trap/loop/(?:x/)*", loop),
    route(r"/trap/grow", grow),
)
