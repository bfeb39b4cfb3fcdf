"""Fixtures for the Elasticsearch backend tests: indices on a real node, one prefix per test.

The node is the one at `ARMSWATCH_ES_URL` (default http://127.0.0.1:9200; start one with
`armswatch es start`). When none answers the tests are skipped, or fail when
`ARMSWATCH_REQUIRE_ES=1`. Every index a test session creates has the prefix
`armswatch-test-<random>` and is deleted at the end.

`index` and `corpus_index` override the embedded backend's fixtures of `tests/index`, so the
backend-neutral tests imported from there run here against Elasticsearch.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from index.elasticsearch import BackendUnavailableError, ElasticsearchIndex
from index.elasticsearch.connection import connect, parse_es_url
from tests.index.conftest import corpus_listings

DEFAULT_URL = "http://127.0.0.1:9200"
OpenIndex = Callable[[], ElasticsearchIndex]


@pytest.fixture(scope="session")
def es_url() -> str:
    """The node's URL, with this session's index prefix; skip (or fail) when none answers."""
    url = os.environ.get("ARMSWATCH_ES_URL", DEFAULT_URL).rstrip("/")
    try:
        connect(parse_es_url(url)).close()
    except BackendUnavailableError as error:
        if os.environ.get("ARMSWATCH_REQUIRE_ES") == "1":
            pytest.fail(f"ARMSWATCH_REQUIRE_ES=1 but: {error}")
        pytest.skip(f"no Elasticsearch node: {error}")
    return url


@pytest.fixture(scope="session")
def open_es(es_url: str) -> Iterator[OpenIndex]:
    """Opens an index under a fresh prefix; every one is dropped at the end of the session."""
    session = f"armswatch-test-{uuid.uuid4().hex[:8]}"
    opened: list[ElasticsearchIndex] = []

    def open_index() -> ElasticsearchIndex:
        separator = "&" if "?" in es_url else "?"
        prefix = f"{session}-{len(opened)}"
        index = ElasticsearchIndex.from_url(f"{es_url}{separator}prefix={prefix}")
        opened.append(index)
        return index

    yield open_index
    for index in opened:
        index.drop()
        index.close()


@pytest.fixture
def index(open_es: OpenIndex) -> Iterator[ElasticsearchIndex]:
    opened = open_es()
    yield opened
    opened.drop()


@pytest.fixture(scope="module")
def corpus_index(open_es: OpenIndex) -> ElasticsearchIndex:
    """An index holding `corpus_listings(now)`, shared by a test module (read-only)."""
    opened = open_es()
    opened.upsert(corpus_listings(datetime.now(UTC)))
    return opened
