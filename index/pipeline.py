"""Scrapy item pipeline that writes listings and vendor profiles into the index in batches.

A batch the index refuses is spooled to a JSON-lines file beside the index and replayed when
the next crawl opens it, so nothing collected is lost.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawlers.listing import Listing
from crawlers.vendor_profile import VendorProfile
from index.backend import IndexBackend, UpsertReport
from index.selection import open_index

logger = logging.getLogger(__name__)


class IndexPipeline:
    """Buffers items and upserts them into the index selected by `ARMSWATCH_INDEX_URL`."""

    def __init__(
        self, index_url: str | None, spool_dir: Path, stats: StatsCollector, batch_size: int
    ) -> None:
        self.index_url = index_url
        self.spool_dir = spool_dir
        self.stats = stats
        self.batch_size = batch_size
        self.listings: list[Listing] = []
        self.vendors: list[VendorProfile] = []
        self.index: IndexBackend | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        assert crawler.stats is not None
        return cls(
            index_url=settings.get("ARMSWATCH_INDEX_URL"),
            spool_dir=Path(settings.get("ARMSWATCH_SPOOL_DIR", "data/spool")),
            stats=crawler.stats,
            batch_size=settings.getint("ARMSWATCH_INDEX_BATCH", 250),
        )

    def open_spider(self, spider: Any = None) -> None:
        self.index = open_index(self.index_url)
        self._replay_spool()

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if isinstance(item, Listing):
            self.listings.append(item)
        elif isinstance(item, VendorProfile):
            self.vendors.append(item)
        if len(self.listings) + len(self.vendors) >= self.batch_size:
            self.flush()
        return item

    def close_spider(self, spider: Any = None) -> None:
        self.flush()
        if self.index is not None:
            self.index.close()

    def flush(self) -> None:
        listings, vendors = self.listings, self.vendors
        self.listings, self.vendors = [], []
        if not listings and not vendors:
            return
        assert self.index is not None
        try:
            report = self.index.upsert(listings)
            self.index.upsert_vendors(vendors)
        except Exception as error:
            self._spool(listings, error)
            return
        self._record(report)

    def _record(self, report: UpsertReport) -> None:
        self.stats.inc_value("armswatch/listings_new", len(report.new))
        self.stats.inc_value("armswatch/listings_changed", len(report.changed))
        self.stats.inc_value("armswatch/listings_unchanged", len(report.unchanged))

    def _spool(self, listings: list[Listing], error: Exception) -> None:
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        spool = self.spool_dir / "listings.jsonl"
        with spool.open("a", encoding="utf-8") as handle:
            for listing in listings:
                handle.write(listing.model_dump_json() + "\n")
        self.stats.inc_value("armswatch/listings_spooled", len(listings))
        logger.error(
            "index refused a batch of %d listings; spooled to %s",
            len(listings),
            spool,
            extra={"event": "index_spooled", "error": str(error), "spool": str(spool)},
        )

    def _replay_spool(self) -> None:
        spool = self.spool_dir / "listings.jsonl"
        if not spool.exists() or self.index is None:
            return
        lines = spool.read_text(encoding="utf-8").splitlines()
        listings = [Listing.model_validate(json.loads(line)) for line in lines if line.strip()]
        report = self.index.upsert(listings)
        spool.unlink()
        self._record(report)
        self.stats.inc_value("armswatch/listings_replayed", len(listings))
        logger.info("replayed %d spooled listings into the index", len(listings))
