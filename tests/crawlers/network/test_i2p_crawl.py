"""A `network: i2p` crawl of the demo market through the test I2P HTTP proxy."""

from __future__ import annotations

from pathlib import Path

import yaml

from armswatch.demo.i2p_proxy import I2pProxy
from tests.crawlers.network.conftest import RecordingSites, onion_source, run_crawl

EEPSITE = "obsidian.i2p"


def test_an_i2p_source_goes_only_through_the_i2p_proxy(
    tmp_path: Path, demo: RecordingSites
) -> None:
    with I2pProxy({EEPSITE: ("127.0.0.1", demo.market_port)}) as proxy:
        source = onion_source(tmp_path, "i2p-market", EEPSITE, network="i2p", max_pages=30)
        result = run_crawl(tmp_path, [source], i2p_proxy=proxy.url)
        requests = proxy.requests
    assert result.returncode == 0, result.output
    assert result.stat("i2p-market", "response_received_count") == 30
    assert result.stat("i2p-market", "item_scraped_count") > 0
    assert requests and all(r.host == EEPSITE and r.accepted for r in requests)
    assert all(r.method == "GET" and r.target.startswith("/") for r in requests)
    assert set(demo.market_clients()) <= {r.upstream for r in requests}
    assert [name for name in result.lookups if name.endswith(".i2p")] == []


def test_an_i2p_browser_source_goes_only_through_the_i2p_proxy(
    tmp_path: Path, demo: RecordingSites
) -> None:
    with I2pProxy({EEPSITE: ("127.0.0.1", demo.market_port)}) as proxy:
        source = onion_source(
            tmp_path, "i2p-browser", EEPSITE, network="i2p", max_pages=8, max_listings=2
        )
        definition = yaml.safe_load(source.read_text())
        definition.update(render="browser", browser={"timeout": 30, "screenshot": False})
        definition["rate_limit"].update(concurrency=2, timeout=30)
        source.write_text(yaml.safe_dump(definition))
        result = run_crawl(tmp_path, [source], i2p_proxy=proxy.url)
        requests = proxy.requests
    assert result.returncode == 0, result.output
    assert result.stat("i2p-browser", "playwright/page_count") >= 1
    assert result.stat("i2p-browser", "item_scraped_count") >= 1
    assert requests and {r.host for r in requests} == {EEPSITE}
    assert set(demo.market_clients()) <= {r.upstream for r in requests}
