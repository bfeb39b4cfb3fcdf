"""Browser crawls with real Chromium (Playwright): demo market, JavaScript, page actions, leaks."""

from __future__ import annotations

import hashlib
import io
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from parsel import Selector
from PIL import Image

from crawlers.browser.screenshots import PNG_SIGNATURE
from crawlers.browser.settings import VIEWPORT
from crawlers.extraction import listing_from_page
from crawlers.listing import Listing
from crawlers.source_loader import load_source
from tests.crawlers.browser.conftest import DEMO_LIMITS, BrowserCrawl
from tests.crawlers.browser.sites import JS_TITLE, MORE_LISTINGS, TALL_PX

TIMES = {"first_seen", "last_seen", "captured_at"}

pytestmark = pytest.mark.slow


def _static_reading(crawl: BrowserCrawl, listing: Listing) -> Listing:
    """What the static crawl reads from the same URL: the server's HTML, the same selectors."""
    source = load_source(crawl.out / "sources" / "demo-market.yaml")
    static = source.model_copy(update={"render": "static"})
    with urllib.request.urlopen(listing.url, timeout=10) as response:
        html = response.read().decode("utf-8")
    return listing_from_page(static, listing.url, Selector(text=html), datetime.now(UTC))


def _png(path: Path) -> Image.Image:
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE), path
    assert path.stem == hashlib.sha256(data).hexdigest(), "named by the SHA-256 of its content"
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG"
    return image


def test_demo_market_listings_match_the_static_reading(browser_crawl: BrowserCrawl) -> None:
    listings = browser_crawl.listings("demo-market")
    assert len(listings) == DEMO_LIMITS["max_listings"]
    for listing in listings:
        static = _static_reading(browser_crawl, listing)
        exclude = TIMES | {"evidence"}
        assert listing.model_dump(exclude=exclude) == static.model_dump(exclude=exclude)
    stats = browser_crawl.stats("demo-market")
    assert stats["finish_reason"] == "closespider_itemcount"
    assert stats["playwright/context_count"] == 1, "one Chromium for http and https"
    assert stats["response_received_count"] <= DEMO_LIMITS["max_pages"]
    assert "armswatch/extraction_errors" not in stats


def test_each_demo_listing_has_a_full_page_png_screenshot(browser_crawl: BrowserCrawl) -> None:
    folder = browser_crawl.screenshots_dir / "demo-market"
    for listing in browser_crawl.listings("demo-market"):
        assert listing.evidence is not None and listing.evidence.screenshot
        path = Path(listing.evidence.screenshot)
        assert path.parent == folder and path.is_file()
        image = _png(path)
        assert image.width == VIEWPORT["width"] and image.height >= VIEWPORT["height"]


def test_screenshots_are_full_page(browser_crawl: BrowserCrawl) -> None:
    """The JavaScript listing page is 3000 px tall: its PNG is too, not one viewport."""
    (listing,) = browser_crawl.listings("js-on")
    assert listing.evidence is not None and listing.evidence.screenshot
    image = _png(Path(listing.evidence.screenshot))
    assert image.width == VIEWPORT["width"] and image.height > TALL_PX


def test_javascript_runs_only_where_the_source_asks(browser_crawl: BrowserCrawl) -> None:
    assert [listing.title for listing in browser_crawl.listings("js-on")] == [JS_TITLE]
    assert browser_crawl.listings("js-off") == []
    stats = browser_crawl.stats("js-off")
    assert stats["armswatch/pages/detail"] == 1
    assert stats["armswatch/extraction_errors/missing_title"] == 1


def test_a_failed_page_is_counted_and_the_crawl_goes_on(browser_crawl: BrowserCrawl) -> None:
    """The JavaScript site links one listing to a closed port: that page fails in Chromium."""
    stats = browser_crawl.stats("js-on")
    assert stats["finish_reason"] == "finished"
    assert stats["armswatch/browser/page_errors"] == 1
    assert stats["armswatch/extraction_errors/browser_page"] == 1
    failures = browser_crawl.events("extraction_error")
    assert any(
        event["kind"] == "browser_page" and "/js/item/2" in event["url"] for event in failures
    )


def test_page_actions_click_load_more_and_scroll(browser_crawl: BrowserCrawl) -> None:
    titles = {listing.title for listing in browser_crawl.listings("actions-on")}
    assert titles == MORE_LISTINGS
    assert browser_crawl.listings("actions-off") == []
    assert browser_crawl.stats("actions-off")["armswatch/pages/index"] == 1


def test_no_browser_request_leaves_for_a_host_the_source_does_not_allow(
    browser_crawl: BrowserCrawl,
) -> None:
    assert [listing.title for listing in browser_crawl.listings("leak")] == ["Leaky listing"]
    for server in browser_crawl.outside:
        assert server.requests == [], f"a request reached port {server.port}"
        assert server.connections == [], f"a connection (preconnect?) reached port {server.port}"
    assert browser_crawl.stun is not None and browser_crawl.stun.datagrams == [], "WebRTC UDP"
    stats = browser_crawl.stats("leak")
    # image, stylesheet, script, iframe, fetch, WebSocket and the pop-up at least
    assert stats["armswatch/browser/blocked"] >= 7
    assert stats["playwright/request_count/aborted"] >= 5
    hosts = {event["host"] for event in browser_crawl.events("browser_request_blocked")}
    assert {"127.0.0.2", "localhost"} <= hosts
