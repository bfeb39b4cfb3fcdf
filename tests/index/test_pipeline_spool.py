"""The crawl pipeline's spool: refused listings and vendor profiles are kept and replayed.

A fake index wraps the embedded one and refuses writes on demand; no Elasticsearch needed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from scrapy.statscollectors import StatsCollector

import index.pipeline as pipeline_module
from crawlers.listing import Listing
from crawlers.vendor_profile import VendorProfile
from index.backend import UpsertReport
from index.elasticsearch.connection import BackendUnavailableError
from index.errors import BackendConfigError, IndexStageError
from index.pipeline import IndexPipeline
from index.sqlite import SqliteIndex
from tests.index.conftest import build_listing


class Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] = self.values.get(key, start) + count


class FlakyIndex:
    """The embedded index, refusing listings and/or vendor writes while told to."""

    def __init__(self, path: Path) -> None:
        self.inner = SqliteIndex(path)
        self.refuse_listings = False
        self.refuse_vendors = False

    def upsert(self, listings: Iterable[Listing]) -> UpsertReport:
        if self.refuse_listings:
            raise IndexStageError("the index is read-only")
        return self.inner.upsert(listings)

    def upsert_vendors(self, profiles: Iterable[VendorProfile]) -> int:
        if self.refuse_vendors:
            raise IndexStageError("the vendors index is read-only")
        return self.inner.upsert_vendors(profiles)

    def count(self, query: str = "*") -> int:
        return self.inner.count(query)

    def close(self) -> None:
        """The pipeline closes its index; the test keeps using this one."""


@pytest.fixture
def flaky(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FlakyIndex]:
    index = FlakyIndex(tmp_path / "index.db")
    monkeypatch.setattr(pipeline_module, "open_index", lambda url: index)
    yield index
    index.inner.close()


def vendor(handle: str) -> VendorProfile:
    return VendorProfile(
        source="demo-market",
        market="DemoMarket",
        handle=handle,
        url=f"http://demo.onion/vendor/{handle}",
        captured_at=datetime(2024, 6, 1, tzinfo=UTC),
    )


def make_pipeline(tmp_path: Path, stats: Stats, batch_size: int = 3) -> IndexPipeline:
    return IndexPipeline("fake://", tmp_path / "spool", cast(StatsCollector, stats), batch_size)


def feed(pipeline: IndexPipeline, *items: Any) -> None:
    for item in items:
        pipeline.write(item)


def test_a_refused_batch_spools_its_listings_and_vendor_profiles(
    flaky: FlakyIndex, tmp_path: Path
) -> None:
    stats = Stats()
    pipeline = make_pipeline(tmp_path, stats)
    pipeline.open_spider()
    flaky.refuse_listings = flaky.refuse_vendors = True
    feed(pipeline, build_listing("a"), vendor("alice"), build_listing("b"))
    pipeline.close_spider()
    spooled = (tmp_path / "spool" / "listings.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in spooled] == ["a", "b"]
    vendors = (tmp_path / "spool" / "vendors.jsonl").read_text().splitlines()
    assert [json.loads(line)["handle"] for line in vendors] == ["alice"]
    assert stats.values["armswatch/listings_spooled"] == 2
    assert stats.values["armswatch/vendors_spooled"] == 1

    flaky.refuse_listings = flaky.refuse_vendors = False
    replay = make_pipeline(tmp_path, stats)
    replay.open_spider()
    replay.close_spider()
    assert flaky.count() == 2
    assert flaky.inner.get_vendor("demo-market", "alice") == vendor("alice")
    assert stats.values["armswatch/listings_replayed"] == 2
    assert stats.values["armswatch/vendors_replayed"] == 1
    assert not (tmp_path / "spool" / "listings.jsonl").exists()
    assert not (tmp_path / "spool" / "vendors.jsonl").exists()


def test_refused_vendor_profiles_do_not_spool_the_listings_written(
    flaky: FlakyIndex, tmp_path: Path
) -> None:
    stats = Stats()
    pipeline = make_pipeline(tmp_path, stats)
    pipeline.open_spider()
    flaky.refuse_vendors = True
    feed(pipeline, build_listing("a"), build_listing("b"), vendor("alice"))
    assert flaky.count() == 2
    assert stats.values["armswatch/listings_new"] == 2
    assert not (tmp_path / "spool" / "listings.jsonl").exists()
    assert (tmp_path / "spool" / "vendors.jsonl").exists()


def test_a_failing_replay_keeps_the_spool_and_lets_the_crawl_start(
    flaky: FlakyIndex, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    stats = Stats()
    spool = tmp_path / "spool" / "listings.jsonl"
    spool.parent.mkdir()
    spool.write_text(build_listing("old").model_dump_json() + "\n")
    flaky.refuse_listings = True
    pipeline = make_pipeline(tmp_path, stats)
    with caplog.at_level(logging.ERROR, logger="index.pipeline"):
        pipeline.open_spider()  # does not raise
    (record,) = [r for r in caplog.records if getattr(r, "event", "") == "index_replay_failed"]
    assert "read-only" in cast(Any, record).error
    assert cast(Any, record).records == 1
    assert stats.values["armswatch/replay_failures"] == 1
    assert [json.loads(line)["id"] for line in spool.read_text().splitlines()] == ["old"]

    feed(pipeline, build_listing("new"))  # still refused: appended to the spool
    pipeline.close_spider()
    assert [json.loads(line)["id"] for line in spool.read_text().splitlines()] == ["old", "new"]

    flaky.refuse_listings = False
    replay = make_pipeline(tmp_path, stats)
    replay.open_spider()
    replay.close_spider()
    assert flaky.count() == 2
    assert not spool.exists()


def test_the_spool_is_replayed_when_a_crawl_closes_with_the_index_back(
    flaky: FlakyIndex, tmp_path: Path
) -> None:
    stats = Stats()
    pipeline = make_pipeline(tmp_path, stats, batch_size=2)
    pipeline.open_spider()
    flaky.refuse_listings = True
    feed(pipeline, build_listing("a"), build_listing("b"))
    assert flaky.count() == 0
    flaky.refuse_listings = False
    feed(pipeline, build_listing("c"))
    pipeline.close_spider()
    assert flaky.count() == 3
    assert stats.values["armswatch/listings_replayed"] == 2
    assert not (tmp_path / "spool" / "listings.jsonl").exists()


def test_unreadable_spool_lines_are_set_aside(flaky: FlakyIndex, tmp_path: Path) -> None:
    spool = tmp_path / "spool" / "listings.jsonl"
    spool.parent.mkdir()
    spool.write_text(build_listing("a").model_dump_json() + "\n" + '{"id": "cut sh\n')
    pipeline = make_pipeline(tmp_path, Stats())
    pipeline.open_spider()
    pipeline.close_spider()
    assert flaky.count() == 1
    assert not spool.exists()
    assert (tmp_path / "spool" / "listings.jsonl.rejected").read_text() == '{"id": "cut sh\n'


def test_an_index_that_does_not_answer_spools_and_is_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = FlakyIndex(tmp_path / "index.db")
    answers = {"up": False}

    def open_index(url: str | None) -> FlakyIndex:
        if not answers["up"]:
            raise BackendUnavailableError("no Elasticsearch node answers")
        return index

    monkeypatch.setattr(pipeline_module, "open_index", open_index)
    stats = Stats()
    pipeline = make_pipeline(tmp_path, stats, batch_size=1)
    pipeline.open_spider()  # does not raise
    feed(pipeline, build_listing("a"))
    assert stats.values["armswatch/listings_spooled"] == 1
    answers["up"] = True
    feed(pipeline, build_listing("b"))
    pipeline.close_spider()
    assert index.count() == 2
    index.inner.close()


def test_a_misnamed_index_still_stops_the_crawl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def open_index(url: str | None) -> FlakyIndex:
        raise BackendConfigError("unsupported index URL")

    monkeypatch.setattr(pipeline_module, "open_index", open_index)
    with pytest.raises(BackendConfigError):
        make_pipeline(tmp_path, Stats()).open_spider()


def test_the_batch_size_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from scrapy.utils.test import get_crawler

    monkeypatch.setenv("ARMSWATCH_INDEX_BATCH", "7")
    assert IndexPipeline.from_crawler(get_crawler()).batch_size == 7
    crawler = get_crawler(settings_dict={"ARMSWATCH_INDEX_BATCH": 9})
    assert IndexPipeline.from_crawler(crawler).batch_size == 9


def test_a_batch_holds_only_items_reported_scraped(
    flaky: FlakyIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The frontier counts a request done when its items are scraped: a batch written before
    that would be fetched again by a crawl resumed after a kill (tests/integration)."""
    from scrapy import signals
    from scrapy.utils.test import get_crawler

    from crawlers.frontier import durable_checkpoint

    crawler = get_crawler(settings_dict={"ARMSWATCH_INDEX_BATCH": 2})
    crawler.stats = cast(StatsCollector, Stats())
    pipeline = IndexPipeline.from_crawler(crawler)
    pipeline.open_spider()
    scraped_at_checkpoint: list[int] = []
    scraped: list[Any] = []

    def on_scraped(item: Any, **_: Any) -> None:
        scraped.append(item)

    def on_checkpoint(**_: Any) -> None:
        scraped_at_checkpoint.append(len(scraped))

    # held here: Scrapy's signals keep weak references to their receivers
    crawler.signals.connect(on_scraped, signal=signals.item_scraped)
    crawler.signals.connect(on_checkpoint, signal=durable_checkpoint)
    listings = [build_listing(name) for name in "abcd"]
    assert [pipeline.process_item(listing) for listing in listings] == listings
    assert flaky.count() == 0, "a burst through the pipelines wrote nothing yet"
    for listing in listings:
        crawler.signals.send_catch_log(signals.item_scraped, item=listing, response=None)
    assert flaky.count() == 4
    # the pipeline hears each item first: the item that fills a batch is reported after it
    assert scraped_at_checkpoint == [1, 3]
