"""A demo-forum spider on a crawler, and the requests it makes from real demo pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from armswatch.demo.server import DemoSites
from crawlers.source import Source
from crawlers.source_loader import load_source
from crawlers.spiders.source_spider import SourceSpider
from tests.conftest import REPO

FORUM = "http://127.0.0.1:8302"
# rendered in memory, never served: no port is taken
PAGES = DemoSites(day=1, ports={"market": 0, "forum": 0, "classifieds": 0})


@pytest.fixture(scope="session")
def forum() -> Source:
    return load_source(REPO / "sources" / "demo-forum.yaml")


def spider_of(source: Source, settings: dict[str, object] | None = None) -> SourceSpider:
    crawler: Crawler = get_crawler(SourceSpider, settings)
    spider = crawler._create_spider(source=source)
    assert isinstance(spider, SourceSpider)
    crawler.spider = spider
    return spider


def page(url: str, request: Request | None = None) -> HtmlResponse:
    """The demo forum's page at `url`, as the response to `request`."""
    answer = PAGES.respond("forum", url.removeprefix(FORUM))
    assert answer.status == 200, url
    return HtmlResponse(url, body=answer.body, request=request or Request(url))


def board_requests(spider: SourceSpider) -> list[Request]:
    """What the spider makes of the forum's first board: thread links, then the next page."""
    boards = [r for r in spider.parse_index(page(FORUM + "/")) if isinstance(r, Request)]
    board = boards[0]
    return [r for r in spider.parse_index(page(board.url, board)) if isinstance(r, Request)]


def tmp_settings(tmp_path: Path) -> dict[str, object]:
    return {"ARMSWATCH_FRONTIER_DB": str(tmp_path / "frontier" / "demo-forum.db")}
