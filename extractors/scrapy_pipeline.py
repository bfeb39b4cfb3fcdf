"""A Scrapy item pipeline that annotates listings in batches, off the reactor thread.

Listings wait in a batch until it holds `ARMSWATCH_EXTRACT_BATCH` listings (the setting, else
the environment variable, else 64) or `ARMSWATCH_EXTRACT_WAIT` seconds (default 0.5) pass; a
worker thread then hands the batch to the annotation worker process
(`extractors.annotation_worker`, so spaCy's work leaves the crawl's process;
`ARMSWATCH_EXTRACT_WORKER` false annotates in the thread itself) while the crawl goes on, and
each listing continues down the pipelines when its batch is done. A batch that fails is logged
and its listings pass on unannotated (counted in `armswatch/extraction_failed`): extraction
never stops a crawl or loses a listing.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any, Protocol

from scrapy.crawler import Crawler
from twisted.internet import threads
from twisted.internet.defer import Deferred, DeferredList

from crawlers.listing import Listing
from extractors.annotation_worker import shared_worker
from extractors.annotator import Annotator

logger = logging.getLogger(__name__)
Batch = list[tuple[Listing, "Deferred[Listing]"]]


class ListingAnnotator(Protocol):
    def annotate_listings(self, listings: Sequence[Listing]) -> list[Listing]: ...


class ExtractionPipeline:
    def __init__(
        self, crawler: Crawler, batch_size: int, wait: float, in_worker: bool = True
    ) -> None:
        self.crawler = crawler
        self.batch_size = batch_size
        self.wait = wait
        self.in_worker = in_worker
        self.annotator: ListingAnnotator | None = None
        self.pending: list[tuple[Listing, Deferred[Listing]]] = []
        self.timer: Any = None  # the IDelayedCall of the pending flush
        self.running: list[Deferred[None]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionPipeline:
        settings = crawler.settings
        return cls(
            crawler,
            batch_size=settings.getint("ARMSWATCH_EXTRACT_BATCH", _default_batch()),
            wait=settings.getfloat("ARMSWATCH_EXTRACT_WAIT", 0.5),
            in_worker=settings.getbool("ARMSWATCH_EXTRACT_WORKER", True),
        )

    def open_spider(self) -> None:
        self.annotator = shared_worker() if self.in_worker else Annotator.load()

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Listing):
            return item
        done: Deferred[Listing] = Deferred()
        self.pending.append((item, done))
        if len(self.pending) >= self.batch_size:
            self._flush()
        elif self.timer is None:
            self.timer = _reactor().callLater(self.wait, self._flush)
        return done

    def close_spider(self) -> Deferred[Any]:
        self._flush()
        return DeferredList(list(self.running))

    def _flush(self) -> None:
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None
        batch, self.pending = self.pending, []
        if not batch:
            return
        listings = [listing for listing, _ in batch]
        work: Deferred[list[Listing]] = threads.deferToThread(self._annotate, listings)
        finished: Deferred[None] = work.addCallbacks(
            lambda annotated: self._deliver(batch, annotated),
            lambda failure: self._deliver_unannotated(batch, failure),
        )
        self.running.append(finished)
        finished.addBoth(lambda _: self.running.remove(finished))

    def _annotate(self, listings: list[Listing]) -> list[Listing]:
        assert self.annotator is not None
        return self.annotator.annotate_listings(listings)

    def _deliver(self, batch: Batch, annotated: list[Listing]) -> None:
        self._count("armswatch/listings_annotated", len(annotated))
        for (_, done), listing in zip(batch, annotated, strict=True):
            done.callback(listing)

    def _deliver_unannotated(self, batch: Batch, failure: Any) -> None:
        logger.error(
            "extraction failed for a batch; its listings are kept unannotated",
            extra={"listings": [listing.url for listing, _ in batch], "error": str(failure.value)},
        )
        self._count("armswatch/extraction_failed", len(batch))
        for listing, done in batch:
            done.callback(listing)

    def _count(self, key: str, amount: int) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, amount)


def _default_batch() -> int:
    """`ARMSWATCH_EXTRACT_BATCH` from the environment (as the index pipeline's batch), else 64."""
    return max(int(os.environ.get("ARMSWATCH_EXTRACT_BATCH") or 64), 1)


def _reactor() -> Any:
    from twisted.internet import reactor

    return reactor
