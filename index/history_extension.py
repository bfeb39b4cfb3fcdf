"""The Scrapy extension that keeps listing histories as a crawl runs: removals and re-posts.

- It notes the id of every listing the crawl sees (scraped, or dropped by a later pipeline:
  the site still shows it), and writes them to the history file with each batch the index
  accepts, so a crawl killed and resumed still knows what it saw before.
- On each batch the index accepted (the index pipeline's `listings_indexed` signal) it notes
  when the batch's new versions began, and links the batch's new listings to the earlier
  listings of the same vendor they re-post (`index.reposts`), in the history file.
- When the spider closes after a complete crawl (`index.removals`), it counts which stored
  listings of the source the crawl missed and upserts those missed by `Source.removed_after`
  complete crawls in a row with status `removed`; their report goes out on
  `listings_indexed` like any batch, so the alert rules see the removals. The stat
  `armswatch/listings_removed` counts them.

Registered before the alert extension, so its closing work is done before that one sends
its last alerts and closes. Failures are logged as errors (the crawl run counts them) and
never stop a crawl.

Settings: `ARMSWATCH_INDEX_URL`, `ARMSWATCH_DATA_DIR`, `ARMSWATCH_HISTORY_DB` (default
`<data dir>/history.db`), `ARMSWATCH_HISTORY_ENABLED` (default true).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.signalmanager import SignalManager
from scrapy.statscollectors import StatsCollector

from crawlers.listing import Listing, utcnow
from crawlers.source import Source
from index.backend import IndexBackend, UpsertReport
from index.history_store import HistoryStore, TrackedCrawl, history_db_path
from index.pipeline import listings_indexed
from index.removals import RemovalPass, apply_removals, is_complete
from index.reposts import RepostFinder
from index.selection import open_index

logger = logging.getLogger(__name__)


class ListingHistoryExtension:
    def __init__(
        self, index_url: str | None, store_path: Path, stats: StatsCollector, sigs: SignalManager
    ) -> None:
        self.index_url = index_url
        self.store_path = store_path
        self.stats = stats
        self.signals = sigs
        self.source: Source | None = None
        self.seen: set[str] = set()
        self.noted: set[str] = set()  # seen and written to the history file
        self.new_this_crawl: set[str] = set()
        self.closing = False  # the removals' own batch is no sighting
        self._index: IndexBackend | None = None
        self._store: HistoryStore | None = None
        self._reposts: RepostFinder | None = None  # the crawl's, with its vendors' candidates

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("ARMSWATCH_HISTORY_ENABLED", True):
            raise NotConfigured("listing history is switched off")
        assert crawler.stats is not None
        data_dir = Path(settings.get("ARMSWATCH_DATA_DIR", "data"))
        store_path = Path(settings.get("ARMSWATCH_HISTORY_DB") or history_db_path(data_dir))
        extension = cls(
            settings.get("ARMSWATCH_INDEX_URL"), store_path, crawler.stats, crawler.signals
        )
        connect = crawler.signals.connect
        connect(extension.on_opened, signal=signals.spider_opened)
        connect(extension.on_item, signal=signals.item_scraped)
        connect(extension.on_item, signal=signals.item_dropped)
        connect(extension.on_indexed, signal=listings_indexed)
        connect(extension.on_closed, signal=signals.spider_closed)
        return extension

    def on_opened(self, spider: Spider) -> None:
        source = getattr(spider, "source", None)
        self.source = source if isinstance(source, Source) else None

    def on_item(self, item: Any, **_: Any) -> None:
        if isinstance(item, Listing):
            self.seen.add(item.id)

    def on_indexed(self, report: UpsertReport, **_: Any) -> None:
        """Note what the crawl saw; link the batch's new listings to those they re-post."""
        if self.closing:
            return
        self.new_this_crawl.update(report.new)
        try:
            self._note_seen(report)
            self._note_versions(report.changed)
            if report.new:
                self._link_reposts(report.new)
        except Exception as error:
            self._failed("listing history failed for a batch; the listings are indexed", error)

    def _note_seen(self, report: UpsertReport) -> None:
        if self.source is None:
            return
        fresh = (self.seen | {*report.new, *report.changed, *report.unchanged}) - self.noted
        self._opened_store().add_seen(self.source.name, fresh)
        self.noted |= fresh

    def _note_versions(self, changed: tuple[str, ...]) -> None:
        """Note when the versions just made began: the capture that made each."""
        if not changed:
            return
        index = self._opened_index()
        found = index.get_many(changed).values()
        starts = ((listing.id, listing.version, listing.captured_at) for listing in found)
        self._opened_store().note_versions(starts)

    def _link_reposts(self, new_ids: tuple[str, ...]) -> None:
        if self._reposts is None:
            self._reposts = RepostFinder(self._opened_index())
        links = self._reposts.links(new_ids, self.new_this_crawl, utcnow())
        added = self._opened_store().add_links(links)
        self.stats.inc_value("armswatch/listings_reposted", added)

    def on_closed(self, spider: Spider, reason: str) -> None:
        """After a complete crawl, mark the listings missed often enough `removed`."""
        self.closing = True
        try:
            if self.source is not None:
                self._track(self.source, reason)
        except Exception as error:
            self._failed("tracking removed listings failed", error)
        finally:
            self._close()

    def _track(self, source: Source, reason: str) -> None:
        complete = is_complete(reason, self.stats.get_stats())
        store = self._opened_store()
        if not complete:
            store.add_seen(source.name, self.seen - self.noted)  # the next crawl goes on
        done = self._remove(source, store) if complete else None
        store.record_crawl(
            TrackedCrawl(
                source=source.name,
                ended_at=utcnow(),
                finish_reason=reason,
                complete=complete,
                seen=done.seen if done else len(self.seen),
                missed=done.missed if done else 0,
                removed=done.removed if done else 0,
            )
        )
        if done is not None and done.report.changed:
            self._note_versions(done.report.changed)
            self.signals.send_catch_log(listings_indexed, report=done.report)
        self.stats.set_value("armswatch/listings_removed", done.removed if done else 0)

    def _remove(self, source: Source, store: HistoryStore) -> RemovalPass:
        index = self._opened_index()
        done = apply_removals(index, store, source.name, self.seen, source.removed_after, utcnow())
        logger.info(
            "%s: %d listings missed by this complete crawl, %d marked removed",
            source.name,
            done.missed,
            done.removed,
            extra={
                "event": "listings_removed",
                "source": source.name,
                "missed": done.missed,
                "removed": done.removed,
            },
        )
        return done

    def _opened_index(self) -> IndexBackend:
        if self._index is None:
            self._index = open_index(self.index_url)
        return self._index

    def _opened_store(self) -> HistoryStore:
        if self._store is None:
            self._store = HistoryStore(self.store_path)
        return self._store

    def _close(self) -> None:
        self._reposts = None
        if self._index is not None:
            self._index.close()
            self._index = None
        if self._store is not None:
            self._store.close()
            self._store = None

    def _failed(self, message: str, error: Exception) -> None:
        self.stats.inc_value("armswatch/history_errors")
        logger.error(
            "%s: %s",
            message,
            error,
            exc_info=error,
            extra={"event": "listing_history_failed", "error": str(error)},
        )
