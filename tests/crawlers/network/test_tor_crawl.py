"""A `network: tor` crawl of the demo market through the test SOCKS5 proxy: no leaks.

One crawl of three sources in one process: the market as an onion (two sources, so two
isolation groups) and an onion whose service is gone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from armswatch.demo.onion_proxy import OnionProxy, SocksConnection
from tests.crawlers.network.conftest import (
    ONION,
    OTHER_ONION,
    CrawlResult,
    RecordingSites,
    onion_source,
    recording_demo,
    run_crawl,
)

MARKET, SECOND, GONE = "onion-market", "onion-market-b", "onion-gone"


@dataclass
class TorCrawl:
    result: CrawlResult
    connections: list[SocksConnection]
    demo: RecordingSites


@pytest.fixture(scope="module")
def tor_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TorCrawl]:
    tmp_path = tmp_path_factory.mktemp("tor-crawl")
    with recording_demo() as demo:
        routes = {ONION: ("127.0.0.1", demo.market_port)}
        with OnionProxy(routes, replies={OTHER_ONION: 0x04}) as proxy:
            sources = [
                onion_source(tmp_path, MARKET, ONION),
                onion_source(tmp_path, SECOND, ONION, max_pages=5),
                onion_source(tmp_path, GONE, OTHER_ONION),
            ]
            result = run_crawl(tmp_path, sources, tor_proxy=proxy.url)
            yield TorCrawl(result, proxy.connections, demo)


def test_the_onion_market_is_crawled(tor_crawl: TorCrawl) -> None:
    result = tor_crawl.result
    assert result.returncode == 0, result.output
    assert result.stat(MARKET, "item_scraped_count") > 0, result.stats[MARKET]
    assert result.stat(MARKET, "response_received_count") == 30
    assert result.stat(SECOND, "response_received_count") == 5


def test_every_connection_to_the_site_came_through_the_proxy(tor_crawl: TorCrawl) -> None:
    accepted = [c for c in tor_crawl.connections if c.accepted]
    upstreams = {c.upstream for c in accepted}
    clients = tor_crawl.demo.market_clients()
    assert clients, "the demo market saw no connection at all"
    assert set(clients) <= upstreams, "the demo market saw a connection not from the proxy"
    market = tor_crawl.demo.market_port
    others = [seen for port, seen in tor_crawl.demo.clients.items() if port != market]
    assert not any(others), "another demo site was contacted"


def test_the_proxy_got_host_names_never_addresses(tor_crawl: TorCrawl) -> None:
    assert tor_crawl.connections
    assert {c.address_type for c in tor_crawl.connections} == {"domain"}
    assert {c.host for c in tor_crawl.connections} == {ONION, OTHER_ONION}


def test_no_onion_name_was_resolved_locally(tor_crawl: TorCrawl) -> None:
    lookups = tor_crawl.result.lookups
    assert "localhost" in lookups, "the look-up recorder did not record"
    assert [name for name in lookups if name.lower().endswith(".onion")] == []


def test_each_source_has_its_own_isolation_credentials(tor_crawl: TorCrawl) -> None:
    by_host: dict[str | None, set[str]] = {}
    for connection in tor_crawl.connections:
        by_host.setdefault(connection.username, set()).add(connection.host)
    assert set(by_host) == {MARKET, SECOND, GONE}, "every connection carries its source's name"
    assert by_host[GONE] == {OTHER_ONION}


def test_an_offline_onion_is_marked_unreachable_and_ends_cleanly(tor_crawl: TorCrawl) -> None:
    result = tor_crawl.result
    stats = result.stats[GONE]
    assert stats["armswatch/source_unreachable"] == "1"
    assert stats["armswatch/unreachable_reason"] == "host unreachable"
    assert stats["finish_reason"] == "source_unreachable"
    assert result.stat(GONE, "item_scraped_count") == 0
    events = [e for e in result.log_events if e.get("event") == "source_unreachable"]
    assert [(e["source"], e["reason"]) for e in events] == [(GONE, "host unreachable")]
    assert "armswatch/source_unreachable" not in result.stats[MARKET]


def test_credentials_are_never_logged(tor_crawl: TorCrawl) -> None:
    result = tor_crawl.result
    text = result.output + repr(result.log_events) + repr(result.stats)
    assert len(result.isolation_password) == 16
    assert result.isolation_password not in text
    assert "@127.0.0.1" not in text


def test_fail_closed_when_the_proxy_is_down(tmp_path: Path, demo: RecordingSites) -> None:
    with OnionProxy({ONION: ("127.0.0.1", demo.market_port)}) as proxy:
        dead_proxy = proxy.url  # stopped below: nothing listens there any more
    result = run_crawl(tmp_path, [onion_source(tmp_path, MARKET, ONION)], tor_proxy=dead_proxy)
    assert result.returncode == 0, result.output
    stats = result.stats[MARKET]
    assert result.stat(MARKET, "item_scraped_count") == 0
    assert result.stat(MARKET, "response_received_count") == 0
    failed = "downloader/exception_type_count/crawlers.network.errors.ProxyUnavailableError"
    assert result.stat(MARKET, failed) >= 2  # the first try and one retry
    assert stats["armswatch/unreachable_reason"] == "proxy unavailable"
    assert demo.market_clients() == [], "a request went to the site directly"
    assert [name for name in result.lookups if name.endswith(".onion")] == []
