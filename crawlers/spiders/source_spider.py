"""One generic spider that crawls any source from its YAML definition.

Index pages (start URLs, followed category links, pagination) lead to detail pages, which
become `Listing` items; vendor pages become `VendorProfile` items. A page that cannot be read
is counted and logged, and the crawl goes on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Request, Response, TextResponse

from crawlers.extraction import ExtractionError, listing_from_page, vendor_from_page
from crawlers.listing import Listing
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

    async def start(self) -> AsyncIterator[Request]:
        for url in self.source.start_urls:
            yield Request(str(url), callback=self.parse_index, cb_kwargs={"page": 1})

    def parse_index(self, response: Response, page: int = 1) -> Output:
        if not isinstance(response, TextResponse):
            self._count_error("not_text", response.url, "index page is not HTML")
            return
        self._count("pages/index")
        index = self.source.index
        links = index.listing_links.values(response.selector, every=True)
        for link in links:
            yield response.follow(link, callback=self.parse_detail)
        for selector in index.follow:
            for link in selector.values(response.selector, every=True):
                yield response.follow(link, callback=self.parse_index, cb_kwargs={"page": 1})
        yield from self._next_pages(response, page, found_listings=bool(links))

    def _next_pages(self, response: TextResponse, page: int, *, found_listings: bool) -> Output:
        pagination = self.source.index.pagination
        if pagination is None:
            return
        if page >= pagination.max_pages:
            self._count("pagination/max_pages_reached")
            return
        if pagination.next is not None:
            next_link = pagination.next.first(response.selector)
            if next_link:
                yield response.follow(
                    next_link, callback=self.parse_index, cb_kwargs={"page": page + 1}
                )
        elif pagination.url_pattern and found_listings:
            first_url = response.meta.get("first_page_url", response.url)
            number = pagination.first_page + page
            url = pagination.url_pattern.format(url=first_url, page=number)
            yield response.follow(
                url,
                callback=self.parse_index,
                cb_kwargs={"page": page + 1},
                meta={"first_page_url": first_url},
            )

    def parse_detail(self, response: Response) -> Output:
        if not isinstance(response, TextResponse):
            self._count_error("not_text", response.url, "detail page is not HTML")
            return
        self._count("pages/detail")
        try:
            listing = listing_from_page(self.source, response.url, response.selector, _now())
        except ExtractionError as error:
            self._count_error(f"missing_{error.field}", response.url, error.reason)
            return
        except Exception as error:  # one broken page never stops the crawl
            self._count_error("exception", response.url, f"{type(error).__name__}: {error}")
            return
        yield listing
        if listing.vendor and listing.vendor.profile_url and self.source.vendor_page:
            yield response.follow(
                listing.vendor.profile_url,
                callback=self.parse_vendor,
                cb_kwargs={"handle": listing.vendor.handle},
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
