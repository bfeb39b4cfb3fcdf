"""A `render: browser` crawl of the demo market as an onion, through the test SOCKS5 proxy:
Chromium reaches the site only through the proxy, on its isolation group's own port, sends
host names (never addresses) and keeps a PNG of each listing page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from PIL import Image

from armswatch.demo.onion_proxy import OnionProxy, SocksConnection
from tests.crawlers.network.conftest import (
    ONION,
    CrawlResult,
    RecordingSites,
    onion_source,
    recording_demo,
    run_crawl,
)

BROWSER = "onion-browser"


@dataclass
class BrowserTorCrawl:
    result: CrawlResult
    connections: list[SocksConnection]
    demo: RecordingSites
    group_port: int
    data_dir: Path


def _browser_source(tmp_path: Path, socks_port: int) -> Path:
    path = onion_source(tmp_path, BROWSER, ONION, max_pages=6, max_listings=3)
    definition = yaml.safe_load(path.read_text())
    definition.update(render="browser", browser={"socks_port": socks_port, "timeout": 30})
    definition["rate_limit"].update(concurrency=2, timeout=30)
    path.write_text(yaml.safe_dump(definition))
    return path


@pytest.fixture(scope="module")
def browser_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserTorCrawl]:
    tmp_path = tmp_path_factory.mktemp("browser-tor")
    with recording_demo() as demo:
        routes = {ONION: ("127.0.0.1", demo.market_port)}
        with OnionProxy(routes, ports=[0, 0]) as proxy:
            group_port = proxy.ports[1]  # the browser source's own SocksPort
            source = _browser_source(tmp_path, group_port)
            result = run_crawl(tmp_path, [source], tor_proxy=proxy.url)
            yield BrowserTorCrawl(result, proxy.connections, demo, group_port, tmp_path / "data")


def test_the_onion_market_is_rendered_in_chromium(browser_crawl: BrowserTorCrawl) -> None:
    result = browser_crawl.result
    assert result.returncode == 0, result.output
    assert result.stat(BROWSER, "item_scraped_count") >= 1, result.stats[BROWSER]
    assert result.stat(BROWSER, "playwright/page_count") >= 1


def test_chromium_reached_the_site_only_through_its_group_port(
    browser_crawl: BrowserTorCrawl,
) -> None:
    connections = browser_crawl.connections
    assert connections and {c.listen_port for c in connections} == {browser_crawl.group_port}
    assert {(c.host, c.address_type) for c in connections} == {(ONION, "domain")}
    upstreams = {c.upstream for c in connections if c.accepted}
    clients = browser_crawl.demo.market_clients()
    assert clients and set(clients) <= upstreams, "the market saw a connection not from the proxy"


def test_screenshots_of_listing_pages_open_as_png(browser_crawl: BrowserTorCrawl) -> None:
    shots = sorted((browser_crawl.data_dir / "screenshots" / BROWSER).glob("*.png"))
    assert shots
    for shot in shots:
        assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        with Image.open(shot) as image:
            assert image.format == "PNG" and image.width > 0 and image.height > 0


def test_a_browser_source_fails_closed_when_the_proxy_is_down(tmp_path: Path) -> None:
    with recording_demo() as demo:
        with OnionProxy({ONION: ("127.0.0.1", demo.market_port)}, ports=[0, 0]) as proxy:
            dead, group_port = proxy.url, proxy.ports[1]  # stopped below: nothing listens
        result = run_crawl(tmp_path, [_browser_source(tmp_path, group_port)], tor_proxy=dead)
        assert result.returncode == 0, result.output
        assert result.stat(BROWSER, "item_scraped_count") == 0
        assert result.stat(BROWSER, "response_received_count") == 0
        assert demo.market_clients() == [], "Chromium reached the site without the proxy"
        assert [name for name in result.lookups if name.endswith(".onion")] == []
