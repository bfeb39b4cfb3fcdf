"""`crawl_settings` switches evidence capture on (or off with `ARMSWATCH_EVIDENCE=0`) and puts
the evidence middleware where it sees every response decoded, before anything replaces it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from scrapy.utils.conf import build_component_list

from armswatch.crawl import crawl_settings
from armswatch.settings import AppSettings
from crawlers.browser.limits import BOUNDED as BROWSER_BOUNDED
from crawlers.browser.limits import PageLimits
from crawlers.evidence.middleware import EVIDENCE_DIR, MIDDLEWARE
from crawlers.source import Source
from tests.conftest import REPO

# Scrapy's, counting what they refuse (crawlers.safety)
HTTP_COMPRESSION = "crawlers.safety.downloads.CappedCompressionMiddleware"
REDIRECT = "crawlers.safety.downloads.LoopAwareRedirectMiddleware"
CHARSET = "crawlers.safety.charsets.CharsetMiddleware"
META_REFRESH = "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware"
RETRY = "scrapy.downloadermiddlewares.retry.RetryMiddleware"
CHALLENGES = "crawlers.challenges.middleware.ChallengeMiddleware"


def source(name: str) -> Source:
    return Source.model_validate(yaml.safe_load((REPO / "sources" / f"{name}.yaml").read_text()))


def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> AppSettings:
    monkeypatch.setenv("ARMSWATCH_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("ARMSWATCH_EVIDENCE", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return AppSettings.from_env()


@pytest.mark.parametrize("name", ["demo-market", "demo-onion"])  # static clearnet; browser, tor
def test_evidence_is_captured_into_the_data_dir(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = crawl_settings(source(name), app(tmp_path, monkeypatch))
    assert settings.get(EVIDENCE_DIR) == str(tmp_path / "data" / "evidence")
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert MIDDLEWARE in middlewares
    assert "crawlers.middlewares.page_budget.PageBudgetMiddleware" in middlewares  # merged


def test_evidence_zero_crawls_without_capture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = crawl_settings(
        source("demo-market"), app(tmp_path, monkeypatch, ARMSWATCH_EVIDENCE="0")
    )
    assert not settings.get(EVIDENCE_DIR)  # the middleware is NotConfigured


def test_responses_reach_the_evidence_middleware_decoded_and_before_they_are_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = crawl_settings(source("demo-onion"), app(tmp_path, monkeypatch))
    # process_response runs in reverse: from the downloader's end to the engine's
    chain = list(reversed(build_component_list(settings.getwithbase("DOWNLOADER_MIDDLEWARES"))))
    at = chain.index
    assert at(REDIRECT) < at(HTTP_COMPRESSION) < at(MIDDLEWARE) < at(CHARSET)
    assert at(MIDDLEWARE) < at(CHALLENGES) < at(META_REFRESH) < at(RETRY)


@pytest.mark.parametrize(("safety", "bounded"), [("1", True), ("0", False)])
def test_the_safety_switch_reaches_the_browser_page_bounds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, safety: str, bounded: bool
) -> None:
    settings = crawl_settings(
        source("demo-hostile-browser"), app(tmp_path, monkeypatch, ARMSWATCH_SAFETY=safety)
    )
    assert settings.getbool(BROWSER_BOUNDED, True) is bounded
    assert PageLimits.from_settings(settings).max_rendered_bytes == 4 * 1024 * 1024
