"""Scrapy's log count (`log_count/<LEVEL>` stats), kept until the engine stops.

Scrapy's own `LogCount` extension stops counting as the spider closes, at the first
`spider_closed` handler; but handlers that return a Deferred (the alert extension waiting for
its worker's last pass, whose dead letters are errors of the crawl) and those run after it
(the listing history's removals) still log errors then. The crawl run counts a run's errors
from `log_count/ERROR`, so this extension replaces Scrapy's and counts until `engine_stopped`,
which Scrapy sends after every `spider_closed` handler has finished.
"""

from __future__ import annotations

import logging
from typing import Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.extensions.logcount import LogCount
from scrapy.utils.log import LogCounterHandler


class LogCountToTheEnd(LogCount):
    """`LogCount`, with its handler removed when the engine stops, not when the spider closes."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        level = self.crawler.settings.get("LOG_LEVEL")
        self.handler = LogCounterHandler(self.crawler, level=level)
        logging.root.addHandler(self.handler)

    def engine_stopped(self) -> None:
        if self.handler is not None:
            logging.root.removeHandler(self.handler)
            self.handler = None
