"""The pieces of the browser page bounds that need no browser: limits, verdicts, cuts."""

from __future__ import annotations

import pytest
from playwright.async_api import Error as PlaywrightError
from scrapy.settings import Settings

from crawlers.access import BrowserOptions
from crawlers.browser.bounded import network_anomaly
from crawlers.browser.capture import Screenshot, cut_html
from crawlers.browser.document_size import Oversize
from crawlers.browser.limits import LIMITS, PageLimits


def test_limits_come_from_the_source_and_never_exceed_the_download_cap() -> None:
    options = BrowserOptions(timeout=12, max_rendered_bytes=900_000, max_screenshot_height=800)
    limits = PageLimits.from_options(options)
    assert limits.budget == 24
    settings = Settings({LIMITS: limits.as_setting(), "DOWNLOAD_MAXSIZE": 100_000})
    assert PageLimits.from_settings(settings).max_rendered_bytes == 100_000
    unlimited = Settings({LIMITS: limits.as_setting(), "DOWNLOAD_MAXSIZE": 0})
    assert PageLimits.from_settings(unlimited) == limits


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("Page.goto: net::ERR_TOO_MANY_REDIRECTS at http://x/", "redirect_limit"),
        ("Page.goto: net::ERR_CONNECTION_RESET at http://x/", "connection_reset"),
        ("Page.goto: net::ERR_EMPTY_RESPONSE at http://x/", "connection_reset"),
        ("Page.goto: net::ERR_TIMED_OUT at http://x/", "timeout"),
        ("Page.goto: net::ERR_NAME_NOT_RESOLVED at http://x/", None),
    ],
)
def test_chromium_network_errors_map_to_the_static_crawls_anomalies(
    message: str, kind: str | None
) -> None:
    assert network_anomaly(PlaywrightError(message)) == kind
    assert network_anomaly(ValueError(message)) is None


def test_an_oversized_document_is_a_bomb_only_when_the_server_compressed_it() -> None:
    bomb = Oversize("http://x/b", received=6_000_000, encoded=9_000, content_encoding="br")
    assert bomb.kind == "decompression_bomb"
    assert "9000 bytes on the wire" in bomb.detail(5_000_000) and "(br)" in bomb.detail(5)
    large = Oversize("http://x/l", received=6_000_000, encoded=0, content_encoding="")
    assert large.kind == "download_too_large"


def test_html_is_cut_on_a_character_boundary() -> None:
    body = ("ж" * 10).encode()  # two bytes each
    assert cut_html(body, "utf-8", 100) is None
    cut = cut_html(body, "utf-8", 5)
    assert cut == ("ж" * 2).encode()


def test_a_screenshot_is_cut_when_smaller_than_the_page() -> None:
    assert not Screenshot(b"", 1280, 900, 1280, 900).cut
    assert Screenshot(b"", 1280, 90_000, 1280, 10_000).cut
