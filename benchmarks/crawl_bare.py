"""The baseline of `benchmarks/crawl.py`: a bare Scrapy spider over the demo market.

    python benchmarks/crawl_bare.py http://127.0.0.1:PORT/ stats.json [--concurrency 16] [--photos]

It follows what the `demo-market` source follows (the category tree, the pager's next link,
each listing's page and its vendor's page) with plain CSS selectors and yields a small dict per
listing, with no item pipeline, no extraction and no index. With `--photos` it also fetches each
listing's photos (as armswatch downloads them), counted apart (`bare/photos`), not as pages.
It writes Scrapy's stats as JSON (times as Unix seconds) so the benchmark reads pages and
elapsed time the same way for both.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.http import Request, Response

USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"
Output = Iterator[Request | dict[str, Any]]


class BareMarketSpider(scrapy.Spider):
    """The demo market's index, pagination, detail and vendor pages, read with CSS only."""

    name = "bare-market"

    def __init__(self, start_url: str, photos: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_url = start_url
        self.photos = photos

    async def start(self) -> AsyncIterator[Request]:
        yield Request(self.start_url, callback=self.parse_index)

    def parse_index(self, response: Response) -> Output:
        for link in response.css("table.listings a.listing-link::attr(href)").getall():
            yield response.follow(link, callback=self.parse_detail)
        for link in response.css("ul.cat-tree a::attr(href)").getall():
            yield response.follow(link, callback=self.parse_index)
        next_page = response.css("div.pager a.next::attr(href)").get()
        if next_page:
            yield response.follow(next_page, callback=self.parse_index)

    def parse_detail(self, response: Response) -> Output:
        vendor = response.css("table.listing-info a.vendor-link::attr(href)").get()
        if vendor:
            yield response.follow(vendor, callback=self.parse_vendor)
        if self.photos:
            for photo in response.css("div.gallery img::attr(src)").getall():
                yield response.follow(photo, callback=self.parse_photo)
        yield {"url": response.url, "title": response.css("h1.listing-title::text").get()}

    def parse_vendor(self, response: Response) -> Output:
        return iter(())

    def parse_photo(self, response: Response) -> Output:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("bare/photos")
        return iter(())


def bare_settings(concurrency: int) -> dict[str, Any]:
    """Scrapy's defaults with the benchmark source's politeness: no delay, no autothrottle."""
    return {
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "ROBOTSTXT_OBEY": False,
        "COOKIES_ENABLED": False,  # Scrapy's cookie middleware may look up the suffix list online
        "TELNETCONSOLE_ENABLED": False,
        "USER_AGENT": USER_AGENT,
        "DEPTH_LIMIT": 0,
        "LOG_LEVEL": "WARNING",
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    return value if isinstance(value, int | float | str | bool) or value is None else str(value)


def crawl(start_url: str, output: Path, concurrency: int, photos: bool) -> None:
    process = CrawlerProcess(bare_settings(concurrency))
    crawler: Crawler = process.create_crawler(BareMarketSpider)
    process.crawl(crawler, start_url=start_url, photos=photos)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats is not None else {}
    output.write_text(json.dumps({key: _jsonable(value) for key, value in stats.items()}))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("start_url")
    parser.add_argument("output", type=Path, help="where to write the crawl's stats (JSON)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--photos", action="store_true", help="fetch each listing's photos too")
    arguments = parser.parse_args(argv)
    crawl(arguments.start_url, arguments.output, arguments.concurrency, arguments.photos)
    return 0


if __name__ == "__main__":
    sys.exit(main())
