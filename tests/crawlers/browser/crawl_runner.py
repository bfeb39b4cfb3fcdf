"""Crawl sources in this process and write what came out, for the browser tests.

    python -m tests.crawlers.browser.crawl_runner OUT_DIR SOURCE.yaml [SOURCE.yaml ...]

Each source is crawled with the settings `armswatch crawl` builds (`crawl_settings`, with
`browser_settings` for `render: browser` sources), and only the listing budget pipeline (no
extraction, no index: the tests read the crawler's own output). Written to OUT_DIR:
`<source>.jsonl` (one Listing per line), `<source>.stats.json` (the crawl's stats),
`data/logs/armswatch.jsonl` (structured logs) and `data/screenshots/`.

Twisted's reactor starts once per process, so the tests run this in a subprocess; the sources
of one run are crawled side by side.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess

from armswatch import logs
from armswatch.crawl import crawl_settings
from armswatch.settings import AppSettings
from crawlers.listing import Listing
from crawlers.source import Source
from crawlers.source_loader import load_source
from crawlers.spiders.source_spider import SourceSpider

PIPELINES = {"crawlers.pipelines.listing_budget.ListingBudgetPipeline": 100}


def _crawler(source: Source, app: AppSettings, out: Path, *, first: bool) -> Crawler:
    overrides: dict[str, Any] = {"ITEM_PIPELINES": PIPELINES}
    crawler = Crawler(SourceSpider, crawl_settings(source, app, overrides), init_reactor=first)
    items = (out / f"{source.name}.jsonl").open("w", encoding="utf-8")

    def on_item(item: Any, **_: Any) -> None:
        if isinstance(item, Listing):
            items.write(item.model_dump_json() + "\n")
            items.flush()

    def on_closed(reason: str, **_: Any) -> None:
        items.close()
        stats = {**(crawler.stats.get_stats() if crawler.stats else {}), "finish_reason": reason}
        text = json.dumps(stats, default=str, indent=1, sort_keys=True)
        (out / f"{source.name}.stats.json").write_text(text)

    crawler.signals.connect(on_item, signal=signals.item_scraped, weak=False)
    crawler.signals.connect(on_closed, signal=signals.spider_closed, weak=False)
    return crawler


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    data = out / "data"
    app = AppSettings(data_dir=data, index_url=f"sqlite:///{data / 'unused.db'}", sources_dirs=())
    logs.configure(app.log_dir)
    process = CrawlerProcess({"LOG_INSTALL_ROOT_HANDLER": False})
    for position, path in enumerate(argv[1:]):
        source = load_source(Path(path))
        process.crawl(_crawler(source, app, out, first=position == 0), source=source)
    process.start()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
