"""Removal tracking: misses counted over complete crawls, then `removed`, on every backend.

The counting lives in the history file (`HistoryStore`), the decision in `index.removals`,
and the Scrapy extension ties them to a crawl: tested here with a real crawler object, real
signals and a real history worker process, without fetching pages or running a reactor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import Future, wait
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler
from twisted.internet import threads
from twisted.internet.defer import Deferred, maybeDeferred

from crawlers.listing import Listing
from crawlers.source import Source
from index.backend import IndexBackend, UpsertReport
from index.history_extension import ListingHistoryExtension
from index.history_store import HistoryStore
from index.history_worker import CrawlTracked
from index.pipeline import listings_indexed
from index.removals import (
    PAGINATION_CUT,
    RemovalPass,
    apply_removals,
    due_for_removal,
    is_complete,
    removal_capture,
)
from index.selection import open_index
from tests.index.conftest import build_listing
from tests.index.contract.conftest import BACKENDS, opened_backend

CAPTURED = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
SOURCE = "demo-forum"


def listing(listing_id: str, source: str = SOURCE) -> Listing:
    return build_listing(listing_id, source=source, title=f"Glock {listing_id}")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    with HistoryStore(tmp_path / "history.db") as opened:
        yield opened


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IndexBackend]:
    with opened_backend(request.param, tmp_path) as opened:
        yield opened


# --- what counts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "stats", "complete"),
    [
        ("finished", {}, True),
        ("finished", {PAGINATION_CUT: 1}, False),
        ("closespider_pagecount", {}, False),
        ("closespider_itemcount", {}, False),
        ("closespider_timeout", {}, False),
        ("source_unreachable", {}, False),
        ("shutdown", {}, False),
        ("cancelled", {}, False),
    ],
)
def test_only_a_crawl_that_finished_the_whole_site_is_complete(
    reason: str, stats: dict[str, Any], complete: bool
) -> None:
    assert is_complete(reason, stats) is complete


def test_misses_count_up_and_a_sighting_resets_them(store: HistoryStore) -> None:
    stored = ["a", "b", "c"]
    assert store.count_misses(SOURCE, stored, {"a", "b"}) == {"c": 1}
    assert store.count_misses(SOURCE, stored, {"a"}) == {"b": 1, "c": 2}
    assert store.count_misses(SOURCE, stored, {"a", "b", "c"}) == {}
    assert store.misses(SOURCE) == {}
    assert store.count_misses("other-source", ["x"], set()) == {"x": 1}
    assert store.misses(SOURCE) == {} and store.misses("other-source") == {"x": 1}


def test_listings_no_longer_stored_lose_their_counts(store: HistoryStore) -> None:
    store.count_misses(SOURCE, ["a", "b"], set())
    assert store.count_misses(SOURCE, ["a"], set()) == {"a": 2}


def test_noted_sightings_count_once_and_are_consumed(store: HistoryStore) -> None:
    store.add_seen(SOURCE, ["a"])  # a crawl killed after its first batch
    assert store.count_misses(SOURCE, ["a", "b"], {"b"}) == {}  # resumed: saw b
    assert store.count_misses(SOURCE, ["a", "b"], {"b"}) == {"a": 1}


def test_counts_survive_reopening_the_file(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "history.db") as first:
        first.count_misses(SOURCE, ["a"], set())
    with HistoryStore(tmp_path / "history.db") as again:
        assert again.count_misses(SOURCE, ["a"], set()) == {"a": 2}


def test_due_listings_reached_the_count_and_are_not_removed_yet() -> None:
    statuses = {"a": "active", "b": "changed", "c": "removed", "d": "active"}
    misses = {"a": 2, "b": 3, "c": 5, "d": 1}
    assert due_for_removal(statuses, misses, removed_after=2) == ["a", "b"]
    assert due_for_removal(statuses, misses, removed_after=1) == ["a", "b", "d"]
    assert due_for_removal(statuses, {"gone-from-index": 9}, removed_after=1) == []


def test_a_removal_capture_comes_after_the_last_capture() -> None:
    stored = listing("a").model_copy(update={"captured_at": CAPTURED + timedelta(hours=1)})
    capture = removal_capture(stored, CAPTURED)  # a clock behind the stored capture
    assert capture.status == "removed"
    assert capture.captured_at > stored.captured_at
    assert capture.last_seen == stored.last_seen


# --- on every backend ---------------------------------------------------------------------------


def _crawl(backend: IndexBackend, store: HistoryStore, seen: set[str], hours: int) -> set[str]:
    when = CAPTURED + timedelta(hours=hours)
    done = apply_removals(backend, store, SOURCE, seen, removed_after=2, when=when)
    assert done.seen + done.missed == backend.count(f'source:"{SOURCE}"')
    return set(done.report.changed)


def test_a_listing_missed_twice_in_a_row_is_removed_then_comes_back(
    backend: IndexBackend, store: HistoryStore
) -> None:
    backend.upsert([listing("a"), listing("b"), listing("c"), listing("x", source="elsewhere")])
    assert _crawl(backend, store, {"a", "b"}, 1) == set()  # c missed once
    assert _crawl(backend, store, {"a", "c"}, 2) == set()  # c seen again, b missed once
    assert _crawl(backend, store, {"a"}, 3) == {"b"}  # b missed twice in a row
    assert _crawl(backend, store, {"a"}, 4) == {"c"}  # c too; b is removed already
    backend.refresh()
    assert sorted(h.listing.id for h in backend.search("status:removed").hits) == ["b", "c"]
    assert [(v.version, v.status) for v in backend.history("b")] == [(1, "active"), (2, "removed")]
    removed = backend.get("b")
    assert removed is not None
    assert removed.captured_at == CAPTURED + timedelta(hours=3)
    assert removed.last_seen == CAPTURED
    assert backend.get("x") == listing("x", source="elsewhere")  # another source's listing

    back = listing("b").model_copy(
        update={
            "captured_at": CAPTURED + timedelta(hours=5),
            "last_seen": CAPTURED + timedelta(hours=5),
        }
    )
    assert backend.upsert([back]) == UpsertReport(changed=("b",))
    assert _crawl(backend, store, {"a", "b"}, 5) == set()
    backend.refresh()
    assert [v.status for v in backend.history("b")] == ["active", "removed", "active"]


# --- the Scrapy extension -----------------------------------------------------------------------


def _source() -> Source:
    return Source.model_validate(
        {
            "name": SOURCE,
            "market": "Iron Board",
            "kind": "forum",
            "start_urls": ["http://127.0.0.1:1/"],
            "index": {"listing_links": "a.thread"},
            "detail": {"title": "h1"},
        }
    )


class _SourceSpider(Spider):
    name = SOURCE

    def __init__(self, source: Source) -> None:
        super().__init__()
        self.source = source


def _run_now(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Deferred[Any]:
    """deferToThread without a reactor: the work runs at once, its Deferred has fired."""
    return maybeDeferred(function, *args, **kwargs)


class _InStep(ListingHistoryExtension):
    """The extension with its worker in step with the test (no reactor runs here): each batch
    is done before `on_indexed` returns, and `on_closed` waits for the worker in the call."""

    def on_indexed(self, report: UpsertReport, **kwargs: Any) -> None:
        super().on_indexed(report, **kwargs)
        wait(self.pending)

    def on_closed(self, spider: Spider, reason: str) -> Deferred[None]:
        with mock.patch.object(threads, "deferToThread", _run_now):
            closed = super().on_closed(spider, reason)
        assert closed.called, "the closing work did not finish"
        return closed


def _extension(data_dir: Path, index_url: str) -> tuple[ListingHistoryExtension, Crawler]:
    settings = {"ARMSWATCH_DATA_DIR": str(data_dir), "ARMSWATCH_INDEX_URL": index_url}
    crawler = get_crawler(_SourceSpider, settings_dict=settings)
    extension = _InStep.from_crawler(crawler)
    extension.on_opened(_SourceSpider(_source()))
    return extension, crawler


def _run(
    data_dir: Path, index_url: str, seen: list[str], reason: str = "finished"
) -> tuple[dict[str, Any], list[UpsertReport]]:
    """One crawl that sees `seen` (all in one batch); its stats and the reports it sent."""
    extension, crawler = _extension(data_dir, index_url)
    sent: list[UpsertReport] = []
    crawler.signals.connect(lambda report, **_: sent.append(report), listings_indexed, weak=False)
    for listing_id in seen:
        extension.on_item(listing(listing_id))
    extension.on_indexed(UpsertReport(unchanged=tuple(seen)))
    extension.on_closed(_SourceSpider(_source()), reason)
    assert crawler.stats is not None
    return crawler.stats.get_stats(), sent


@pytest.fixture
def index_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path}/armswatch.db"
    index = open_index(url)
    index.upsert([listing("a"), listing("b")])
    index.close()
    yield url


def test_the_extension_removes_after_two_complete_crawls_and_reports_it(
    tmp_path: Path, index_url: str
) -> None:
    stats, sent = _run(tmp_path, index_url, ["a"])
    assert stats["armswatch/listings_removed"] == 0 and sent == []
    stats, sent = _run(tmp_path, index_url, ["a"])
    assert stats["armswatch/listings_removed"] == 1
    assert sent == [UpsertReport(changed=("b",))]  # the alert rules hear of it
    index = open_index(index_url)
    try:
        gone = index.get("b")
        assert gone is not None and gone.status == "removed"
    finally:
        index.close()
    with HistoryStore(tmp_path / "history.db") as store:
        crawls = store.crawls(SOURCE)
        starts = store.version_starts("b")
    assert [(c.complete, c.seen, c.missed, c.removed) for c in crawls] == [
        (True, 1, 1, 0),
        (True, 1, 1, 1),
    ]
    assert starts == {2: gone.captured_at}  # when the removal version began


def test_incomplete_crawls_count_neither_way_but_their_sightings_do(
    tmp_path: Path, index_url: str
) -> None:
    _run(tmp_path, index_url, ["a"])  # b missed once
    stats, _ = _run(tmp_path, index_url, ["a", "b"], reason="closespider_timeout")
    assert stats["armswatch/listings_removed"] == 0
    stats, sent = _run(tmp_path, index_url, ["a"])  # b was seen since the last complete crawl
    assert stats["armswatch/listings_removed"] == 0 and sent == []
    with HistoryStore(tmp_path / "history.db") as store:
        assert [c.complete for c in store.crawls(SOURCE)] == [True, False, True]
        assert store.misses(SOURCE) == {}


def test_a_crawl_killed_and_resumed_counts_what_its_first_part_saw(
    tmp_path: Path, index_url: str
) -> None:
    killed, _ = _extension(tmp_path, index_url)
    killed.on_item(listing("b"))
    killed.on_indexed(UpsertReport(unchanged=("b",)))  # then SIGKILL: no spider_closed
    killed.worker.close()
    _run(tmp_path, index_url, ["a"])  # the resumed crawl
    _run(tmp_path, index_url, ["a"])
    with HistoryStore(tmp_path / "history.db") as store:
        assert store.misses(SOURCE) == {"b": 1}


def test_the_extension_notes_when_each_new_version_began(tmp_path: Path, index_url: str) -> None:
    later = CAPTURED + timedelta(hours=3)
    index = open_index(index_url)
    try:
        index.upsert(
            [listing("a").model_copy(update={"title": "Glock 19 Gen5", "captured_at": later})]
        )
    finally:
        index.close()
    extension, _ = _extension(tmp_path, index_url)
    extension.on_indexed(UpsertReport(changed=("a",)))
    extension.worker.close()
    with HistoryStore(tmp_path / "history.db") as store:
        assert store.version_starts("a") == {2: later}
        store.note_versions([("a", 2, later + timedelta(hours=1))])  # a later capture
        assert store.version_starts("a") == {2: later}


def test_the_extension_can_be_switched_off(tmp_path: Path) -> None:
    from scrapy.exceptions import NotConfigured

    crawler = get_crawler(_SourceSpider, settings_dict={"ARMSWATCH_HISTORY_ENABLED": False})
    with pytest.raises(NotConfigured):
        ListingHistoryExtension.from_crawler(crawler)


def test_a_failing_batch_is_counted_and_logged_and_the_crawl_goes_on(
    tmp_path: Path, index_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    broken = f"sqlite:///{tmp_path}/not-a-directory/armswatch.db"
    (tmp_path / "not-a-directory").write_text("a file where the index's directory should be")
    extension, crawler = _extension(tmp_path, broken)
    extension.on_item(listing("a"))
    with caplog.at_level(logging.ERROR):
        extension.on_indexed(UpsertReport(changed=("a",)))  # the index cannot be opened
        extension.on_indexed(UpsertReport(unchanged=("a",)))  # recorded: the first one failed
        extension.on_closed(_SourceSpider(_source()), "finished")
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    assert stats["armswatch/history_errors"] == 2  # the first batch and the removals
    assert "armswatch/listings_removed" not in stats
    messages = [record.getMessage() for record in caplog.records]
    assert any(m.startswith("listing history failed for a batch") for m in messages)
    assert any(m.startswith("tracking removed listings failed") for m in messages)
    with HistoryStore(tmp_path / "history.db") as store:
        assert store.crawls(SOURCE) == []  # the removals' pass failed as a whole
        assert store.count_misses(SOURCE, ["a", "b"], set()) == {"b": 1}  # "a": noted


def test_when_closed_fires_once_the_removals_report_is_sent(tmp_path: Path, index_url: str) -> None:
    _run(tmp_path, index_url, ["a"])  # an earlier crawl: b missed once
    extension, crawler = _extension(tmp_path, index_url)
    events: list[str] = []
    crawler.signals.connect(
        lambda report, **_: events.append(f"indexed {report.changed}"), listings_indexed, weak=False
    )
    extension.when_closed().addCallback(lambda _: events.append("closed"))
    extension.on_item(listing("a"))
    extension.on_closed(_SourceSpider(_source()), "finished")
    extension.when_closed().addCallback(lambda _: events.append("closed, asked after"))
    assert events == ["indexed ('b',)", "closed", "closed, asked after"]


def test_a_failed_close_after_the_removals_is_a_warning_and_they_still_go_out(
    tmp_path: Path, index_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    extension, crawler = _extension(tmp_path, index_url)
    sent: list[UpsertReport] = []
    crawler.signals.connect(lambda report, **_: sent.append(report), listings_indexed, weak=False)
    removals = RemovalPass(seen=1, missed=1, report=UpsertReport(changed=("b",)))
    tracked = CrawlTracked(removals, close_error="OperationalError: database is locked")
    finishing: Future[CrawlTracked] = Future()
    finishing.set_result(tracked)
    extension.worker.close()  # never started
    with (
        mock.patch.object(extension.worker, "finish", return_value=finishing),
        caplog.at_level(logging.WARNING),
    ):
        extension.on_closed(_SourceSpider(_source()), "finished")
    assert sent == [UpsertReport(changed=("b",))]
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    assert stats["armswatch/listings_removed"] == 1 and "armswatch/history_errors" not in stats
    assert [r.levelname for r in caplog.records if "closing" in r.getMessage()] == ["WARNING"]
