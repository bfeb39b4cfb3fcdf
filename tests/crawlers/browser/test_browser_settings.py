"""Browser settings without a browser: launch flags, proxy, host guard, request meta."""

from __future__ import annotations

import base64
import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from scrapy_playwright.page import PageMethod

from armswatch.settings import AppSettings
from crawlers.browser.actions import browser_meta
from crawlers.browser.capture import capped_screenshot
from crawlers.browser.guard import HostGuard
from crawlers.browser.settings import NOWHERE, browser_settings, launch_options
from crawlers.source import Source
from tests.conftest import REPO

APP = AppSettings(data_dir=Path("/data"), index_url="sqlite:///:memory:", sources_dirs=())


def _source(**changes: Any) -> Source:
    definition = yaml.safe_load((REPO / "sources" / "demo-market.yaml").read_text())
    definition.update(render="browser", **changes)
    return Source.model_validate(definition)


def _pac(args: list[str]) -> str:
    url = _flag(args, "--proxy-pac-url") or ""
    assert url.startswith("data:application/x-ns-proxy-autoconfig;base64,")
    return base64.b64decode(url.split(",", 1)[1]).decode()


def _flag(args: list[str], name: str) -> str | None:
    return next((arg.split("=", 1)[1] for arg in args if arg.startswith(name + "=")), None)


def test_a_proxy_routes_everything_and_no_name_is_resolved_locally() -> None:
    options = browser_settings(_source(), APP, "socks5://127.0.0.1:9150")
    launch = options["PLAYWRIGHT_LAUNCH_OPTIONS"]
    assert "proxy" not in launch, "a PAC script routes instead of --proxy-server"
    pac = _pac(launch["args"])
    assert "SOCKS5 127.0.0.1:9150" in pac and '["127.0.0.1"]' in pac
    assert "DIRECT" not in pac and "dnsResolve" not in pac and NOWHERE in pac
    rules = _flag(launch["args"], "--host-resolver-rules")
    assert rules == "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"
    assert launch["executable_path"] == "/usr/bin/chromium" and launch["headless"] is True


def test_leak_flags_are_always_set() -> None:
    args = launch_options("/usr/bin/chromium")["args"]
    assert _flag(args, "--force-webrtc-ip-handling-policy") == "disable_non_proxied_udp"
    assert _flag(args, "--webrtc-ip-handling-policy") == "disable_non_proxied_udp"
    assert "--dns-prefetch-disable" in args and "--no-sandbox" in args
    features = [arg for arg in args if arg.startswith("--disable-features=")]
    assert len(features) == 1, "the last --disable-features wins: only one"
    disabled = set(_flag(features, "--disable-features").split(","))  # type: ignore[union-attr]
    assert {"NetworkPrediction", "Translate", "MediaRouter", "OptimizationHints"} <= disabled
    assert {"HttpsUpgrades", "PaintHolding"} <= disabled, "Playwright's own list is kept"


def test_no_proxy_no_proxy_flags() -> None:
    launch = browser_settings(_source(), APP)["PLAYWRIGHT_LAUNCH_OPTIONS"]
    assert "proxy" not in launch
    assert _flag(launch["args"], "--host-resolver-rules") is None
    assert _flag(launch["args"], "--proxy-pac-url") is None


def test_context_follows_the_source() -> None:
    settings = browser_settings(_source(browser={"javascript": False, "timeout": 12}), APP)
    context = settings["PLAYWRIGHT_CONTEXTS"]["default"]
    assert context["java_script_enabled"] is False and context["service_workers"] == "block"
    assert context["user_agent"].startswith("Mozilla/5.0")
    assert settings["PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT"] == 12_000
    assert settings["ARMSWATCH_SCREENSHOTS_DIR"] == "/data/screenshots"
    assert settings["PLAYWRIGHT_MAX_CONTEXTS"] == 1 and settings["CONCURRENT_REQUESTS"] <= 2


@pytest.mark.parametrize(
    ("url", "blocked"),
    [
        ("http://127.0.0.1:8301/listing/1", False),
        ("http://sub.market.onion/x", False),
        ("data:image/png;base64,AAAA", False),
        ("blob:http://127.0.0.1/1234", False),
        ("http://127.0.0.2/x.png", True),
        ("http://localhost:8301/", True),
        ("https://clients2.google.com/update", True),
        ("ws://evil.example/socket", True),
        ("file:///etc/passwd", True),
    ],
)
def test_host_guard(url: str, blocked: bool) -> None:
    guard = copy.deepcopy(HostGuard("demo", ["127.0.0.1", "market.onion"]))
    assert guard.check(url) is blocked
    assert sum(guard.blocked.values()) == int(blocked)


def test_browser_meta_builds_actions_and_a_screenshot_on_detail_pages() -> None:
    actions = [
        {"wait_for": "table.listings"},
        {"scroll": True, "wait_ms": 300},
        {"click": "a.more", "times": 2},
    ]
    source = _source(browser={"actions": actions})
    index, detail = browser_meta(source), browser_meta(source, detail=True)
    assert index["playwright"] is True
    methods = index["playwright_page_methods"]
    assert [m.method if isinstance(m.method, str) else m.method.__name__ for m in methods] == [
        "wait_for_selector",
        "scroll_to_bottom",
        "wait_for_timeout",
        "click_times",
    ]
    shot = detail["playwright_page_methods"][-1]
    assert isinstance(shot, PageMethod) and shot.method is capped_screenshot
    assert shot.args == (source.browser.max_screenshot_height, source.browser.timeout * 1000)
    assert not set(map(id, methods)) & set(map(id, browser_meta(source)["playwright_page_methods"]))
    no_shots = _source(browser={"screenshot": False})
    assert browser_meta(no_shots, detail=True)["playwright_page_methods"] == []
