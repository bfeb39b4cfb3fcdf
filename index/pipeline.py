"""Scrapy item pipeline that writes listings and vendor profiles into the index in batches.

It is the last pipeline, and it writes what left the pipelines: items are buffered on Scrapy's
`item_scraped` signal (as Scrapy's feed exports take them), not in `process_item`, which passes
every item on. So every listing a batch writes has been reported scraped first, and the crawl
frontier, which counts a request done when its items are scraped, knows it done before the
batch's `durable_checkpoint`. Buffered in `process_item`, a burst of items (a whole extraction
batch resumed at once) could fill several batches, all written before Scrapy's scraper, which
resumes each item on a later turn of the event loop, reported the first of them scraped: a
crawl killed then fetched all of them again.

A batch the index refuses (or cannot be reached for) is spooled to JSON-lines files beside the
index, `listings.jsonl` and `vendors.jsonl` in the spool directory, and replayed when the next
crawl opens the index, and again when a crawl closes, so nothing collected is lost. A replay
the index refuses keeps the spool and is logged; it never stops a crawl from starting. A spool
line that is not a valid record (a write cut short) is set aside in `<name>.rejected` so it
cannot block later replays. Replays are safe to repeat: the merge rule keeps the newest capture.

Every spooled batch is logged as an error (event `index_spooled`), so the crawl run counts it
and `armswatch crawl` exits 1: the data is safe, but the index lags until a replay succeeds.

After every batch the index accepted (replays included), the pipeline sends the Scrapy signal
`listings_indexed` with the batch's `UpsertReport` (`report=`), so later stages (the alert
rules) see which listings are new or changed; after every flush, once the batch is in the
index or the spool, it sends `crawlers.frontier.durable_checkpoint`, so the crawl frontier
knows what a resumed crawl need not fetch again. Receivers' errors are logged, never raised.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self, TypeVar

from pydantic import BaseModel
from scrapy import signals as scrapy_signals
from scrapy.crawler import Crawler
from scrapy.signalmanager import SignalManager
from scrapy.statscollectors import StatsCollector

from crawlers.frontier import durable_checkpoint
from crawlers.listing import Listing
from crawlers.vendor_profile import VendorProfile
from index.backend import IndexBackend, UpsertReport
from index.errors import BackendConfigError
from index.selection import open_index

logger = logging.getLogger(__name__)

# sent with `report=UpsertReport` after each batch the index accepted
listings_indexed = object()
LISTINGS_SPOOL = "listings.jsonl"
VENDORS_SPOOL = "vendors.jsonl"
DEFAULT_BATCH = 250
Record = TypeVar("Record", bound=BaseModel)


def _unavailable_error() -> type[Exception]:
    """The error of an index that cannot be reached now (retry later) rather than misnamed."""
    try:
        from index.elasticsearch.connection import BackendUnavailableError
    except ImportError:  # pragma: no cover - the client is a dependency
        return BackendConfigError
    return BackendUnavailableError


class IndexPipeline:
    """Buffers items and upserts them into the index selected by `ARMSWATCH_INDEX_URL`.

    The batch size is the `ARMSWATCH_INDEX_BATCH` setting (else the environment variable of
    that name, else 250 items).
    """

    def __init__(
        self,
        index_url: str | None,
        spool_dir: Path,
        stats: StatsCollector,
        batch_size: int,
        signals: SignalManager | None = None,
    ) -> None:
        self.index_url = index_url
        self.signals = signals
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
        default_batch = int(os.environ.get("ARMSWATCH_INDEX_BATCH") or DEFAULT_BATCH)
        pipeline = cls(
            index_url=settings.get("ARMSWATCH_INDEX_URL"),
            spool_dir=Path(settings.get("ARMSWATCH_SPOOL_DIR", "data/spool")),
            stats=crawler.stats,
            batch_size=max(settings.getint("ARMSWATCH_INDEX_BATCH", default_batch), 1),
            signals=crawler.signals,
        )
        crawler.signals.connect(pipeline.item_scraped, signal=scrapy_signals.item_scraped)
        return pipeline

    @property
    def listings_spool(self) -> Path:
        return self.spool_dir / LISTINGS_SPOOL

    @property
    def vendors_spool(self) -> Path:
        return self.spool_dir / VENDORS_SPOOL

    def open_spider(self, spider: Any = None) -> None:
        """Open the index (a bad index URL raises) and replay what earlier crawls spooled.

        An index that does not answer now does not stop the crawl: batches are spooled and
        every flush tries to reach it again.
        """
        self._connect()
        self._replay_spool()

    def process_item(self, item: Any, spider: Any = None) -> Any:
        """Pass the item on: it is written once scraped (see the module docstring)."""
        return item

    def item_scraped(self, item: Any, **_: Any) -> None:
        self.write(item)

    def write(self, item: Any) -> None:
        """Buffer a listing or a vendor profile; write the batch once it is full."""
        if isinstance(item, Listing):
            self.listings.append(item)
        elif isinstance(item, VendorProfile):
            self.vendors.append(item)
        if len(self.listings) + len(self.vendors) >= self.batch_size:
            self.flush()

    def close_spider(self, spider: Any = None) -> None:
        flushed = self.flush()
        if flushed:
            self._replay_spool()
        if self.index is not None:
            self.index.close()
            self.index = None

    def flush(self) -> bool:
        """Write the buffered items; False when (some of) them had to be spooled."""
        listings, vendors = self.listings, self.vendors
        self.listings, self.vendors = [], []
        if not listings and not vendors:
            return True
        index = self.index or self._connect()
        if index is None:
            error: Exception = ConnectionError(f"the index at {self.index_url} is unavailable")
            self._spool(listings, vendors, error)
            return False
        written = True
        if listings:
            try:
                report = index.upsert(listings)
            except Exception as refused:
                self._spool(listings, [], refused)
                written = False
            else:
                self._record(report)
        if vendors:
            try:
                index.upsert_vendors(vendors)
            except Exception as refused:
                self._spool([], vendors, refused)
                written = False
        if self.signals is not None:  # the batch is in the index or the spool: durable
            self.signals.send_catch_log(durable_checkpoint)
        return written

    def _connect(self) -> IndexBackend | None:
        """Open the index; None (logged) when it does not answer now."""
        try:
            self.index = open_index(self.index_url)
        except _unavailable_error() as error:
            self.index = None
            logger.error(
                "the index does not answer; spooling batches until it does: %s",
                error,
                extra={"event": "index_unavailable", "error": str(error)},
            )
        return self.index

    def _record(self, report: UpsertReport) -> None:
        if self.signals is not None:
            self.signals.send_catch_log(listings_indexed, report=report)
        self.stats.inc_value("armswatch/listings_new", len(report.new))
        self.stats.inc_value("armswatch/listings_changed", len(report.changed))
        self.stats.inc_value("armswatch/listings_unchanged", len(report.unchanged))

    def _spool(
        self, listings: Sequence[Listing], vendors: Sequence[VendorProfile], error: Exception
    ) -> None:
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        for path, records in ((self.listings_spool, listings), (self.vendors_spool, vendors)):
            if records:
                with path.open("a", encoding="utf-8") as handle:
                    handle.writelines(record.model_dump_json() + "\n" for record in records)
        self.stats.inc_value("armswatch/listings_spooled", len(listings))
        self.stats.inc_value("armswatch/vendors_spooled", len(vendors))
        logger.error(
            "index refused a batch of %d listings and %d vendor profiles; spooled to %s",
            len(listings),
            len(vendors),
            self.spool_dir,
            extra={
                "event": "index_spooled",
                "error": str(error),
                "spool": str(self.spool_dir),
                "listings": len(listings),
                "vendors": len(vendors),
            },
        )

    def _replay_spool(self) -> None:
        """Upsert the spooled listings, then vendor profiles; keep a spool the index refuses."""
        if self.index is None:
            return
        index = self.index
        listings = self._read_spool(self.listings_spool, Listing)
        if listings:
            try:
                report = index.upsert(listings)
            except Exception as error:
                self._replay_failed(self.listings_spool, len(listings), error)
                return
            self._record(report)
            self.stats.inc_value("armswatch/listings_replayed", len(listings))
            logger.info(
                "replayed %d spooled listings into the index",
                len(listings),
                extra={"event": "index_replayed", "listings": len(listings)},
            )
        self.listings_spool.unlink(missing_ok=True)
        vendors = self._read_spool(self.vendors_spool, VendorProfile)
        if vendors:
            try:
                index.upsert_vendors(vendors)
            except Exception as error:
                self._replay_failed(self.vendors_spool, len(vendors), error)
                return
            self.stats.inc_value("armswatch/vendors_replayed", len(vendors))
        self.vendors_spool.unlink(missing_ok=True)

    def _replay_failed(self, spool: Path, count: int, error: Exception) -> None:
        self.stats.inc_value("armswatch/replay_failures")
        logger.error(
            "the index refused the replay of %d spooled records; keeping %s",
            count,
            spool,
            extra={
                "event": "index_replay_failed",
                "error": str(error),
                "spool": str(spool),
                "records": count,
            },
        )

    def _read_spool(self, spool: Path, model: type[Record]) -> list[Record]:
        """The valid records of a spool file; invalid lines move to `<spool>.rejected`."""
        if not spool.exists():
            return []
        records: list[Record] = []
        rejected: list[str] = []
        for line in spool.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                records.append(model.model_validate(json.loads(line)))
            except ValueError:  # also a JSONDecodeError or a ValidationError
                rejected.append(line)
        if rejected:
            aside = spool.with_name(spool.name + ".rejected")
            with aside.open("a", encoding="utf-8") as handle:
                handle.writelines(line + "\n" for line in rejected)
            spool.write_text("".join(record.model_dump_json() + "\n" for record in records))
            logger.error(
                "set aside %d unreadable lines of %s in %s",
                len(rejected),
                spool,
                aside,
                extra={"event": "spool_rejected", "spool": str(spool), "lines": len(rejected)},
            )
        return records
