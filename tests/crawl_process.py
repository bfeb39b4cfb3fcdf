"""Crawl sources in a fresh process, as `armswatch crawl` sets them up, for the tests:

    python -m tests.crawl_process [--strict] [--photos] OUT_DIR SOURCE.yaml [SOURCE.yaml ...]

Twisted's reactor starts once per process, so tests run crawls through this module; the
sources of one run are crawled side by side. The app settings come from the environment
(`ARMSWATCH_DATA`, `ARMSWATCH_TOR_PROXY`, persona variables...). Each source is crawled with
`crawl_settings` (network, browser and challenge settings included) and only the listing budget
pipeline (with `--photos`, the photo pipeline too): no extraction, no index, the tests read the
crawler's own output. Written to OUT_DIR:

- `<source>.jsonl`: one Listing per line; `<source>.stats.json`: the crawl's stats;
- `crawl.log`: Scrapy's log at DEBUG level (the structured log is `<data>/logs/armswatch.jsonl`);
- `process.json`: every host name this process tried to resolve (`lookups`; the recorder
  records "localhost" first, so a test can tell it works) and the run's SOCKS isolation
  password (`isolation_password`), which must appear in no log.

Exits 0 once the crawls have ended; with `--strict`, only if every one of them finished.
"""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path
from typing import Any

LOOKUPS: list[str] = []
PIPELINES = {"crawlers.pipelines.listing_budget.ListingBudgetPipeline": 100}
PHOTO_PIPELINES = {**PIPELINES, "crawlers.photos.pipeline.PhotoPipeline": 300}


def record_lookups() -> None:
    """Wrap the resolver functions of `socket` so every look-up is recorded."""
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        original = getattr(socket, name)

        def wrapper(host: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            LOOKUPS.append(host.decode() if isinstance(host, bytes) else str(host))
            return _original(host, *args, **kwargs)

        setattr(socket, name, wrapper)


def main(argv: list[str]) -> int:
    strict, photos = "--strict" in argv, "--photos" in argv
    out, *source_files = (Path(arg) for arg in argv if arg not in ("--strict", "--photos"))
    record_lookups()
    socket.getaddrinfo("localhost", 80)  # the recorder works: tests find this one

    from scrapy.crawler import CrawlerProcess

    from armswatch import logs
    from armswatch.settings import AppSettings
    from crawlers.network import routing
    from crawlers.source_loader import load_source

    out.mkdir(parents=True, exist_ok=True)
    app = AppSettings.from_env()
    logs.configure(app.log_dir)
    process = CrawlerProcess({"LOG_FILE": str(out / "crawl.log"), "LOG_LEVEL": "DEBUG"})
    reasons: list[str] = []
    for position, path in enumerate(source_files):
        source = load_source(path)
        pipelines = PHOTO_PIPELINES if photos else PIPELINES
        crawler = _crawler(source, app, out, reasons, pipelines, first=position == 0)
        process.crawl(crawler, source=source)
    process.start()
    done = {"lookups": LOOKUPS, "isolation_password": routing._RUN_SECRET}
    (out / "process.json").write_text(json.dumps(done, indent=1))
    return 1 if strict and any(reason != "finished" for reason in reasons) else 0


def _crawler(
    source: Any, app: Any, out: Path, reasons: list[str], pipelines: dict[str, int], *, first: bool
) -> Any:
    """A crawler of `source` that writes its listings and, once closed, its stats."""
    from scrapy import signals
    from scrapy.crawler import Crawler

    from armswatch.crawl import crawl_settings
    from crawlers.listing import Listing
    from crawlers.spiders.source_spider import SourceSpider

    overrides = {
        "ITEM_PIPELINES": pipelines,
        "LOG_ENABLED": True,
        "LOG_LEVEL": "DEBUG",
        "ARMSWATCH_CAPTCHA_POLL": 0.1,
    }
    crawler = Crawler(SourceSpider, crawl_settings(source, app, overrides), init_reactor=first)
    items = (out / f"{source.name}.jsonl").open("w", encoding="utf-8")

    def on_item(item: Any, **_: Any) -> None:
        if isinstance(item, Listing):
            items.write(item.model_dump_json() + "\n")
            items.flush()

    def on_closed(reason: str, **_: Any) -> None:
        items.close()
        reasons.append(reason)
        stats = {**(crawler.stats.get_stats() if crawler.stats else {}), "finish_reason": reason}
        text = json.dumps(stats, default=str, indent=1, sort_keys=True)
        (out / f"{source.name}.stats.json").write_text(text)

    crawler.signals.connect(on_item, signal=signals.item_scraped, weak=False)
    crawler.signals.connect(on_closed, signal=signals.spider_closed, weak=False)
    return crawler


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
