"""The in-memory facet columns of the embedded index give the counts the SQL path gives, and
never stale ones after a write."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.listing import Listing
from index.backend import FacetBucket
from index.sqlite import SqliteIndex, facet_columns
from tests.index.conftest import corpus_listings

FACETS = ("market", "category", "vendor", "language", "ships_from", "ships_to",
          "entity.make", "entity.model", "entity.calibre")  # fmt: skip
QUERIES = ("*", "glock", "ships_to:DE", "NOT glock", "category:firearm OR category:ammunition",
           "nothing-matches-this")  # fmt: skip


@pytest.fixture
def index(tmp_path: Path) -> Iterator[SqliteIndex]:
    opened = SqliteIndex(tmp_path / "armswatch.db")
    opened.upsert(corpus_listings(datetime.now(UTC)))
    yield opened
    opened.close()


def _facets(index: SqliteIndex, query: str) -> tuple[int, dict[str, list[FacetBucket]]]:
    result = index.search(query, limit=0, facets=FACETS)
    return result.total, result.facets


@pytest.mark.parametrize("query", QUERIES)
def test_the_columns_count_what_sql_counts(
    index: SqliteIndex, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []
    real = facet_columns.FacetColumnCache.columns

    def watched(*args: object) -> object:
        columns = real(*args)  # type: ignore[arg-type]
        calls.append(columns)
        return columns

    monkeypatch.setattr(facet_columns.FacetColumnCache, "columns", watched)
    in_memory = _facets(index, query)
    assert calls and calls[-1] is not None, "the columns were not used"
    monkeypatch.setattr(facet_columns.FacetColumnCache, "columns", lambda *args: None)
    assert in_memory == _facets(index, query)
    assert any(in_memory[1].values()) or in_memory[0] == 0


def test_a_write_is_counted_at_once(index: SqliteIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    def new_market(listing: Listing) -> Listing:
        return listing.model_copy(update={"id": listing.id + "-copy", "market": "freshmarket"})

    before = _facets(index, "*")[1]["market"]
    for interval in (0.0, 3600.0):  # read again at once; or the SQL path until the interval ends
        monkeypatch.setattr(facet_columns, "REBUILD_INTERVAL", interval)
        listing = next(iter(index.scan_listings("*")))
        index.upsert([new_market(listing).model_copy(update={"id": f"{listing.id}-{interval}"})])
        counted = dict((b.value, b.count) for b in _facets(index, "*")[1]["market"])
        assert counted["freshmarket"] == (1 if interval == 0.0 else 2)
    assert "freshmarket" not in {bucket.value for bucket in before}


def test_membership_of_sorted_seqs() -> None:
    import numpy as np

    seqs = np.array([1, 3, 5, 7, 9], dtype=np.int64)
    column = facet_columns.FacetColumn(seqs, np.array([0, 1, 0, 1, 2]), ("a", "b", "c"))
    assert column.counts(np.array([3, 7, 9, 11], dtype=np.int64), 10) == [("b", 2), ("c", 1)]
    assert column.counts(None, 2) == [("a", 2), ("b", 2)]
    assert column.counts(np.array([], dtype=np.int64), 10) == []
