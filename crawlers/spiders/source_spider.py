"""One generic spider that crawls any source from its YAML definition.

Index pages (start URLs, followed category links, pagination) lead to detail pages, which
become `Listing` items, or hold listing cards, each one a `Listing` (completed from its detail
page when the source reads those too); vendor pages become `VendorProfile` items. A page that
cannot be read is counted and logged, and the crawl goes on.

A `render: browser` source is fetched with Chromium (`crawlers.browser`): every request carries
the browser meta (page actions; a full-page screenshot on listing pages, kept as evidence),
and a page that fails or closes in the browser is counted and logged in an errback.

A listing's evidence names the WARC record of the page it was read from (put on the response's
meta by `crawlers.evidence.middleware`: the response, or a browser page's rendered view) and
that page's SHA-256, and the screenshot file when the browser took one.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from parsel import Selector
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from crawlers.anomalies import record_anomaly
from crawlers.browser.actions import browser_meta, screenshot_png
from crawlers.browser.screenshots import save_screenshot, with_screenshot
from crawlers.browser.settings import SCREENSHOTS_DIR
from crawlers.evidence.meta import EVIDENCE
from crawlers.evidence.records import Capture
from crawlers.extraction import (
    ExtractionError,
    card_nodes,
    listing_from_card,
    listing_from_page,
    merged_with_card,
    vendor_from_page,
)
from crawlers.listing import Evidence, Listing
from crawlers.safety.pages import PageChecks
from crawlers.safety.settings import PAGE_CHECKS
from crawlers.source import Source
from crawlers.vendor_profile import VendorProfile

Output = Iterator[Request | Listing | VendorProfile]


class SourceSpider(scrapy.Spider):
    """Crawls the site a `Source` describes."""

    name = "source"

    def __init__(self, source: Source, **kwargs: Any) -> None:
        super().__init__(name=source.name, **kwargs)
        self.source = source
        self.allowed_domains = source.domains
        self.browser = source.render == "browser"
        self._checks: PageChecks | None = None
        # vendor pages asked for in this process: each listing of a vendor names the same one,
        # and a request dropped here skips the middlewares and the frontier's look-up
        self._vendors_asked: set[str] = set()

    @property
    def checks(self) -> PageChecks:
        """The safety checks on parsed pages (`crawlers.safety.pages`), once crawling."""
        if self._checks is None:
            enabled = self.settings.getbool(PAGE_CHECKS, True)
            self._checks = PageChecks(self.source.limits, self.crawler.stats, enabled=enabled)
        return self._checks

    async def start(self) -> AsyncIterator[Request]:
        for url in self.source.start_urls:
            yield Request(str(url), callback=self.parse_index, **self._fetch())

    def _fetch(self, *, detail: bool = False, meta: dict[str, Any] | None = None) -> dict[str, Any]:
        """The request arguments of how this source is fetched (browser meta and errback)."""
        if not self.browser:
            return {"meta": meta} if meta else {}
        return {
            "meta": {**(meta or {}), **browser_meta(self.source, detail=detail)},
            "errback": self.on_browser_error,
        }

    def parse_index(self, response: Response, page: int = 1) -> Output:
        if not isinstance(response, TextResponse):
            self._count_error("not_text", response.url, "index page is not HTML")
            return
        self._count("pages/index")
        started = time.thread_time()
        self.checks.check(response)
        index = self.source.index
        selector = response.selector
        links = index.listing_links.values(selector, every=True) if index.listing_links else []
        cards = card_nodes(self.source, selector)
        follow = [link for found in index.follow for link in found.values(selector, every=True)]
        self.checks.spent(started, response.url)
        for card in cards:
            yield from self._card(response, card)
        for link in links:
            yield response.follow(link, callback=self.parse_detail, **self._fetch(detail=True))
        for link in follow:
            yield response.follow(link, callback=self.parse_index, **self._fetch())
        yield from self._next_pages(response, page, found_listings=bool(links or cards))

    def _card(self, response: TextResponse, card: Selector) -> Output:
        """A card's listing; or, when the source reads detail pages, the request of its page
        (carrying the card, which stands in for it if the page cannot be had)."""
        try:
            listing = listing_from_card(self.source, response.url, card, _now())
        except ExtractionError as error:
            self._count_error(f"card_missing_{error.field}", response.url, error.reason)
            return
        except Exception as error:  # one broken card never stops the crawl
            self._count_error("card_exception", response.url, f"{type(error).__name__}: {error}")
            return
        self._count("cards")
        listing = self._with_evidence(self.checks.cap_fields(listing), response)
        if self.source.detail is None:
            yield listing
            yield from self._vendor_request(listing, response)
            return
        fetch = self._fetch(detail=True)
        fetch["errback"] = self.on_card_detail_error
        yield response.follow(
            listing.url, callback=self.parse_detail, cb_kwargs={"card": listing}, **fetch
        )

    def on_card_detail_error(self, failure: Failure) -> Output:
        """A card's detail page could not be had: the card's listing stands."""
        if self.browser:
            self.on_browser_error(failure)
        request = getattr(failure, "request", None)
        card = request.cb_kwargs.get("card") if isinstance(request, Request) else None
        if isinstance(card, Listing):
            self._count("cards/without_detail")
            yield card

    def _next_pages(self, response: TextResponse, page: int, *, found_listings: bool) -> Output:
        pagination = self.source.index.pagination
        if pagination is None:
            return
        if page >= pagination.max_pages:
            self._count("pagination/max_pages_reached")
            detail = f"{pagination.max_pages} pages followed"
            record_anomaly(self.crawler.stats, "trap_pagination", response.url, detail=detail)
            return
        if pagination.next is not None:
            next_link = pagination.next.first(response.selector)
            if next_link:
                yield response.follow(
                    next_link,
                    callback=self.parse_index,
                    cb_kwargs={"page": page + 1},
                    **self._fetch(),
                )
        elif pagination.url_pattern and found_listings:
            first_url = response.meta.get("first_page_url", response.url)
            number = pagination.first_page + page
            url = pagination.url_pattern.format(url=first_url, page=number)
            yield response.follow(
                url,
                callback=self.parse_index,
                cb_kwargs={"page": page + 1},
                **self._fetch(meta={"first_page_url": first_url}),
            )

    def parse_detail(self, response: Response, card: Listing | None = None) -> Output:
        """A detail page's listing (merged with its card's, if it came from one); a page that
        cannot be read leaves the card's listing, if any."""
        listing = self._detail_listing(response)
        if listing is None or not isinstance(response, TextResponse):  # (read: it is text)
            yield from [card] if card is not None else []
            return
        if card is not None:
            listing = merged_with_card(listing, card)
        listing = self._with_evidence(self.checks.cap_fields(listing), response)
        yield listing
        yield from self._vendor_request(listing, response)

    def _detail_listing(self, response: Response) -> Listing | None:
        """The listing of a detail page; None (counted and logged) when it cannot be read."""
        if not isinstance(response, TextResponse):
            self._count_error("not_text", response.url, "detail page is not HTML")
            return None
        self._count("pages/detail")
        started = time.thread_time()
        try:
            self.checks.check(response)
            return listing_from_page(self.source, response.url, response.selector, _now())
        except ExtractionError as error:
            self._count_error(f"missing_{error.field}", response.url, error.reason)
        except Exception as error:  # one broken page never stops the crawl
            self._count_error("exception", response.url, f"{type(error).__name__}: {error}")
        finally:
            self.checks.spent(started, response.url)
        return None

    def _vendor_request(self, listing: Listing, response: TextResponse) -> Output:
        vendor = listing.vendor
        if not (vendor and vendor.profile_url and self.source.vendor_page):
            return
        if vendor.profile_url in self._vendors_asked:
            return
        self._vendors_asked.add(vendor.profile_url)
        yield response.follow(
            vendor.profile_url,
            callback=self.parse_vendor,
            cb_kwargs={"handle": vendor.handle},
            **self._fetch(),
        )

    def parse_vendor(self, response: Response, handle: str) -> Output:
        if not isinstance(response, TextResponse):
            self._count_error("not_text", response.url, "vendor page is not HTML")
            return
        self._count("pages/vendor")
        try:
            yield vendor_from_page(self.source, response.url, handle, response.selector, _now())
        except Exception as error:
            self._count_error("vendor_exception", response.url, f"{type(error).__name__}: {error}")

    def _with_evidence(self, listing: Listing, response: TextResponse) -> Listing:
        """The listing with its page's WARC record, and its screenshot if the browser took one."""
        capture = response.meta.get(EVIDENCE)
        if isinstance(capture, Capture):
            evidence = Evidence(
                warc_file=capture.warc_file,
                warc_record_id=capture.record_id,
                sha256=capture.payload_sha256,
            )
            listing = listing.model_copy(update={"evidence": evidence})
        png = screenshot_png(response)  # None on a static page: it has no page methods
        directory = self.settings.get(SCREENSHOTS_DIR)
        if png is None or not directory:
            return listing
        try:
            path = save_screenshot(png, Path(directory), self.source.name)
        except (OSError, ValueError) as error:
            self._count_error("screenshot", response.url, f"{type(error).__name__}: {error}")
            return listing
        self._count("screenshots")
        return with_screenshot(listing, path)

    def on_browser_error(self, failure: Failure) -> None:
        """A page that failed, timed out or closed in the browser: counted, logged, skipped.

        Refused requests (page budget, off-site, HTTP errors) are not browser failures: they
        are dropped silently, as on the static path."""
        if failure.check(IgnoreRequest):
            return
        request = getattr(failure, "request", None)
        url = request.url if isinstance(request, Request) else "?"
        self._count("browser/page_errors")
        self._count_error("browser_page", url, f"{type(failure.value).__name__}: {failure.value}")

    def _count(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"armswatch/{key}")

    def _count_error(self, kind: str, url: str, reason: str) -> None:
        self._count("extraction_errors")
        self._count(f"extraction_errors/{kind}")
        self.logger.warning(
            "extraction error: %s",
            reason,
            extra={
                "event": "extraction_error",
                "kind": kind,
                "url": url,
                "source": self.source.name,
            },
        )


def _now() -> datetime:
    return datetime.now(UTC)
