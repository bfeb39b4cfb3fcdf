"""The listing history of a crawl in a worker process, so noting sightings and version starts
and finding re-posts leave the crawl's process (and its GIL).

`HistoryWorker` starts one spawned process that holds the history file (`HistoryStore`), the
index and the crawl's `RepostFinder` (each vendor's candidates read and signed once per crawl).
`note_batch` hands it each batch the index accepted; `finish` tracks the crawl's end (after a
complete crawl: `index.removals`) and closes the file and the index. Calls run in the order
given and return futures; a call that fails says so in its outcome, never raises, and the
worker goes on. The worker dies with the crawl's process (PR_SET_PDEATHSIG) and leaves Ctrl-C
to it; its own log lines do not reach the crawl's log, so the crawl's side logs the outcomes.

The worker reads a batch's listings after the crawl sent it, when the index may hold the
crawl's later batches too: so a vendor's re-post candidates leave out the listings first seen
since the crawl began (`RepostFinder`'s `held_before`), besides the new ids of the batches
noted so far; a listing new in the crawl is never a candidate, however far behind it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from crawlers.child_process import one_worker_pool
from crawlers.listing import utcnow
from index.backend import IndexBackend
from index.history_store import HistoryStore, TrackedCrawl
from index.removals import RemovalPass, apply_removals
from index.reposts import RepostFinder
from index.selection import open_index

Arg = TypeVar("Arg")
Result = TypeVar("Result")


@dataclass(frozen=True)
class HistoryWorkerConfig:
    """`crawl_started`: before the crawl's first capture; listings first seen since are its own."""

    index_url: str | None
    store_path: Path
    crawl_started: datetime


@dataclass(frozen=True)
class IndexedBatch:
    """One batch the index accepted, as the history needs it."""

    source: str | None  # the crawl's source (None: no sightings to note)
    sighted: frozenset[str]  # ids the crawl saw since its last batch: scraped or indexed
    changed: tuple[str, ...]  # their new versions began now
    new: tuple[str, ...]  # first seen now: they may re-post earlier listings


@dataclass(frozen=True)
class BatchNoted:
    reposted: int = 0  # re-post links added
    error: str | None = None  # the batch failed (partly): the listings are indexed all the same


@dataclass(frozen=True)
class CrawlEnd:
    """How the crawl of a source ended, and every listing it scraped."""

    source: str
    removed_after: int  # complete crawls in a row that must miss a listing
    reason: str
    complete: bool
    seen: frozenset[str]


@dataclass(frozen=True)
class CrawlTracked:
    """What the crawl's end did; `close_error`: closing the history file or the index failed
    afterwards, when all was written (SQLite's `PRAGMA optimize` may find the file locked)."""

    removals: RemovalPass | None = None  # None: no complete crawl, nothing counted
    error: str | None = None  # tracking failed
    close_error: str | None = None


class _History:
    """The worker's side: the history file, the index and the crawl's re-post finder."""

    def __init__(self, config: HistoryWorkerConfig) -> None:
        self.config = config
        self.noted: set[str] = set()  # sightings written to the history file
        self.new_this_crawl: set[str] = set()
        self._store: HistoryStore | None = None  # both opened on first use
        self._index: IndexBackend | None = None
        self._reposts: RepostFinder | None = None

    def note_batch(self, batch: IndexedBatch) -> BatchNoted:
        self.new_this_crawl.update(batch.new)
        try:
            if batch.source is not None:
                self._note_seen(batch.source, batch.sighted - self.noted)
            self._note_versions(batch.changed)
            return BatchNoted(reposted=self._link_reposts(batch.new))
        except Exception as error:
            return BatchNoted(error=_described(error))

    def finish(self, end: CrawlEnd | None) -> CrawlTracked:
        try:
            tracked = CrawlTracked(self._track(end)) if end is not None else CrawlTracked()
        except Exception as error:
            tracked = CrawlTracked(error=_described(error))
        try:
            self._close()
        except Exception as error:  # what was tracked stands: report both
            return replace(tracked, close_error=_described(error))
        return tracked

    def _note_seen(self, source: str, fresh: set[str] | frozenset[str]) -> None:
        self.store().add_seen(source, fresh)
        self.noted |= fresh

    def _note_versions(self, changed: tuple[str, ...]) -> None:
        """Note when the versions just made began: the capture that made each."""
        if changed:
            found = self.index().get_many(changed).values()
            self.store().note_versions((lst.id, lst.version, lst.captured_at) for lst in found)

    def _link_reposts(self, new_ids: tuple[str, ...]) -> int:
        if not new_ids:
            return 0
        if self._reposts is None:
            self._reposts = RepostFinder(self.index(), held_before=self.config.crawl_started)
        return self.store().add_links(self._reposts.links(new_ids, self.new_this_crawl, utcnow()))

    def _track(self, end: CrawlEnd) -> RemovalPass | None:
        """Count a complete crawl's misses and mark those due `removed`; note any crawl."""
        store = self.store()
        if not end.complete:
            self._note_seen(end.source, end.seen - self.noted)  # the next crawl goes on
        done = (
            apply_removals(self.index(), store, end.source, end.seen, end.removed_after, utcnow())
            if end.complete
            else None
        )
        store.record_crawl(
            TrackedCrawl(
                source=end.source,
                ended_at=utcnow(),
                finish_reason=end.reason,
                complete=end.complete,
                seen=done.seen if done else len(end.seen),
                missed=done.missed if done else 0,
                removed=done.removed if done else 0,
            )
        )
        if done is not None:
            self._note_versions(done.report.changed)
        return done

    def store(self) -> HistoryStore:
        if self._store is None:
            self._store = HistoryStore(self.config.store_path)
        return self._store

    def index(self) -> IndexBackend:
        if self._index is None:
            self._index = open_index(self.config.index_url)
        return self._index

    def _close(self) -> None:
        self._reposts = None
        index, store, self._index, self._store = self._index, self._store, None, None
        try:
            if index is not None:
                index.close()
        finally:
            if store is not None:
                store.close()


def _described(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


_history: _History | None = None  # in the worker: its one _History


def _open_history(config: HistoryWorkerConfig) -> None:
    global _history
    _history = _History(config)


def _note_batch(batch: IndexedBatch) -> BatchNoted:
    assert _history is not None, "the worker's initializer did not run"
    return _history.note_batch(batch)


def _finish(end: CrawlEnd | None) -> CrawlTracked:
    assert _history is not None, "the worker's initializer did not run"
    return _history.finish(end)


class HistoryWorker:
    """The crawl's side: batches in, outcomes out (as futures, in submission order)."""

    def __init__(self, config: HistoryWorkerConfig) -> None:
        self._pool = one_worker_pool(_open_history, config)

    def note_batch(self, batch: IndexedBatch) -> Future[BatchNoted]:
        return self._submit(_note_batch, batch)

    def finish(self, end: CrawlEnd | None) -> Future[CrawlTracked]:
        """Track the crawl's end (None: a crawl without a source) and close the history file
        and the index, after every batch submitted before."""
        return self._submit(_finish, end)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _submit(self, call: Callable[[Arg], Result], arg: Arg) -> Future[Result]:
        """The call's future; a failed one when the worker takes no more (it died)."""
        try:
            return self._pool.submit(call, arg)
        except Exception as error:  # BrokenProcessPool, or shut down
            failed: Future[Result] = Future()
            failed.set_exception(error)
            return failed
