"""The demo onion market through the test SOCKS5 proxy, as `armswatch crawl` runs it: the
static and the browser source each log in, hand a CAPTCHA to an analyst who answers it with
`armswatch captcha solve`, and crawl; the market sees no connection but the proxy's, the proxy
sees host names only, and no onion name is resolved on this machine."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image

from armswatch.demo.onion_proxy import OnionProxy, SocksConnection
from armswatch.demo.server import DemoSites
from armswatch.demo.sites.onion import ONION_HOST
from tests.conftest import REPO
from tests.crawlers.challenges.test_onion_crawl import (
    PERSONA_ENV,
    Crawl,
    assert_every_listing_crawled,
    assert_no_credentials_leaked,
    crawl,
    serve,
)


@dataclass
class OverTor:
    sites: DemoSites
    proxy: OnionProxy
    tmp_path: Path
    clients: dict[int, list[tuple[str, int]]] = field(default_factory=dict)

    @property
    def onion_port(self) -> int:
        return int(self.sites.base_urls["onion"].rsplit(":", 1)[1])

    def source(self, name: str, **changes: Any) -> Path:
        definition = yaml.safe_load((REPO / "sources" / f"{name}.yaml").read_text())
        definition["queue"]["wait"] = 0.3
        definition["captcha"]["timeout"] = 90
        definition.update(proxy=self.proxy.urls[0], **changes)
        path = self.tmp_path / name / "sources" / f"{name}.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(yaml.safe_dump(definition))
        return path

    def crawl(self, name: str, **changes: Any) -> Crawl:
        data_dir = self.tmp_path / name / "data"
        return crawl(self.source(name, **changes), data_dir, self.sites, PERSONA_ENV, timeout=240)


@pytest.fixture(scope="module")
def over_tor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OverTor]:
    clients: dict[int, list[tuple[str, int]]] = {}
    lock = threading.Lock()
    original = ThreadingHTTPServer.process_request

    def recording(server: Any, request: Any, client_address: Any) -> None:
        with lock:
            clients.setdefault(server.server_address[1], []).append(tuple(client_address[:2]))
        original(server, request, client_address)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ThreadingHTTPServer, "process_request", recording)
        sites = serve(captcha_every=40)
        try:
            routes = {ONION_HOST: ("127.0.0.1", int(sites.base_urls["onion"].rsplit(":", 1)[1]))}
            with OnionProxy(routes, ports=[0, 0]) as proxy:
                yield OverTor(sites, proxy, tmp_path_factory.mktemp("over-tor"), clients)
        finally:
            sites.stop()


@pytest.fixture(scope="module")
def static_run(over_tor: OverTor) -> Crawl:
    return over_tor.crawl("demo-onion-static")


@pytest.fixture(scope="module")
def browser_run(over_tor: OverTor, static_run: Crawl) -> Crawl:
    browser = {
        "socks_port": over_tor.proxy.ports[1],
        "timeout": 60,
        "actions": [{"wait_for": "main"}],
    }
    limits = {"max_pages": 12, "max_listings": 4, "max_depth": 20, "allowed_domains": [ONION_HOST]}
    return over_tor.crawl("demo-onion", browser=browser, limits=limits)


def test_the_static_source_logs_in_solves_a_captcha_and_crawls_every_listing(
    static_run: Crawl,
) -> None:
    assert_every_listing_crawled(static_run)
    assert static_run.stat("logins") == 1 and static_run.answered
    assert_no_credentials_leaked(static_run)


def test_the_browser_source_logs_in_solves_a_captcha_and_keeps_screenshots(
    browser_run: Crawl, over_tor: OverTor
) -> None:
    assert browser_run.returncode == 0, browser_run.log[-3000:]
    assert browser_run.stat("logins") == 1 and browser_run.answered
    assert len(browser_run.items) >= 1
    for item in browser_run.items:
        screenshot = item["evidence"]["screenshot"]
        with Image.open(screenshot) as image:
            assert image.format == "PNG" and image.height >= 300
    assert_no_credentials_leaked(browser_run)


def test_the_market_saw_only_the_proxy_and_the_proxy_only_names(
    over_tor: OverTor, static_run: Crawl, browser_run: Crawl
) -> None:
    connections: list[SocksConnection] = list(over_tor.proxy.connections)
    assert {(c.host, c.address_type) for c in connections} == {(ONION_HOST, "domain")}
    assert {c.listen_port for c in connections} == set(over_tor.proxy.ports), "both groups used"
    upstreams = {c.upstream for c in connections if c.accepted}
    seen = over_tor.clients.get(over_tor.onion_port, [])
    assert seen and set(seen) <= upstreams, "the market saw a connection not from the proxy"


def test_no_onion_name_was_resolved_locally(static_run: Crawl, browser_run: Crawl) -> None:
    for run in (static_run, browser_run):
        assert "localhost" in run.lookups, "the look-up recorder did not record"
        assert [host for host in run.lookups if host.endswith(".onion")] == []
