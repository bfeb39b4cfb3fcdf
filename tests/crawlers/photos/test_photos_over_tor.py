"""Listing photos of `network: tor` sources come through the test SOCKS5 proxy and nowhere else.

The demo market is served as an onion behind the recording proxy and crawled twice side by
side with the photo pipeline (`tests.crawl_process --photos`): as a static source and rendered
in Chromium. The image requests of both go through Scrapy's downloader, so through the
source's proxy route (a browser source's by the proxied fallback of its download handler): the
market sees no connection that did not come from the proxy, the proxy is asked for the onion
name only, never an address, and no onion name is resolved locally.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from armswatch.demo.onion_proxy import OnionProxy, SocksConnection
from crawlers.listing import Listing
from tests.conftest import REPO, armswatch_env
from tests.crawlers.network.conftest import ONION, onion_source, recording_demo

pytestmark = [pytest.mark.timeout(300)]

STATIC, BROWSER = "onion-photos", "onion-photos-browser"
MAX_PAGES = {STATIC: 30, BROWSER: 6}


@dataclass
class PhotoCrawl:
    listings: dict[str, list[Listing]]
    stats: dict[str, dict[str, Any]]
    lookups: list[str]
    connections: list[SocksConnection]
    clients: dict[int, list[tuple[str, int]]]  # of each demo site, by port
    market_port: int


def _sources(tmp_path: Path, group_port: int) -> list[Path]:
    static = onion_source(tmp_path, STATIC, ONION, max_pages=MAX_PAGES[STATIC], max_listings=3)
    browser = onion_source(tmp_path, BROWSER, ONION, max_pages=MAX_PAGES[BROWSER], max_listings=2)
    definition = yaml.safe_load(browser.read_text())
    definition.update(render="browser", browser={"socks_port": group_port, "timeout": 30})
    definition["rate_limit"].update(concurrency=2, timeout=30)
    browser.write_text(yaml.safe_dump(definition))
    return [static, browser]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PhotoCrawl]:
    tmp_path = tmp_path_factory.mktemp("photos-tor")
    data_dir, out = tmp_path / "data", tmp_path / "out"
    with (
        recording_demo() as demo,
        OnionProxy({ONION: ("127.0.0.1", demo.market_port)}, ports=[0, 0]) as proxy,
    ):
        env = armswatch_env(data_dir, {"ARMSWATCH_TOR_PROXY": proxy.url, "ARMSWATCH_EVIDENCE": "0"})
        command = [sys.executable, "-m", "tests.crawl_process", "--photos", str(out)]
        done = subprocess.run(
            [*command, *map(str, _sources(tmp_path, proxy.ports[1]))],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        connections, market_port = proxy.connections, demo.market_port
    listings = {
        name: [Listing.model_validate_json(line) for line in (out / f"{name}.jsonl").open()]
        for name in (STATIC, BROWSER)
    }
    stats = {
        name: json.loads((out / f"{name}.stats.json").read_text()) for name in (STATIC, BROWSER)
    }
    lookups = json.loads((out / "process.json").read_text())["lookups"]
    yield PhotoCrawl(listings, stats, lookups, connections, dict(demo.clients), market_port)


@pytest.mark.parametrize("source", [STATIC, BROWSER])
def test_the_onion_listings_got_their_photos(crawl: PhotoCrawl, source: str) -> None:
    listings = crawl.listings[source]
    assert listings and any(listing.images for listing in listings), crawl.stats[source]
    for listing in listings:
        assert [photo.url for photo in listing.photos] == listing.images[:4]
        for photo in listing.photos:
            assert photo.url.startswith(f"http://{ONION}/img/")
            assert photo.phash and photo.media_type == "image/jpeg"
    stats = crawl.stats[source]
    assert stats["armswatch/photos/responses"] == sum(len(x.photos) for x in listings)
    pages = stats["response_received_count"] - stats["armswatch/photos/responses"]
    assert stats["armswatch/page_budget_refused"] > 0  # the budget was spent on pages
    assert pages == MAX_PAGES[source]


def test_every_connection_to_the_market_came_through_the_proxy(crawl: PhotoCrawl) -> None:
    assert crawl.connections and {c.address_type for c in crawl.connections} == {"domain"}
    assert {c.host for c in crawl.connections} == {ONION}
    upstreams = {c.upstream for c in crawl.connections if c.accepted}
    clients = crawl.clients.get(crawl.market_port, [])
    assert clients and set(clients) <= upstreams, "the market saw a connection not from the proxy"
    assert not any(seen for port, seen in crawl.clients.items() if port != crawl.market_port)


def test_no_onion_name_was_resolved_locally(crawl: PhotoCrawl) -> None:
    assert "localhost" in crawl.lookups, "the look-up recorder did not record"
    assert [name for name in crawl.lookups if name.lower().endswith(".onion")] == []
