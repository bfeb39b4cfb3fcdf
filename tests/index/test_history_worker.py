"""The history worker process: sightings, version starts and re-post links noted batch by
batch, in order; a failing batch reported, not raised; removals tracked when the crawl ends."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from crawlers.listing import utcnow
from index.backend import IndexBackend, UpsertReport
from index.history_store import HistoryStore
from index.history_worker import (
    CrawlEnd,
    CrawlTracked,
    HistoryWorker,
    HistoryWorkerConfig,
    IndexedBatch,
)
from index.selection import open_index
from tests.index.test_removals import CAPTURED, SOURCE, listing
from tests.index.test_reposts import offer


@pytest.fixture
def index_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/armswatch.db"


@pytest.fixture
def index(index_url: str) -> Iterator[IndexBackend]:
    opened = open_index(index_url)
    yield opened
    opened.close()


def _worker(tmp_path: Path, index_url: str) -> HistoryWorker:
    config = HistoryWorkerConfig(index_url, tmp_path / "history.db", crawl_started=utcnow())
    return HistoryWorker(config)


def _batch(
    sighted: Iterable[str] = (), changed: tuple[str, ...] = (), new: tuple[str, ...] = ()
) -> IndexedBatch:
    return IndexedBatch(SOURCE, frozenset(sighted), changed, new)


def _end(seen: set[str], reason: str = "finished") -> CrawlEnd:
    return CrawlEnd(SOURCE, 2, reason, reason == "finished", frozenset(seen))


def test_the_worker_notes_sightings_and_when_versions_began(
    tmp_path: Path, index_url: str, index: IndexBackend
) -> None:
    later = CAPTURED + timedelta(hours=3)
    index.upsert([listing("a"), listing("b")])
    report = index.upsert([listing("a").model_copy(update={"title": "new", "captured_at": later})])
    assert report == UpsertReport(changed=("a",))
    worker = _worker(tmp_path, index_url)
    try:
        noted = worker.note_batch(_batch({"a"}, changed=report.changed)).result()
        assert worker.finish(None).result().error is None
    finally:
        worker.close()
    assert (noted.reposted, noted.error) == (0, None)
    with HistoryStore(tmp_path / "history.db") as store:
        assert store.version_starts("a") == {2: later}
        assert store.count_misses(SOURCE, ["a", "b"], set()) == {"b": 1}  # "a" was seen


def test_the_worker_links_a_repost_and_never_to_a_listing_new_in_the_crawl(
    tmp_path: Path, index_url: str, index: IndexBackend
) -> None:
    index.upsert([offer("old", source=SOURCE)])  # an earlier crawl's
    worker = _worker(tmp_path, index_url)
    now = utcnow() + timedelta(seconds=1)
    this_crawl = {"first_seen": now, "last_seen": now, "captured_at": now, "source": SOURCE}
    index.upsert([offer("new", **this_crawl)])  # the first batch
    index.upsert([offer("twin", **this_crawl)])  # the second, indexed before the worker reads
    try:
        first = worker.note_batch(_batch(new=("new",))).result()
        second = worker.note_batch(_batch(new=("twin",))).result()
        worker.finish(None).result()
    finally:
        worker.close()
    assert (first.reposted, second.reposted) == (1, 1)
    with HistoryStore(tmp_path / "history.db") as store:
        links = {(link.new_id, link.old_id) for link in store.links()}
    assert links == {("new", "old"), ("twin", "old")}


def test_a_failing_batch_is_reported_and_the_worker_goes_on(
    tmp_path: Path, index_url: str, index: IndexBackend
) -> None:
    index.upsert([listing("a")])
    worker = _worker(tmp_path, index_url)
    try:
        failed = worker.note_batch(_batch(changed=42)).result()  # type: ignore[arg-type]
        after = worker.note_batch(_batch({"a"})).result()
        tracked = worker.finish(_end({"a"})).result()
    finally:
        worker.close()
    assert failed.error is not None and "TypeError" in failed.error
    assert after.error is None
    assert tracked.error is None and tracked.removals is not None


def test_the_end_of_a_complete_crawl_marks_the_listings_missed_twice_removed(
    tmp_path: Path, index_url: str, index: IndexBackend
) -> None:
    index.upsert([listing("a"), listing("b")])
    outcomes: list[CrawlTracked] = []
    for _ in range(2):  # two complete crawls that see "a" only
        worker = _worker(tmp_path, index_url)
        try:
            worker.note_batch(_batch({"a"}))
            outcomes.append(worker.finish(_end({"a"})).result())
        finally:
            worker.close()
    removals = [outcome.removals for outcome in outcomes]
    assert [(r.seen, r.missed, r.removed) for r in removals if r] == [(1, 1, 0), (1, 1, 1)]
    assert removals[1] is not None and removals[1].report == UpsertReport(changed=("b",))
    gone = index.get("b")
    assert gone is not None and gone.status == "removed"
    with HistoryStore(tmp_path / "history.db") as store:
        assert [c.removed for c in store.crawls(SOURCE)] == [0, 1]
        assert store.version_starts("b") == {2: gone.captured_at}


def test_the_end_of_an_incomplete_crawl_writes_what_it_saw(
    tmp_path: Path, index_url: str, index: IndexBackend
) -> None:
    index.upsert([listing("a"), listing("b")])
    worker = _worker(tmp_path, index_url)
    try:
        tracked = worker.finish(_end({"b"}, reason="closespider_timeout")).result()
    finally:
        worker.close()
    assert tracked == CrawlTracked()  # nothing counted, nothing failed
    with HistoryStore(tmp_path / "history.db") as store:
        assert [(c.complete, c.seen) for c in store.crawls(SOURCE)] == [(False, 1)]
        assert store.count_misses(SOURCE, ["a", "b"], set()) == {"a": 1}  # "b" was seen
