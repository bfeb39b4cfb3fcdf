"""Fixtures of the contract suite: every index backend, empty or holding the contract corpus.

Backends: `sqlite` (a file in a temporary directory) and `elasticsearch` (indices named after
a unique prefix on the node at `ARMSWATCH_ES_URL`, default http://127.0.0.1:9200, deleted
afterwards). When no node answers, the Elasticsearch cases are skipped, or fail when
`ARMSWATCH_REQUIRE_ES=1`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from crawlers.listing import Listing
from index.backend import IndexBackend
from index.selection import open_index
from tests.index.contract.corpus import build_corpus, recrawl

BACKENDS = ("sqlite", "elasticsearch")
ES_URL = os.environ.get("ARMSWATCH_ES_URL", "http://127.0.0.1:9200").rstrip("/")
PING_TIMEOUT = 3.0


@cache
def elasticsearch_problem() -> str | None:
    """Why no Elasticsearch node answers at ES_URL, or None when one does."""
    try:
        client = Elasticsearch(ES_URL, request_timeout=PING_TIMEOUT, max_retries=0)
        try:
            info = client.info()
        finally:
            client.close()
    except Exception as error:  # any failure to reach the node means the same here
        return f"no Elasticsearch node answers at {ES_URL} ({type(error).__name__})"
    return None if info.get("version") else f"{ES_URL} does not answer like Elasticsearch"


def require_elasticsearch() -> None:
    """Skip (or fail, with ARMSWATCH_REQUIRE_ES=1) when no Elasticsearch node answers."""
    problem = elasticsearch_problem()
    if problem is None:
        return
    hint = "; start one with `armswatch es start` or set ARMSWATCH_ES_URL"
    if os.environ.get("ARMSWATCH_REQUIRE_ES") == "1":
        pytest.fail(f"ARMSWATCH_REQUIRE_ES=1 but {problem}{hint}", pytrace=False)
    pytest.skip(f"{problem}{hint}")


def delete_prefix(prefix: str) -> None:
    """Delete every index named after `prefix` (by name: wildcard deletes may be refused)."""
    client = Elasticsearch(ES_URL, request_timeout=30)
    try:
        found = client.indices.get(
            index=f"{prefix},{prefix}-*", allow_no_indices=True, ignore_unavailable=True
        )
        names = sorted(found.body)
        if names:
            client.indices.delete(index=",".join(names), ignore_unavailable=True)
    finally:
        client.close()


@contextmanager
def opened_backend(kind: str, directory: Path) -> Iterator[IndexBackend]:
    """An empty backend of `kind`, closed (and for Elasticsearch deleted) afterwards."""
    if kind == "sqlite":
        backend = open_index(f"sqlite:///{directory}/x.db")
        try:
            yield backend
        finally:
            backend.close()
        return
    require_elasticsearch()
    prefix = f"contract-{uuid.uuid4().hex[:12]}"
    try:
        backend = open_index(f"{ES_URL}?prefix={prefix}")
        try:
            yield backend
        finally:
            backend.close()
    finally:
        delete_prefix(prefix)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IndexBackend]:
    """An empty index of each backend."""
    with opened_backend(request.param, tmp_path) as opened:
        yield opened


@pytest.fixture(scope="session")
def corpus_now() -> datetime:
    """The `now` the corpus times count back from (whole seconds)."""
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="session")
def corpus(request: pytest.FixtureRequest, corpus_now: datetime) -> list[Listing]:
    """About 610 annotated listings (demo offers and hand-made edge cases)."""
    return build_corpus(corpus_now, request.config.cache)


@pytest.fixture(scope="session")
def corpus_recrawl(corpus: list[Listing], corpus_now: datetime) -> list[Listing]:
    """A second crawl of some corpus listings: half with a new price, half unchanged."""
    return recrawl(corpus, corpus_now)


def load_corpus(backend: IndexBackend, corpus: list[Listing], again: list[Listing]) -> None:
    backend.upsert(corpus)
    backend.upsert(again)


@pytest.fixture(scope="module", params=BACKENDS)
def corpus_backend(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    corpus: list[Listing],
    corpus_recrawl: list[Listing],
) -> Iterator[IndexBackend]:
    """Each backend holding the corpus and its recrawl, shared by a test module (read-only)."""
    with opened_backend(request.param, tmp_path_factory.mktemp("corpus")) as opened:
        load_corpus(opened, corpus, corpus_recrawl)
        yield opened
