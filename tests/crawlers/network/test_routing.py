"""Routes, isolation credentials, the Scrapy settings and the browser proxy of a source."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from armswatch.settings import AppSettings
from crawlers.network import browser_proxy, network_settings, route_for
from crawlers.network.routing import ProxyRoute
from crawlers.source import Source
from tests.conftest import REPO

APP = AppSettings(
    data_dir=Path("/tmp/armswatch-test"),
    index_url="sqlite:///:memory:",
    sources_dirs=(),
    tor_proxy="socks5h://127.0.0.1:9050",
    i2p_proxy="http://127.0.0.1:4444",
    tor_control="127.0.0.1:9051",
)


def _source(**changes: Any) -> Source:
    definition = yaml.safe_load((REPO / "sources" / "demo-market.yaml").read_text())
    definition.update(changes)
    return Source.model_validate(definition)


def test_tor_goes_through_the_global_socks_proxy_with_isolation_credentials() -> None:
    route = route_for(_source(name="a", network="tor"), APP)
    assert route is not None
    assert route.proxy_url == "socks5h://127.0.0.1:9050"
    assert route.username == "a" and route.password
    assert route.url == f"socks5h://a:{route.password}@127.0.0.1:9050"
    assert route.password not in repr(route)


def test_each_source_and_persona_gets_its_own_credentials() -> None:
    tor = _source(name="a", network="tor")
    routes = [
        route_for(tor, APP),
        route_for(_source(name="b", network="tor"), APP),
        route_for(tor, APP, persona="analyst-1"),
        route_for(tor, APP, persona="analyst-2"),
    ]
    assert len({(r.username, r.password) for r in routes if r is not None}) == 4


def test_a_source_proxy_wins_and_i2p_and_clearnet_route_as_configured() -> None:
    own = _source(network="tor", proxy="socks5h://127.0.0.1:9150")
    assert route_for(own, APP) == ProxyRoute(
        "socks5h://127.0.0.1:9150",
        "demo-market",
        route_for(own, APP).password,  # type: ignore[union-attr]
    )
    assert route_for(_source(network="i2p"), APP) == ProxyRoute("http://127.0.0.1:4444")
    assert route_for(_source(), APP) is None
    clear_proxy = _source(proxy="http://127.0.0.1:3128")
    assert route_for(clear_proxy, APP) == ProxyRoute("http://127.0.0.1:3128")


def test_network_settings_of_a_static_tor_source() -> None:
    settings = network_settings(_source(network="tor"), APP)
    handler = "crawlers.network.proxied_handler.ProxiedDownloadHandler"
    assert settings["DOWNLOAD_HANDLERS"] == {"http": handler, "https": handler}
    assert settings["ARMSWATCH_REQUIRE_PROXY"] is True
    assert settings["ARMSWATCH_PROXY"] == "socks5h://127.0.0.1:9050"
    assert settings["HTTPPROXY_ENABLED"] is False
    middlewares = settings["DOWNLOADER_MIDDLEWARES"]
    assert middlewares["crawlers.network.routing.RoutingMiddleware"] == 750
    assert middlewares["crawlers.network.tor_control.CircuitRenewalMiddleware"] == 560
    assert middlewares["crawlers.middlewares.page_budget.PageBudgetMiddleware"] == 50
    assert settings["DOWNLOAD_TIMEOUT"] == 120.0 and settings["RETRY_TIMES"] == 6
    assert settings["AUTOTHROTTLE_START_DELAY"] >= 5.0


def test_a_source_keeps_its_own_timeout_and_retries() -> None:
    source = _source(network="tor", rate_limit={"timeout": 30, "retries": 1})
    settings = network_settings(source, APP)
    assert "DOWNLOAD_TIMEOUT" not in settings and "RETRY_TIMES" not in settings


def test_a_browser_source_keeps_its_download_handlers_but_is_routed() -> None:
    settings = network_settings(_source(network="tor", render="browser"), APP)
    assert "DOWNLOAD_HANDLERS" not in settings
    assert "crawlers.network.routing.RoutingMiddleware" in settings["DOWNLOADER_MIDDLEWARES"]


def test_a_direct_clearnet_source_needs_no_network_settings() -> None:
    assert network_settings(_source(), APP) == {}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"network": "tor"}, "socks5://127.0.0.1:9050"),
        ({"network": "tor", "browser": {"socks_port": 9152}}, "socks5://127.0.0.1:9152"),
        ({"network": "i2p"}, "http://127.0.0.1:4444"),
        ({}, None),
    ],
)
def test_the_browser_proxy_isolates_by_port(changes: dict[str, Any], expected: str | None) -> None:
    assert browser_proxy(_source(**changes), APP) == expected


def test_the_middleware_routes_every_request_by_source_and_persona() -> None:
    from types import SimpleNamespace

    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from crawlers.network.routing import RoutingMiddleware

    source = _source(name="a", network="tor", persona="analyst-1")
    crawler = get_crawler(settings_dict=network_settings(source, APP))
    crawler.spider = SimpleNamespace(name="a", source=source)  # type: ignore[assignment]
    middleware = RoutingMiddleware.from_crawler(crawler)
    default = Request("http://x.onion/", meta={"proxy": "http://elsewhere:8080"})
    other = Request("http://x.onion/", meta={"persona": "analyst-2"})
    middleware.process_request(default)
    middleware.process_request(other)
    assert default.meta["proxy"] == route_for(source, APP).url  # type: ignore[union-attr]
    assert default.meta["proxy"].startswith("socks5h://a%2Fanalyst-1:")
    assert other.meta["proxy"].startswith("socks5h://a%2Fanalyst-2:")
