"""Crawl sources with their network settings in a fresh process, recording every DNS look-up.

    python -m tests.crawlers.network.crawl_runner CONFIG.json

CONFIG: {"sources": [yaml paths], "data_dir", "tor_proxy", "i2p_proxy", "tor_control",
"output"}. The output JSON holds the host names this process tried to resolve and each
source's Scrapy stats. The crawl is set up as `armswatch crawl` sets it up (network and
browser settings included); items are counted, not stored (no spaCy, no index: faster).
"""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path
from typing import Any

LOOKUPS: list[str] = []


def record_lookups() -> None:
    """Wrap the resolver functions of `socket` so every look-up is recorded."""
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        original = getattr(socket, name)

        def wrapper(host: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            LOOKUPS.append(host.decode() if isinstance(host, bytes) else str(host))
            return _original(host, *args, **kwargs)

        setattr(socket, name, wrapper)


def main(config_path: str) -> None:
    record_lookups()
    socket.getaddrinfo("localhost", 80)  # the recorder works: tests find this one
    from scrapy.crawler import Crawler, CrawlerProcess

    from armswatch import logs
    from armswatch.crawl import crawl_settings
    from armswatch.settings import AppSettings
    from crawlers.source_loader import load_source
    from crawlers.spiders.source_spider import SourceSpider

    config = json.loads(Path(config_path).read_text())
    data_dir = Path(config["data_dir"])
    app = AppSettings(
        data_dir=data_dir,
        index_url=f"sqlite:///{data_dir / 'armswatch.db'}",
        sources_dirs=(),
        tor_proxy=config.get("tor_proxy") or "socks5h://127.0.0.1:9",
        i2p_proxy=config.get("i2p_proxy") or "http://127.0.0.1:9",
        tor_control=config.get("tor_control"),
    )
    logs.configure(app.log_dir)
    sources = [load_source(Path(path)) for path in config["sources"]]
    process = CrawlerProcess({"LOG_INSTALL_ROOT_HANDLER": False})
    crawlers = []
    for position, source in enumerate(sources):
        settings = crawl_settings(source, app, {"ITEM_PIPELINES": {}})
        crawler = Crawler(SourceSpider, settings, init_reactor=position == 0)
        crawlers.append(crawler)
        process.crawl(crawler, source=source)
    process.start()
    stats = {
        source.name: {key: str(value) for key, value in crawler.stats.get_stats().items()}
        for source, crawler in zip(sources, crawlers, strict=True)
        if crawler.stats is not None
    }
    from crawlers.network import routing

    output = {"lookups": LOOKUPS, "stats": stats, "isolation_password": routing._RUN_SECRET}
    Path(config["output"]).write_text(json.dumps(output, indent=1))


if __name__ == "__main__":
    main(sys.argv[1])
