"""A hard page budget: never send more requests than a source's `limits.max_pages`.

Scrapy's CLOSESPIDER_PAGECOUNT counts responses, so the requests already in flight when it
fires are still downloaded (with 16 concurrent requests, a limit of 12 pages fetched 33). A
budget under a legal mandate must hold: this middleware refuses every request beyond it and
counts them in `armswatch/page_budget_refused`; CLOSESPIDER_PAGECOUNT still ends the crawl.

A request flagged `meta[NOT_A_PAGE]` (a listing photo, `crawlers.photos`) is no page: this
middleware lets it pass uncounted, and `PageCountCloseSpider` (Scrapy's CloseSpider in its
place) leaves its response out of CLOSESPIDER_PAGECOUNT.
"""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.extensions.closespider import CloseSpider
from scrapy.http import Response

NOT_A_PAGE = "armswatch_not_a_page"


class PageBudgetMiddleware:
    def __init__(self, crawler: Crawler, budget: int) -> None:
        self.crawler = crawler
        self.budget = budget
        self.sent = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageBudgetMiddleware:
        budget = crawler.settings.getint("CLOSESPIDER_PAGECOUNT")
        if budget <= 0:
            raise NotConfigured("no page budget (CLOSESPIDER_PAGECOUNT) is set")
        return cls(crawler, budget)

    def process_request(self, request: Request) -> None:
        if request.meta.get(NOT_A_PAGE):
            return
        if self.sent < self.budget:
            self.sent += 1
            return
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("armswatch/page_budget_refused")
        raise IgnoreRequest(f"page budget of {self.budget} pages spent: {request.url}")


class PageCountCloseSpider(CloseSpider):
    """Scrapy's CloseSpider, whose page count leaves out responses to `NOT_A_PAGE` requests."""

    def page_count(self, response: Response, request: Request, spider: Spider) -> None:
        if not request.meta.get(NOT_A_PAGE):
            super().page_count(response, request, spider)
