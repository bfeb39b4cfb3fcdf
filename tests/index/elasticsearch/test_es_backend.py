"""What only the Elasticsearch backend has: aliases and migration, deep pages, bulk refusals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from scrapy.statscollectors import StatsCollector

from crawlers.listing import Listing
from index import open_index
from index.backend import IndexBackend, UpsertReport
from index.elasticsearch import ElasticsearchIndex, searching
from index.errors import IndexStageError, QuerySyntaxError, UnknownFieldError
from index.pipeline import IndexPipeline
from tests.index.conftest import build_listing

OpenIndex = Callable[[], ElasticsearchIndex]
CAPTURED = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def many_listings(count: int) -> list[Listing]:
    return [
        build_listing(
            f"item{number:05d}",
            title=f"Glock {number % 7} part",
            first_seen=CAPTURED - timedelta(minutes=number % 13),
            last_seen=CAPTURED,
            captured_at=CAPTURED,
        )
        for number in range(count)
    ]


def alias_targets(index: ElasticsearchIndex, alias: str) -> list[str]:
    return sorted(index.client.indices.get_alias(name=alias))


def set_write_block(index: ElasticsearchIndex, blocked: bool) -> None:
    index.client.indices.put_settings(
        index=index.names.listings, settings={"index.blocks.write": blocked}
    )


def test_open_index_returns_the_backend_on_versioned_indices(es_url: str) -> None:
    opened = open_index(f"{es_url}?prefix=armswatch-test-open")
    try:
        assert isinstance(opened, ElasticsearchIndex)
        assert isinstance(opened, IndexBackend)
        assert alias_targets(opened, "armswatch-test-open-listings") == [
            "armswatch-test-open-listings-v1"
        ]
        assert alias_targets(opened, "armswatch-test-open-listings-history") == [
            "armswatch-test-open-listings-history-v1"
        ]
        assert alias_targets(opened, "armswatch-test-open-vendors") == [
            "armswatch-test-open-vendors-v1"
        ]
    finally:
        opened.drop()
        opened.close()


def test_every_version_gets_its_mapping_from_the_alias_template(
    index: ElasticsearchIndex,
) -> None:
    client = index.client
    for alias in index.names.all_aliases():
        (template,) = client.indices.get_index_template(name=alias)["index_templates"]
        body = template["index_template"]
        assert body["index_patterns"] == [f"{alias}-v*"]
        (version,) = client.indices.get_alias(name=alias)
        stored = client.indices.get_mapping(index=version)[version]["mappings"]
        assert stored["_meta"] == body["template"]["mappings"]["_meta"]
    index.migrate(2)  # the new version is created through the template too
    version = f"{index.names.listings}-v2"
    stored = client.indices.get_mapping(index=version)[version]["mappings"]
    assert "stemmed" in stored["properties"]
    index.drop()
    assert not client.indices.exists_index_template(name=index.names.listings)


def test_upsert_is_idempotent_and_versions_go_to_the_history(index: ElasticsearchIndex) -> None:
    listing = build_listing("a", title="Glock 19", price=None)
    assert index.upsert([listing]) == UpsertReport(new=("a",))
    assert index.upsert([listing]) == UpsertReport(unchanged=("a",))
    later = CAPTURED + timedelta(days=1)
    changed = listing.model_copy(
        update={"title": "Glock 19 Gen5", "captured_at": later, "last_seen": later}
    )
    assert index.upsert([changed]) == UpsertReport(changed=("a",))
    assert [(v.version, v.title) for v in index.history("a")] == [
        (1, "Glock 19"),
        (2, "Glock 19 Gen5"),
    ]
    assert index.count() == 1
    assert index.delete(["a"]) == 1
    assert index.history("a") == []


def test_migrate_keeps_every_document_and_the_alias(index: ElasticsearchIndex) -> None:
    listings = many_listings(40)
    index.upsert(listings)
    index.upsert(
        [
            listings[0].model_copy(
                update={"title": "Changed", "captured_at": CAPTURED + timedelta(1)}
            )
        ]
    )
    copied = index.migrate(2)
    assert copied == {index.names.listings: 40, index.names.history: 1}
    assert alias_targets(index, index.names.listings) == [f"{index.names.listings}-v2"]
    assert alias_targets(index, index.names.history) == [f"{index.names.history}-v2"]
    assert not index.client.indices.exists(index=f"{index.names.listings}-v1")
    assert index.count() == 40
    assert index.count("glock") == 39
    assert [v.title for v in index.history("item00000")] == ["Glock 0 part", "Changed"]
    assert index.get("item00039") == listings[39]
    with pytest.raises(ValueError, match="higher version"):
        index.migrate(2)
    index.upsert([build_listing("new-after-migration")])  # writes go through the alias
    assert index.count() == 41


def test_deep_pages_walk_with_search_after(
    index: ElasticsearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    index.upsert(many_listings(57))
    expected = [hit.listing.id for hit in index.search("*", sort="newest", limit=57).hits]
    monkeypatch.setattr(searching, "MAX_RESULT_WINDOW", 10)
    monkeypatch.setattr(searching, "SCAN_PAGE", 7)
    deep = index.search("*", sort="newest", offset=30, limit=15)
    assert deep.total == 57
    assert [hit.listing.id for hit in deep.hits] == expected[30:45]
    assert [li.id for li in index.scan_listings("*", sort="newest")] == expected
    assert len(list(index.scan_listings("title:glock AND 3"))) == 8


def test_a_query_error_is_reported_before_reaching_elasticsearch(
    index: ElasticsearchIndex,
) -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        index.search("glock AND (")
    assert raised.value.position == 11
    with pytest.raises(UnknownFieldError, match="did you mean 'ships_to'"):
        index.count("shipsto:de")


def test_refused_documents_raise_naming_their_ids(index: ElasticsearchIndex) -> None:
    set_write_block(index, True)
    try:
        with pytest.raises(IndexStageError, match="refused 2 listings: a, b"):
            index.upsert([build_listing("a"), build_listing("b")])
    finally:
        set_write_block(index, False)
    assert index.upsert([build_listing("a")]) == UpsertReport(new=("a",))


class _Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] = self.values.get(key, start) + count


def test_the_crawl_pipeline_spools_a_refused_batch_and_replays_it(
    index: ElasticsearchIndex, es_url: str, tmp_path: Path
) -> None:
    url = f"{es_url}?prefix={index.names.prefix}"
    stats = _Stats()
    pipeline = IndexPipeline(url, tmp_path / "spool", cast(StatsCollector, stats), batch_size=2)
    pipeline.open_spider()
    set_write_block(index, True)
    try:
        for listing in many_listings(2):
            pipeline.write(listing)
    finally:
        set_write_block(index, False)
    assert stats.values["armswatch/listings_spooled"] == 2
    assert index.count() == 0
    pipeline.close_spider()
    replay = IndexPipeline(url, tmp_path / "spool", cast(StatsCollector, stats), batch_size=2)
    replay.open_spider()
    replay.close_spider()
    assert stats.values["armswatch/listings_replayed"] == 2
    assert index.count() == 2


def test_highlights_cut_long_descriptions_into_a_snippet(index: ElasticsearchIndex) -> None:
    words: list[Any] = [f"word{n}" for n in range(80)]
    words[60] = "receiver"
    index.upsert([build_listing("long", description=" ".join(words) + ".")])
    (hit,) = index.search("receiver").hits
    (snippet,) = hit.highlights["description"]
    # as FTS5's snippet(): 32 tokens, the hit centred, cut ends marked
    expected = " ".join(words[45:60]) + " <mark>receiver</mark> " + " ".join(words[61:77])
    assert snippet == f"…{expected}…"
