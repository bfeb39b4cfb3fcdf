"""Parity: the same query finds the same listings on every backend, over the same corpus.

The queries are in `queries.txt` (one a line, `#` comments). Each backend indexes the contract
corpus and its recrawl; per query, the sets of hit ids and the totals must be equal. All the
queries that differ are reported in one assertion message.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from crawlers.listing import Listing
from index.backend import IndexBackend
from index.errors import IndexStageError
from tests.index.contract.conftest import load_corpus, opened_backend
from tests.index.contract.helpers import hit_ids

QUERIES_FILE = Path(__file__).with_name("queries.txt")
MIN_QUERIES = 60
MIN_QUERIES_WITH_HITS = 45


def parity_queries() -> list[str]:
    lines = (line.strip() for line in QUERIES_FILE.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@dataclass(frozen=True)
class Answer:
    """What a backend answered to a query: hit ids and totals, or the error it raised."""

    ids: frozenset[str] = frozenset()
    total: int = 0
    count: int = 0
    error: str | None = None  # the error's class
    message: str = field(default="", compare=False)

    def describe(self) -> str:
        if self.error:
            return f"{self.error}: {self.message}"
        return f"total {self.total}, count {self.count}, {len(self.ids)} ids"


def answer(backend: IndexBackend, query: str) -> Answer:
    try:
        ids = hit_ids(backend, query)
        total = backend.search(query, limit=0).total
        count = backend.count(query)
    except IndexStageError as error:
        return Answer(error=type(error).__name__, message=str(error).splitlines()[0])
    return Answer(frozenset(ids), total, count)


def difference(query: str, first: Answer, second: Answer, names: tuple[str, str]) -> str:
    lines = [f"{query!r}: {names[0]} {first.describe()}; {names[1]} {second.describe()}"]
    if not first.error and not second.error:
        for name, only in ((names[0], first.ids - second.ids), (names[1], second.ids - first.ids)):
            if only:
                lines.append(f"    only in {name}: {', '.join(sorted(only))}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def sqlite_corpus(
    tmp_path_factory: pytest.TempPathFactory, corpus: list[Listing], corpus_recrawl: list[Listing]
) -> Iterator[IndexBackend]:
    with opened_backend("sqlite", tmp_path_factory.mktemp("parity")) as opened:
        load_corpus(opened, corpus, corpus_recrawl)
        yield opened


@pytest.fixture(scope="module")
def elasticsearch_corpus(
    tmp_path_factory: pytest.TempPathFactory, corpus: list[Listing], corpus_recrawl: list[Listing]
) -> Iterator[IndexBackend]:
    with opened_backend("elasticsearch", tmp_path_factory.mktemp("parity")) as opened:
        load_corpus(opened, corpus, corpus_recrawl)
        yield opened


def test_the_query_set_covers_enough_and_finds_something(sqlite_corpus: IndexBackend) -> None:
    queries = parity_queries()
    assert len(queries) >= MIN_QUERIES
    assert len(set(queries)) == len(queries), "duplicate queries in queries.txt"
    answers = {query: answer(sqlite_corpus, query) for query in queries}
    errors = {query: a.error for query, a in answers.items() if a.error}
    assert not errors, f"queries SQLite rejects: {errors}"
    inconsistent = [q for q, a in answers.items() if not a.total == a.count == len(a.ids)]
    assert not inconsistent, f"total, count and hits disagree on SQLite: {inconsistent}"
    with_hits = [query for query, a in answers.items() if a.ids]
    assert len(with_hits) >= MIN_QUERIES_WITH_HITS, (
        f"only {len(with_hits)} of {len(queries)} queries find anything on SQLite"
    )
    nothing = [query for query, a in answers.items() if not a.ids]
    assert any("zzzzyzzy" in query for query in nothing)


def test_elasticsearch_finds_what_sqlite_finds(
    sqlite_corpus: IndexBackend, elasticsearch_corpus: IndexBackend, corpus: list[Listing]
) -> None:
    assert elasticsearch_corpus.count() == sqlite_corpus.count() == len(corpus)
    names = ("sqlite", "elasticsearch")
    differences = []
    for query in parity_queries():
        first, second = answer(sqlite_corpus, query), answer(elasticsearch_corpus, query)
        if first != second:
            differences.append(difference(query, first, second, names))
    assert not differences, (
        f"{len(differences)} of {len(parity_queries())} queries differ:\n" + "\n".join(differences)
    )
