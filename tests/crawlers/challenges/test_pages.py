"""Reading challenge pages, filling their forms, saved sessions and the crawl settings."""

from __future__ import annotations

import base64
import stat
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from scrapy.http import HtmlResponse, Request, Response
from scrapy.settings import Settings

from armswatch.crawl import crawl_settings
from armswatch.demo.sites import onion_pages
from armswatch.settings import AppSettings
from crawlers.challenges import sessions as saved
from crawlers.challenges.config import ChallengeConfig, apply_challenge_settings, challenge_settings
from crawlers.challenges.pages import (
    AccessError,
    captcha_image_url,
    captcha_request,
    decode_data_url,
    login_form_shown,
    login_request,
    original_url,
    present,
    redirected_to_login,
    redirects_to_login,
)
from crawlers.middlewares.offline_cookies import is_public_suffix
from crawlers.personas import Credentials
from crawlers.source_loader import load_source
from tests.conftest import REPO

BASE = "http://127.0.0.1:8304"
SOURCE = load_source(REPO / "sources" / "demo-onion-static.yaml")
LOGIN = SOURCE.login.model_copy(update={"url": f"{BASE}/login"})  # type: ignore[union-attr]
CREDENTIALS = Credentials("demo-analyst", "analyst7", "s3cret-pass")


def _page(body: bytes, url: str = f"{BASE}/", **meta: object) -> HtmlResponse:
    return HtmlResponse(url, body=body, request=Request(url, meta=meta))


def _form(request: Request) -> dict[str, str]:
    return dict(parse_qsl(request.body.decode()))


def test_the_login_form_is_filled_from_its_input_names() -> None:
    page = _page(onion_pages.login_page().body, f"{BASE}/login")
    assert login_form_shown(LOGIN, page) and not present(LOGIN.success, page)
    request = login_request(page, LOGIN, CREDENTIALS)
    assert (request.method, request.url) == ("POST", f"{BASE}/login")
    assert _form(request) == {"username": "analyst7", "password": "s3cret-pass", "action": "login"}


def test_a_page_without_the_login_inputs_is_a_clear_error() -> None:
    page = _page(b"<html><body><form><input name=q></form></body></html>")
    with pytest.raises(AccessError, match=r"username_field .* matched nothing"):
        login_request(page, LOGIN, CREDENTIALS)


def test_the_captcha_form_keeps_its_hidden_fields() -> None:
    body = onion_pages.captcha_page("0123456789ab", "/listing/7", user="demo-analyst").body
    page = _page(body, f"{BASE}/listing/7")
    captcha = SOURCE.captcha
    assert captcha is not None and present(captcha.detect, page)
    assert not login_form_shown(LOGIN, page) and present(LOGIN.success, page)
    assert captcha_image_url(page, captcha) == f"{BASE}/captcha/0123456789ab.png"
    request = captcha_request(page, captcha, "AB3CD")
    assert request.url == f"{BASE}/captcha"
    assert _form(request) == {"challenge": "0123456789ab", "next": "/listing/7", "answer": "AB3CD"}


def test_queue_pages_are_recognised() -> None:
    page = _page(onion_pages.queue_page(5).body)
    assert SOURCE.queue is not None and present(SOURCE.queue.detect, page)
    assert not login_form_shown(LOGIN, page)


def test_redirects_to_the_login_page_are_recognised() -> None:
    redirect = Response(f"{BASE}/listing/7", status=302, headers={"Location": "/login"})
    assert redirects_to_login(LOGIN, redirect)
    elsewhere = Response(f"{BASE}/listing/7", status=302, headers={"Location": "/listing/8"})
    assert not redirects_to_login(LOGIN, elsewhere)
    followed = Request(f"{BASE}/login", meta={"redirect_urls": [f"{BASE}/listing/7"]})
    landed = HtmlResponse(f"{BASE}/login", body=b"<html></html>", request=followed)
    assert redirected_to_login(LOGIN, followed, landed)
    assert original_url(followed) == f"{BASE}/listing/7"


def test_inline_captcha_images_are_decoded() -> None:
    png = b"\x89PNG\r\n\x1a\nfake"
    url = "data:image/png;base64," + base64.b64encode(png).decode()
    assert decode_data_url(url) == png
    with pytest.raises(AccessError):
        decode_data_url("data:nonsense")


def test_sessions_round_trip_with_mode_600(tmp_path: Path) -> None:
    from http.cookiejar import Cookie

    jar = CookieJar()
    jar.set_cookie(Cookie(0, "vsid", "token-1", None, False, "127.0.0.1", False, False, "/",
                          True, False, None, True, None, None, {"HttpOnly": None}))  # fmt: skip
    path = tmp_path / "sessions" / "demo-onion" / "demo-analyst.cookies.json"
    assert saved.save_cookies(jar, path) == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = CookieJar()
    assert saved.load_cookies(loaded, path) == 1
    (cookie,) = list(loaded)
    assert (cookie.name, cookie.value, cookie.domain) == ("vsid", "token-1", "127.0.0.1")
    assert saved.load_cookies(CookieJar(), tmp_path / "missing.json") == 0
    saved.forget(path)
    assert not path.exists()


def test_cookie_domains_are_checked_offline() -> None:
    assert is_public_suffix("co.uk") and is_public_suffix("onion")
    assert not is_public_suffix("obca7v6d3lslxro3gvg7bamsf6uhvn7tdkgyakozx7bxldhozxwxqryd.onion")


def test_challenge_settings_add_middlewares_without_dropping_others(tmp_path: Path) -> None:
    app = AppSettings(data_dir=tmp_path, index_url="sqlite:///x.db", sources_dirs=())
    settings = crawl_settings(SOURCE, app)
    before = settings.getdict("DOWNLOADER_MIDDLEWARES")
    apply_challenge_settings(settings, SOURCE, app)
    after = settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert before.items() <= after.items()
    assert after["crawlers.challenges.middleware.ChallengeMiddleware"] == 585
    assert after["scrapy.downloadermiddlewares.cookies.CookiesMiddleware"] is None
    config = ChallengeConfig.from_settings(settings)
    assert config is not None and config.sessions_dir == app.sessions_dir
    assert config.captcha_db == app.captcha_db and config.secrets_file is None
    plain = load_source(REPO / "sources" / "demo-market.yaml")
    assert challenge_settings(plain, app) == {}
    assert ChallengeConfig.from_settings(Settings()) is None
