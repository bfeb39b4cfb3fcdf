"""Listing cards: listings read from index pages alone, completed from detail pages when read.

The fixture (`fixtures/cards/`) is shaped like a real market's category page (Cypher's card
markup, synthetic offers): a relative, a site-absolute and an absolute onion link, a card with
empty fields and a card without a link.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from parsel import Selector
from scrapy.http import HtmlResponse, Request
from twisted.python.failure import Failure

from crawlers.errors import SourceConfigError
from crawlers.extraction import card_nodes, listing_from_card, merged_with_card
from crawlers.listing import Listing
from crawlers.source import Source
from crawlers.source_loader import load_source
from tests.crawlers.frontier.conftest import spider_of

FIXTURES = Path(__file__).parent / "fixtures" / "cards"
SOURCE = load_source(FIXTURES / "bazaar.yaml")
PAGE_URL = "http://bazaarxyzabcdefghij.onion/category/parts"
HTML = (FIXTURES / "category.html").read_text()
CAPTURED = datetime(2026, 11, 30, tzinfo=UTC)
DETAIL = {"title": "h1", "description": "div.description", "price": "span.price"}


def _cards(source: Source = SOURCE) -> list[Listing]:
    root = Selector(text=HTML)
    found = []
    for card in card_nodes(source, root):
        try:
            found.append(listing_from_card(source, PAGE_URL, card, CAPTURED))
        except Exception:  # the card without a link: the spider counts it
            continue
    return found


def test_every_field_of_a_card() -> None:
    first = _cards()[0]
    assert first.title == "Glock 19 slide, complete"
    assert first.price is not None and (first.price.amount, first.price.currency) == (410, "USD")
    assert first.category_path == ["Gun parts"] and first.quantity == 3
    assert first.vendor is not None and first.vendor.handle == "slidesmith"
    assert first.vendor.profile_url == "http://bazaarxyzabcdefghij.onion/vendor/v-01"
    assert first.images == ["http://bazaarxyzabcdefghij.onion/storage/products/aa11.jpg"]
    assert first.site_listing_id == "aa11"


def test_relative_site_absolute_and_onion_links_are_made_absolute() -> None:
    assert [listing.url for listing in _cards()] == [
        "http://bazaarxyzabcdefghij.onion/product/aa11",  # /product/aa11
        "http://bazaarxyzabcdefghij.onion/category/product/bb22",  # product/bb22
        "http://bazaarxyzabcdefghij.onion/product/cc33",  # absolute
    ]


def test_empty_card_fields_stay_empty() -> None:
    third = _cards()[2]
    assert third.title == "Auto sear drop-in"
    assert third.vendor is None and third.quantity is None and third.images == []


def _source_with(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((FIXTURES / "bazaar.yaml").read_text())
    document.update(changes)
    return document


def test_a_source_needs_cards_or_listing_links_and_links_need_a_detail_section(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bad.yaml"
    neither = _source_with(index={"follow": ["a.category"]})
    path.write_text(yaml.safe_dump(neither))
    with pytest.raises(SourceConfigError, match=r"listing_links.*cards"):
        load_source(path)
    links_only = _source_with(index={"listing_links": "a.item"})
    path.write_text(yaml.safe_dump(links_only))
    with pytest.raises(SourceConfigError, match="give `detail` too"):
        load_source(path)


def test_the_spider_yields_card_listings_with_the_index_page_as_evidence() -> None:
    spider = spider_of(SOURCE)
    response = HtmlResponse(PAGE_URL, body=HTML.encode(), request=Request(PAGE_URL))
    items = list(spider.parse_index(response))
    listings = [item for item in items if isinstance(item, Listing)]
    assert [listing.site_listing_id for listing in listings] == ["aa11", "bb22", "cc33"]
    stats = spider.crawler.stats
    assert stats is not None and stats.get_value("armswatch/cards") == 3
    assert stats.get_value("armswatch/extraction_errors/card_missing_url") == 1


def test_with_detail_pages_a_card_goes_with_its_request_and_stands_in_when_it_fails() -> None:
    source = Source.model_validate(_source_with(detail=DETAIL))
    spider = spider_of(source)
    response = HtmlResponse(PAGE_URL, body=HTML.encode(), request=Request(PAGE_URL))
    requests = [r for r in spider.parse_index(response) if isinstance(r, Request)]
    first = requests[0]
    assert first.url == "http://bazaarxyzabcdefghij.onion/product/aa11"
    card = first.cb_kwargs["card"]
    assert isinstance(card, Listing) and card.title == "Glock 19 slide, complete"
    failure = Failure(ConnectionError("gone"))
    failure.request = first  # type: ignore[attr-defined]
    assert list(spider.on_card_detail_error(failure)) == [card]


def test_a_detail_page_completes_its_card() -> None:
    source = Source.model_validate(_source_with(detail=DETAIL))
    spider = spider_of(source)
    card = _cards(source)[0]
    body = b"<h1>Glock 19 slide</h1><div class='description'>New, unfired.</div>"
    url = card.url + "?ref=card"
    detail = HtmlResponse(url, body=body, request=Request(url))
    (listing,) = [i for i in spider.parse_detail(detail, card=card) if isinstance(i, Listing)]
    assert listing.id == card.id and listing.url == card.url
    assert (listing.title, listing.description) == ("Glock 19 slide", "New, unfired.")
    assert listing.price == card.price and listing.vendor == card.vendor  # from the card
    assert merged_with_card(listing, card) == listing
    unreadable = HtmlResponse(url, body=b"<p>maintenance</p>", request=Request(url))
    assert list(spider.parse_detail(unreadable, card=card)) == [card]
