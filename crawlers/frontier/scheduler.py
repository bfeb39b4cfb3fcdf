"""A Scrapy scheduler whose pending requests and seen set survive a killed process.

Requests the spider made (start requests and callback output) are stored in the source's
`FrontierStore` with their fingerprint, in one transaction, before the engine ever sees them.
Other requests (a retry, a redirect, a log-in: made by downloader middlewares from a request
that is still in flight) are kept in memory only, and filtered by a seen set in memory: their
origin is not done until the crawl ends, so a resumed crawl fetches it again and they come
back. Highest priority first; within a priority the newest first (depth-first, as Scrapy's
default); memory before disk on a tie. `dont_filter` requests skip the seen set, as in Scrapy.

What is durable when:

- a request is stored when scheduled; handed to the engine, it is in flight;
- it is done (numbered in finishing order) once its output is all handed on
  (`crawlers.frontier.accounting`): children stored, items past the last item pipeline;
- it is durable, and forgotten, once a checkpoint covers its number. `durable_checkpoint`
  covers everything done before it. The index pipeline's `listings_indexed` is sent once a
  batch's listings are written and before its vendor profiles are, in the same synchronous
  flush: it covers what was done before it, applied at the next call into the scheduler (by
  then the flush has returned; a kill before that only leaves the checkpoint unrecorded).

The index pipeline buffers items on `item_scraped` too (after this scheduler hears it, but for
the one item that fills a batch: Scrapy calls receivers in the order they connected, and the
pipeline connected first), so a batch's checkpoint covers the requests of its items, but for
that one, which the next checkpoint covers.

A crawl is open from its start until it closes complete (`finished`, or spent its page or
listing budget: a run that did its job). A crawl that starts and finds an open crawl of the
same source definition, not older than `ARMSWATCH_FRONTIER_MAX_AGE`, resumes it: every request
not known durable is pending again, the seen set is kept, and start requests are filtered by
it. A crawl killed, stopped by SIGTERM (`shutdown`), by its time budget (`closespider_timeout`,
the next run carries on where it stopped, so a site larger than one run's time is still crawled
to its end), or for an error (unreachable, log-in failed) stays open. A complete crawl clears
the frontier: the next scheduled run starts fresh. How the crawl stopped is recorded with it
(for an unreachable site, why: the proxy being down is not the site's fault), and which process
runs it: `crawlers.frontier.state` reads that.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import sqlite3
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any, Self
from weakref import WeakKeyDictionary

from scrapy import Request, Spider, signals
from scrapy.core.scheduler import BaseScheduler
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.utils.misc import load_object

from crawlers.frontier import codec, durable_checkpoint
from crawlers.frontier.accounting import UNKNOWN, Accounting
from crawlers.frontier.settings import (
    CHECKPOINT_SIGNALS,
    DEFAULT_MAX_AGE,
    FRONTIER_DB,
    MAX_AGE,
    SOURCE_KEY,
    frontier_path,
)
from crawlers.frontier.store import FrontierBusyError, FrontierStore, Row, Start
from crawlers.network.health import REASON_STAT, UNREACHABLE_REASON

logger = logging.getLogger(__name__)

# a run that did its job (the values of armswatch.runs.COMPLETE_REASONS: crawlers import no app)
COMPLETE_REASONS = frozenset({"finished", "closespider_pagecount", "closespider_itemcount"})
BUSY_REASON = "frontier_busy"


def _set_aside(path: Path) -> Path:
    """Rename the database (and its WAL files) to `<name>.unreadable-<time>`."""
    aside = path.with_name(f"{path.name}.unreadable-{int(time.time())}")
    for suffix in ("", "-wal", "-shm"):
        part = path.with_name(path.name + suffix)
        if part.exists():
            part.rename(aside.with_name(aside.name + suffix))
    return aside


def _refuse_busy(**_: Any) -> None:
    raise CloseSpider(BUSY_REASON)


class MemoryQueue:
    """Requests that are not stored: highest priority first, then the newest."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, Request]] = []
        self._order = itertools.count()

    def push(self, request: Request) -> None:
        heapq.heappush(self._heap, (-request.priority, -next(self._order), request))

    def pop(self) -> Request:
        return heapq.heappop(self._heap)[2]

    @property
    def top_priority(self) -> int:
        return -self._heap[0][0]

    def __len__(self) -> int:
        return len(self._heap)


class FrontierScheduler(BaseScheduler):
    """See the module docstring."""

    def __init__(self, crawler: Crawler, path: Path, source_key: str, max_age: float) -> None:
        self.crawler = crawler
        self.path = path
        self.source_key = source_key
        self.max_age = max_age
        self.accounting = Accounting(self._done)
        self.store: FrontierStore | None = None
        self.memory = MemoryQueue()
        self.memory_seen: set[bytes] = set()
        self.handed: WeakKeyDictionary[Request, int] = WeakKeyDictionary()
        self.seq = 0
        self.pending_checkpoint: int | None = None  # see _on_batch_indexed
        self.counted: Counter[str] = Counter()  # stats not yet added to the crawl's (_inc)
        self.spider: Spider | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        spider_name = crawler.spider.name if crawler.spider else "crawl"
        default_path = frontier_path(spider_name, Path(settings.get("ARMSWATCH_DATA_DIR", "data")))
        return cls(
            crawler,
            path=Path(settings.get(FRONTIER_DB) or default_path),
            source_key=settings.get(SOURCE_KEY) or spider_name,
            max_age=settings.getfloat(MAX_AGE, DEFAULT_MAX_AGE),
        )

    # -- the crawl's life ----------------------------------------------------------------

    def open(self, spider: Spider) -> None:
        self.spider = spider
        try:
            start = self._open_store()
        except FrontierBusyError as error:
            logger.error(
                "%s; not crawling %s twice at once",
                error,
                spider.name,
                extra={"event": BUSY_REASON, "source": spider.name, "frontier": str(self.path)},
            )
            # closed once everything has opened, so that everything closes cleanly
            self.crawler.signals.connect(_refuse_busy, signal=signals.spider_opened)
            return
        self._report_start(spider.name, start)
        self._connect_signals()

    def _open_store(self) -> Start:
        """Open the frontier and begin the crawl; a file SQLite cannot read is set aside."""
        now = time.time()
        try:
            self.store = FrontierStore(self.path)
            return self.store.begin(self.source_key, now, self.max_age)
        except sqlite3.DatabaseError as error:
            if self.store is not None:
                self.store.close()
            aside = _set_aside(self.path)
            logger.error(
                "the frontier %s cannot be read (%s); set aside as %s, starting fresh",
                self.path,
                error,
                aside,
                extra={"event": "frontier_unreadable", "frontier": str(self.path)},
            )
        self.store = FrontierStore(self.path)
        return self.store.begin(self.source_key, now, self.max_age)

    def close(self, reason: str) -> None:
        if self.store is None:
            return
        self._settle_checkpoint()
        self._add_counted_stats()
        complete = reason in COMPLETE_REASONS
        left = self.store.counts()
        self.store.finish(reason, complete=complete, detail=self._finish_detail(reason))
        self.store.close()
        self.store = None
        name = self.spider.name if self.spider else "?"
        if complete:
            logger.info("%s: crawl complete (%s), frontier cleared", name, reason)
            return
        logger.info(
            "%s: crawl stopped (%s); the next run resumes it: %d requests pending, %d in flight,"
            " %d done but not yet durable",
            name,
            reason,
            left["pending"],
            left["in_flight"],
            left["done"],
            extra={"event": "frontier_kept", "source": name, "reason": reason, **left},
        )

    def _finish_detail(self, reason: str) -> str | None:
        """Why the site was unreachable (the proxy being down is not the site's fault)."""
        if reason != UNREACHABLE_REASON or self.crawler.stats is None:
            return None
        detail = self.crawler.stats.get_value(REASON_STAT)
        return str(detail) if detail else None

    # -- the scheduler interface ---------------------------------------------------------

    def has_pending_requests(self) -> bool:
        return len(self) > 0

    def __len__(self) -> int:
        return len(self.memory) + (self.store.pending if self.store is not None else 0)

    def enqueue_request(self, request: Request) -> bool:
        if self.store is None:
            return False
        self._settle_checkpoint()
        origin = self.accounting.claim(request)
        fingerprint = None if request.dont_filter else self._fingerprint(request)
        if fingerprint is not None and fingerprint in self.memory_seen:
            self.accounting.stored(origin, durably=False)
            return self._filtered()
        if fingerprint is not None and self.store.seen(fingerprint):
            self.accounting.stored(origin, durably=True)
            return self._filtered()
        assert self.spider is not None
        data = None if origin is UNKNOWN else codec.encode(request, self.spider)
        if data is not None:
            self.store.push(data, request.priority, fingerprint)
            self._inc("scheduler/enqueued/disk")
        else:
            self.memory.push(request)
            if fingerprint is not None:
                self.memory_seen.add(fingerprint)
            self._inc("scheduler/enqueued/memory")
            self._inc("frontier/unstored" if origin is not UNKNOWN else "frontier/in_memory")
        self.accounting.stored(origin, durably=data is not None)
        self._inc("scheduler/enqueued")
        return True

    def next_request(self) -> Request | None:
        if self.store is None:
            return None
        self._settle_checkpoint()
        self.store.commit_if_due()
        row = self.store.peek()
        while row is not None or self.memory:
            if self.memory and (row is None or self.memory.top_priority >= row.priority):
                return self._dequeued(self.memory.pop(), "memory")
            assert row is not None
            self.store.take(row.id)
            request = self._decode(row)
            if request is not None:
                self.handed[request] = row.id
                return self._dequeued(request, "disk")
            row = self.store.peek()
        return None

    # -- done and durable ----------------------------------------------------------------

    def _done(self, request: Request) -> None:
        self._settle_checkpoint()
        row_id = self.handed.pop(request, None)
        if row_id is None or self.store is None:
            return
        self.seq += 1
        self.store.done(row_id, self.seq)
        self._inc("frontier/done")

    def _checkpoint(self, seq: int) -> None:
        if self.store is None:
            return
        self.store.checkpoint(seq)
        self._inc("frontier/checkpoints")
        self._add_counted_stats()
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("frontier/durable_seq", seq)

    def _on_durable(self, **_: Any) -> None:
        self._checkpoint(self.seq)

    def _on_batch_indexed(self, **_: Any) -> None:
        """The index wrote a batch's listings; its vendor profiles follow in the same call."""
        self.pending_checkpoint = self.seq

    def _settle_checkpoint(self) -> None:
        """Apply the checkpoint of the last batch once the index pipeline has returned."""
        if self.pending_checkpoint is not None:
            seq, self.pending_checkpoint = self.pending_checkpoint, None
            self._checkpoint(seq)

    def _on_item_done(self, response: Any = None, **_: Any) -> None:
        self.accounting.item_done(response)

    def _on_item_error(self, response: Any = None, **_: Any) -> None:
        self.accounting.item_done(response, failed=True)

    def _connect_signals(self) -> None:
        connect = self.crawler.signals.connect
        connect(self._on_item_done, signal=signals.item_scraped)
        connect(self._on_item_done, signal=signals.item_dropped)
        connect(self._on_item_error, signal=signals.item_error)
        connect(self._on_durable, signal=durable_checkpoint)
        for path in self.crawler.settings.getlist(CHECKPOINT_SIGNALS):
            try:
                signal = load_object(path)
            except (ImportError, NameError, ValueError) as error:
                logger.warning("no checkpoint signal %s: %s", path, error)
                continue
            connect(self._on_batch_indexed, signal=signal)

    # -- helpers -------------------------------------------------------------------------

    def _fingerprint(self, request: Request) -> bytes:
        return self.crawler.request_fingerprinter.fingerprint(request)

    def _decode(self, row: Row) -> Request | None:
        assert self.spider is not None and self.store is not None
        try:
            return codec.decode(row.data, self.spider)
        except Exception as error:  # a row this code cannot read (a renamed callback...)
            self.store.drop(row.id)
            self._inc("frontier/unreadable")
            logger.warning("dropped a frontier request that cannot be read: %s", error)
            return None

    def _dequeued(self, request: Request, where: str) -> Request:
        self._inc(f"scheduler/dequeued/{where}")
        self._inc("scheduler/dequeued")
        return request

    def _filtered(self) -> bool:
        self._inc("dupefilter/filtered")
        return False

    def _inc(self, key: str) -> None:
        """Count in `counted`, added to the crawl's stats at each checkpoint and at the end:
        several counts per request cost the reactor more through Scrapy's stats collector."""
        self.counted[key] += 1

    def _add_counted_stats(self) -> None:
        if self.crawler.stats is not None:
            for key, count in self.counted.items():
                self.crawler.stats.inc_value(key, count)
        self.counted.clear()

    def _report_start(self, name: str, start: Start) -> None:
        figures = asdict(start)
        if self.crawler.stats is not None:
            for key in ("resumed", "requeued", "pending", "seen", "runs"):
                self.crawler.stats.set_value(f"frontier/start/{key}", int(figures[key]))
        if not start.resumed:
            logger.info("%s: a fresh crawl (%s)", name, start.why)
            return
        logger.info(
            "%s: resuming the open crawl (run %d): %d requests pending (%d fetched again), %d seen",
            name,
            figures["runs"],
            figures["pending"],
            figures["requeued"],
            figures["seen"],
            extra={"event": "frontier_resumed", "source": name, **figures},
        )
