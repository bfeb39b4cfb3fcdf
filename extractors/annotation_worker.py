"""Annotation in a worker process, so spaCy's CPU time leaves the crawl's process.

A crawl's reactor, its field extraction, the index and the alert rules share one Python
process and its GIL; annotation is the largest share of that work and needs nothing of the
crawl but the listings' text. `AnnotationWorker.annotate_listings` sends each batch's text
(`listing_records`) to one spawned process that holds the spaCy pipelines, and puts the
(language, annotations) it returns on the listings. The worker is started once per process
and reused by every crawl in it (its pipelines are built once), dies with its parent
(PR_SET_PDEATHSIG) and is replaced if it dies: the batch it held is sent again, once.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from crawlers.child_process import one_worker_pool
from crawlers.listing import Annotations, Listing
from extractors.annotator import Annotator, listing_records, with_annotations

logger = logging.getLogger(__name__)
Annotated = list[tuple[str, Annotations]]

_annotator: Annotator | None = None  # in the worker: its one Annotator


def _load_annotator() -> None:
    global _annotator
    _annotator = Annotator.load()


def _annotate_in_worker(records: Sequence[Mapping[str, Any]]) -> Annotated:
    assert _annotator is not None, "the worker's initializer did not run"
    return _annotator.annotate_with_languages(records)


class AnnotationWorker:
    """`Annotator.annotate_listings`, computed in a worker process."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def annotate_listings(self, listings: Sequence[Listing]) -> list[Listing]:
        records = listing_records(listings)
        try:
            annotated = self._pool_now().submit(_annotate_in_worker, records).result()
        except BrokenProcessPool:
            logger.warning("the annotation worker died; starting another for the batch")
            self._replace()
            annotated = self._pool_now().submit(_annotate_in_worker, records).result()
        return with_annotations(listings, annotated)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _pool_now(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = one_worker_pool(_load_annotator)
            return self._pool

    def _replace(self) -> None:
        with self._lock:
            broken, self._pool = self._pool, None
        if broken is not None:
            broken.shutdown(wait=False, cancel_futures=True)


_shared: AnnotationWorker | None = None
_shared_lock = threading.Lock()


def shared_worker() -> AnnotationWorker:
    """This process's worker (started on first use, stopped at exit)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = AnnotationWorker()
            atexit.register(_shared.close)
        return _shared
