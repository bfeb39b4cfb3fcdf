"""Dashboard fixtures: the app over a data directory, clients logged in with each role, and a
real server (uvicorn on 127.0.0.1) driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from armswatch.dashboard_services import dashboard_config, dashboard_services
from armswatch.settings import AppSettings
from dashboards.accounts import AccountStore
from dashboards.app import create_app
from dashboards.roles import Role

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
USERS = {role: f"{role.name}-1" for role in Role}  # one account per role
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--no-proxy-server",
]  # fmt: skip
# screenshots of the main pages, for people to review (kept after the run)
SCREENSHOTS = REPO / ".cache" / "dashboard-screenshots"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def app_settings(
    data_dir: Path, index_url: str | None = None, rules_dir: Path | None = None
) -> AppSettings:
    return AppSettings(
        data_dir=data_dir,
        index_url=index_url or f"sqlite:///{data_dir / 'armswatch.db'}",
        sources_dirs=(REPO / "sources",),
        rules_dir=rules_dir or REPO / "rules",
        reports_dir=REPO / "reports",
    )


def make_app(
    data_dir: Path, index_url: str | None = None, rules_dir: Path | None = None
) -> FastAPI:
    """The dashboard over `data_dir` (and the repository's rule pack, or `rules_dir`), with one
    account per role (password `PASSWORD`)."""
    settings = app_settings(data_dir, index_url, rules_dir)
    config = dashboard_config(settings)
    accounts = AccountStore(config.accounts_db)
    for role, username in USERS.items():
        if accounts.get(username) is None:
            accounts.add(username, role, PASSWORD)
    return create_app(config, dashboard_services(settings))


@dataclass
class LoggedIn:
    """A client with a live session: `csrf` is the token its forms must send."""

    client: TestClient
    csrf: str
    username: str


def log_in(app: FastAPI, role: Role) -> LoggedIn:
    client = TestClient(app, base_url="http://127.0.0.1")
    token = _CSRF.search(client.get("/login").text)
    assert token, "the login page has no CSRF token"
    done = client.post(
        "/login",
        data={"username": USERS[role], "password": PASSWORD, "csrf_token": token[1]},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    page = client.get("/search")
    fresh = _CSRF.search(page.text) or token
    return LoggedIn(client, fresh[1], USERS[role])


@pytest.fixture
def client_as(tmp_path: Path) -> Callable[[Role], LoggedIn]:
    """Log in with a role on a dashboard over an empty data directory."""
    app = make_app(tmp_path)
    return lambda role: log_in(app, role)


# the dashboard's own files: a copy starts with no accounts and an empty audit trail, whatever
# the tests over the shared demo data recorded there
_DASHBOARD_FILES = shutil.ignore_patterns("audit.db*", "dashboard.db*", "dashboard-secret")


def copy_demo_data(demo_data: Path, target: Path, *left_out: str) -> Path:
    """A copy of the demo crawl's data directory for a test that writes (the shared one is
    never written), without the dashboard's own files and the `left_out` patterns."""
    extra = shutil.ignore_patterns(*left_out)

    def ignored(directory: str, names: list[str]) -> set[str]:
        return set(_DASHBOARD_FILES(directory, names)) | set(extra(directory, names))

    return Path(shutil.copytree(demo_data, target, ignore=ignored))


@pytest.fixture(scope="session")
def demo_app(demo_data: Path) -> FastAPI:
    """The dashboard over the session's demo crawl."""
    return make_app(demo_data)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def browser_data(demo_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo crawl for the browser tests, which triage alerts, answer CAPTCHAs and
    add accounts: what they write never reaches the session's shared demo data."""
    return copy_demo_data(demo_data, tmp_path_factory.mktemp("browser") / "data")


@pytest.fixture(scope="session")
def browser_app(browser_data: Path) -> FastAPI:
    """The dashboard the browser tests drive, over `browser_data`."""
    return make_app(browser_data)


@pytest.fixture(scope="session")
def dashboard_url(browser_app: FastAPI) -> Iterator[str]:
    """A real uvicorn server of the demo dashboard (over `browser_data`) on 127.0.0.1."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(browser_app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the dashboard did not start within 30 s"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium through Playwright."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "Debian's chromium is missing: `make install` installs it"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page_as(browser: object, dashboard_url: str) -> Iterator[Callable[[Role], object]]:
    """A browser page logged in to the demo dashboard with a role."""
    contexts = []

    def open_page(role: Role) -> object:
        context = browser.new_context(base_url=dashboard_url)  # type: ignore[attr-defined]
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.fill("input[name=username]", USERS[role])
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/search**")
        return page

    yield open_page
    for context in contexts:
        context.close()


def save_screenshot(page: object, name: str) -> Path:
    """A full-page screenshot kept under `.cache/dashboard-screenshots/` for review."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
