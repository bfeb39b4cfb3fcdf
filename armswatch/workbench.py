"""The selector workbench (`armswatch sources try`): what a source's selectors make of one page.

A technician writing a source for a market they have never seen needs to see, in seconds, what
each selector takes from a page: each field of each listing card, the index page's links, a
detail page's fields; which selectors matched nothing; and the listings the page would give.
`try_page` answers for a page already in hand (a saved file, or one `fetch_page` got), with
the same extraction functions a crawl and an import use, so what it shows is what they do.

`fetch_page` gets one URL as the source would reach it: through its network's proxy (Tor or
I2P), with the crawl's user agent and time-out. A `render: browser` source's page is read as
served, without its scripts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
from parsel import Selector
from scrapy.http import HtmlResponse

from crawlers.extraction import (
    ExtractionError,
    card_nodes,
    listing_from_card,
    listing_from_page,
    read_fields,
)
from crawlers.listing import Listing, utcnow
from crawlers.selectors import FieldSelector
from crawlers.settings import USER_AGENT
from crawlers.source import DetailPage, Source


@dataclass
class CardReading:
    """What the card selectors read in one card, and its listing (or why there is none)."""

    values: dict[str, list[str]]
    listing: Listing | None
    error: str | None = None


@dataclass
class PageReading:
    """What a source's selectors read on one page."""

    url: str
    size: int
    kind: str  # "cards", "index" or "detail": how a crawl or an import reads this page
    cards: list[CardReading] = field(default_factory=list)
    links: dict[str, list[str]] = field(default_factory=dict)  # index selectors: what they found
    detail: dict[str, list[str]] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)  # dotted paths of selectors that found none
    listings: list[Listing] = field(default_factory=list)
    detail_error: str | None = None


def try_page(source: Source, body: bytes, url: str, when: datetime | None = None) -> PageReading:
    """Every selector of `source` applied to the page `body` found at `url`."""
    response = HtmlResponse(url, body=body)
    root = response.selector
    reading = PageReading(url=url, size=len(body), kind="index")
    _read_links(source, root, reading)
    _read_cards(source, root, url, when or utcnow(), reading)
    if reading.cards:
        reading.kind = "cards"
    elif not any(reading.links.get("index.listing_links", [])) and source.detail is not None:
        reading.kind = "detail"  # the index selectors are not meant for it
        reading.unmatched = [path for path in reading.unmatched if not path.startswith("index.")]
        _read_detail(source, root, url, when or utcnow(), reading)
    return reading


def _read_links(source: Source, root: Selector, reading: PageReading) -> None:
    index = source.index
    selectors: dict[str, FieldSelector | None] = {"index.listing_links": index.listing_links}
    selectors |= {f"index.follow.{n}": found for n, found in enumerate(index.follow)}
    if index.pagination is not None:
        selectors["index.pagination.next"] = index.pagination.next
    for path, selector in selectors.items():
        if selector is None:
            continue
        values = selector.values(root, every=True)
        reading.links[path] = values
        if not values:
            reading.unmatched.append(path)


def _read_cards(
    source: Source, root: Selector, url: str, when: datetime, reading: PageReading
) -> None:
    cards = source.index.cards
    if cards is None:
        return
    nodes = card_nodes(source, root)
    if not nodes:
        reading.unmatched.append("index.cards.card")
        return
    for node in nodes:
        values = read_fields(cards, node).values | {"url": cards.url.values(node)}
        try:
            listing: Listing | None = listing_from_card(source, url, node, when)
            error = None
        except ExtractionError as failure:
            listing, error = None, f"{failure.field}: {failure.reason}"
        reading.cards.append(CardReading(values, listing, error))
    configured = ["url", *_configured(cards)]
    for name in configured:
        if not any(card.values.get(name) for card in reading.cards):
            reading.unmatched.append(f"index.cards.{name}")
    reading.listings = [card.listing for card in reading.cards if card.listing is not None]


def _read_detail(
    source: Source, root: Selector, url: str, when: datetime, reading: PageReading
) -> None:
    assert source.detail is not None
    fields = read_fields(source.detail, root)
    reading.detail = fields.values
    reading.unmatched += [f"detail.{name}" for name in fields.missing]
    try:
        reading.listings = [listing_from_page(source, url, root, when)]
    except ExtractionError as failure:
        reading.detail_error = f"{failure.field}: {failure.reason}"


def _configured(selectors: DetailPage) -> list[str]:
    """The detail-field selectors a section sets (the names `read_fields` reads)."""
    return [
        name
        for name in DetailPage.model_fields
        if isinstance(getattr(selectors, name, None), FieldSelector)
    ]


def read_saved(path: Path) -> bytes:
    """A saved page's bytes; `ValueError` naming the file when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise ValueError(f"{path}: cannot read the page ({error.strerror})") from None


def fetch_page(source: Source, url: str, proxy: str | None) -> bytes:
    """One page, fetched as the source's crawl would reach it (`proxy`: its network's)."""
    headers = {"User-Agent": USER_AGENT}
    timeout = source.rate_limit.timeout
    try:
        with httpx.Client(proxy=proxy, headers=headers, timeout=timeout) as client:
            answer = client.get(url, follow_redirects=True)
    except httpx.HTTPError as error:
        detail = f"{type(error).__name__}: {error}"
        raise ValueError(f"{url}: could not fetch the page ({detail})") from None
    if answer.status_code != 200:
        raise ValueError(f"{url}: the server answered {answer.status_code}, not a page")
    return answer.content
