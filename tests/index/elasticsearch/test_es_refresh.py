"""Lazy refresh: upserts are not refreshed batch by batch; the next read refreshes once."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from index.elasticsearch import ElasticsearchIndex, writes
from tests.index.conftest import build_listing

OpenIndex = Callable[[], ElasticsearchIndex]


@pytest.fixture
def refreshes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The prefixes of every refresh of listings the backend makes."""
    calls: list[str] = []
    original = writes.refresh_listings

    def spy(client: object, names: object) -> None:
        calls.append(str(getattr(names, "prefix", "")))
        original(client, names)  # type: ignore[arg-type]

    monkeypatch.setattr(writes, "refresh_listings", spy)
    return calls


def test_upserts_refresh_once_before_the_next_read(
    index: ElasticsearchIndex, refreshes: list[str]
) -> None:
    for number in range(5):
        index.upsert([build_listing(f"L{number}", title=f"Glock {number}")])
    assert refreshes == []
    assert index.search("glock").total == 5
    assert index.count() == 5
    assert index.get("L1") is not None
    assert len(refreshes) == 1
    index.upsert([build_listing("L1", title="Glock 1")])  # unchanged: nothing written
    assert index.count("glock") == 5
    assert len(refreshes) == 1
    index.upsert([build_listing("L9", title="Glock 9")])
    assert index.history("L9") == [build_listing("L9", title="Glock 9")]
    assert len(refreshes) == 2


def test_closing_makes_writes_visible_to_other_clients(open_es: OpenIndex, es_url: str) -> None:
    reader = open_es()  # dropped and closed by the fixture
    separator = "&" if "?" in es_url else "?"
    writer = ElasticsearchIndex.from_url(f"{es_url}{separator}prefix={reader.names.prefix}")
    writer.upsert([build_listing("a", title="Beretta 92")])
    writer.close()
    assert reader.count("beretta") == 1
