"""Errors logged while the spider closes (a Deferred `spider_closed` handler finishing late)
are counted in the run's stats; counting stops when the engine stops."""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import Spider, signals
from scrapy.utils.test import get_crawler

from armswatch.crawl import crawl_settings
from armswatch.settings import AppSettings
from crawlers.log_count import LogCountToTheEnd
from crawlers.source_loader import load_source
from tests.conftest import REPO

logger = logging.getLogger("tests.late")


def test_errors_logged_after_spider_closed_are_counted_until_the_engine_stops() -> None:
    crawler = get_crawler(Spider, {"LOG_LEVEL": "INFO", "EXTENSIONS_BASE": {}})
    assert crawler.stats is not None
    extension = LogCountToTheEnd.from_crawler(crawler)
    spider = Spider(name="late")
    crawler.signals.send_catch_log(signals.spider_opened, spider=spider)
    logger.error("while crawling")
    crawler.signals.send_catch_log(signals.spider_closed, spider=spider, reason="finished")
    logger.error("the alert worker's last pass left dead letters")
    crawler.signals.send_catch_log(signals.engine_stopped)
    logger.error("after the engine stopped: another crawl's")
    assert crawler.stats.get_value("log_count/ERROR") == 2
    assert extension.handler is None
    assert extension.handler not in logging.root.handlers


def test_every_crawl_counts_with_it_instead_of_scrapys(tmp_path: Path) -> None:
    app = AppSettings(data_dir=tmp_path, index_url="sqlite:///x.db", sources_dirs=())
    source = load_source(REPO / "sources" / "demo-market.yaml")
    extensions = crawl_settings(source, app).getdict("EXTENSIONS")
    assert extensions["scrapy.extensions.logcount.LogCount"] is None
    assert extensions["crawlers.log_count.LogCountToTheEnd"] == 0
    assert "rules.scrapy_extension.AlertExtension" in extensions
