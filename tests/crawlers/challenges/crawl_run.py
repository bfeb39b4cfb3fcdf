"""Crawl one source file in a fresh process, with the challenge middleware, for the tests:

    python -m tests.crawlers.challenges.crawl_run SOURCE.yaml OUT_DIR

The app settings come from the environment (`ARMSWATCH_DATA`, `ARMSWATCH_SECRETS`, persona
variables). Writes OUT_DIR/items.jsonl (one listing per line), OUT_DIR/stats.json and
OUT_DIR/crawl.log; exits 0 when the crawl finished normally.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess

from armswatch.crawl import crawl_settings
from armswatch.settings import AppSettings
from crawlers.listing import Listing
from crawlers.source_loader import load_source
from crawlers.spiders.source_spider import SourceSpider
from tests.crawlers.network.crawl_runner import LOOKUPS, record_lookups

ITEMS_FILE = "ARMSWATCH_TEST_ITEMS_FILE"


class JsonLinesPipeline:
    """Appends every listing to the file named by the ARMSWATCH_TEST_ITEMS_FILE setting."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesPipeline:
        return cls(crawler.settings.get(ITEMS_FILE))

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Listing):
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(item.model_dump_json() + "\n")
        return item


def main(source_file: str, out_dir: str) -> int:
    record_lookups()  # every name this process resolves, written to lookups.json
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    app = AppSettings.from_env()
    source = load_source(Path(source_file))
    overrides = {
        "ITEM_PIPELINES": {f"{__name__}.JsonLinesPipeline": 100},
        ITEMS_FILE: str(out / "items.jsonl"),
        "LOG_ENABLED": True,
        "LOG_FILE": str(out / "crawl.log"),
        "LOG_LEVEL": "DEBUG",
        "ARMSWATCH_CAPTCHA_POLL": 0.1,
    }
    settings = crawl_settings(source, app, overrides)
    process = CrawlerProcess(settings)
    crawler = Crawler(SourceSpider, settings, init_reactor=True)
    process.crawl(crawler, source=source)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    (out / "stats.json").write_text(json.dumps(stats, default=str, indent=1))
    (out / "lookups.json").write_text(json.dumps(LOOKUPS))
    return 0 if stats.get("finish_reason") == "finished" else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
