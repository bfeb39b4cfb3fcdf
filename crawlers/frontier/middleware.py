"""A spider middleware that tells the frontier what each response produced.

It sits next to the engine (order 10, the lowest of all spider middlewares), so it sees exactly
the requests and items that reach the engine: the start requests (stored as the crawl's
roots) and each callback's output, element by element, then its end. With another scheduler
than the frontier's it passes everything through untouched.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawlers.frontier.accounting import Accounting


class FrontierSpiderMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for element in start:
            accounting = self._accounting()
            if accounting is not None and isinstance(element, Request):
                accounting.start_request(element)
            yield element

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        accounting = self._accounting()
        for element in result:
            if accounting is not None:
                accounting.output(response, element)
            yield element
        if accounting is not None:
            accounting.parsed(response)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        accounting = self._accounting()
        async for element in result:
            if accounting is not None:
                accounting.output(response, element)
            yield element
        if accounting is not None:
            accounting.parsed(response)

    def _accounting(self) -> Accounting | None:
        from crawlers.frontier.scheduler import FrontierScheduler

        engine = self.crawler.engine
        # ExecutionEngine.scheduler is Scrapy 2.19's; its slot holds the scheduler before that
        scheduler = getattr(engine, "scheduler", None)
        if scheduler is None:  # (a scheduler with no pending request is falsy: no `or`)
            scheduler = getattr(getattr(engine, "_slot", None), "scheduler", None)
        return scheduler.accounting if isinstance(scheduler, FrontierScheduler) else None
