"""A hard listing budget: never pass on more listings than a source's `limits.max_listings`.

Scrapy's CLOSESPIDER_ITEMCOUNT counts every item (vendor profiles too) and lets the pages in
flight yield more. This pipeline counts listings only, closes the spider with reason
`closespider_itemcount` when the budget is spent, and drops the listings that still arrive
(counted in `armswatch/listing_budget_dropped`).
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import deferred_from_coro

from crawlers.listing import Listing

CLOSE_REASON = "closespider_itemcount"


class ListingBudgetPipeline:
    def __init__(self, crawler: Crawler, budget: int) -> None:
        self.crawler = crawler
        self.budget = budget
        self.passed = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ListingBudgetPipeline:
        budget = crawler.settings.getint("ARMSWATCH_MAX_LISTINGS")
        if budget <= 0:
            raise NotConfigured("no listing budget (ARMSWATCH_MAX_LISTINGS) is set")
        return cls(crawler, budget)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Listing):
            return item
        if self.passed >= self.budget:
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("armswatch/listing_budget_dropped")
            raise DropItem(f"listing budget of {self.budget} listings spent")
        self.passed += 1
        if self.passed == self.budget and self.crawler.engine is not None:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=CLOSE_REASON))
        return item
