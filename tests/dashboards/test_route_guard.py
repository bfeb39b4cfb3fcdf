"""Every route of the dashboard, walked: none answers without a session, none answers a role
below the one it declares, and no unsafe request passes without the session's CSRF token."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI

from dashboards.app import view_routes
from dashboards.roles import Role
from dashboards.security import PUBLIC_PATHS, required_role
from tests.dashboards.conftest import LoggedIn, log_in, make_app

_PARAMETER = re.compile(r"\{[^}]+\}")
SAFE = {"GET", "HEAD"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    return make_app(tmp_path_factory.mktemp("route-guard"))


@pytest.fixture(scope="module")
def sessions(app: FastAPI) -> dict[Role, LoggedIn]:
    return {role: log_in(app, role) for role in Role}


def _routes() -> list[tuple[str, str, Role | None]]:
    """(method, a concrete path, the role the route declares) for every guarded route."""
    walked = []
    for route in view_routes():
        if route.path in PUBLIC_PATHS:
            continue
        for method in sorted(route.methods - {"HEAD"}):
            walked.append((method, _PARAMETER.sub("x", route.path), required_role(route)))
    return walked


def test_every_route_but_the_login_page_declares_a_role(app: FastAPI) -> None:
    routes = _routes()
    assert len(routes) > 10, "the views are not registered"
    undeclared = [(method, path) for method, path, role in routes if role is None]
    assert undeclared == []


def test_no_route_answers_without_a_session(app: FastAPI) -> None:
    from fastapi.testclient import TestClient

    anonymous = TestClient(app, base_url="http://127.0.0.1")
    anonymous.get("/login")  # an anonymous session with a CSRF token, but no account
    answered = {}
    for method, path, _ in _routes():
        status = anonymous.request(method, path, follow_redirects=False).status_code
        expected = 303 if method == "GET" and not path.startswith("/api/") else 401
        if status != expected:
            answered[f"{method} {path}"] = status
    assert answered == {}


def test_no_route_answers_a_lower_role(app: FastAPI, sessions: dict[Role, LoggedIn]) -> None:
    answered = {}
    checked = 0
    for method, path, role in _routes():
        assert role is not None
        for lower in (candidate for candidate in Role if candidate < role):
            session = sessions[lower]
            headers = {} if method in SAFE else {"X-CSRF-Token": session.csrf}
            status = session.client.request(
                method, path, headers=headers, follow_redirects=False
            ).status_code
            checked += 1
            if status != 403:
                answered[f"{lower.name}: {method} {path}"] = status
    assert checked > 0, "no route needs more than the analyst role"
    assert answered == {}


def test_no_unsafe_request_passes_without_the_csrf_token(
    app: FastAPI, sessions: dict[Role, LoggedIn]
) -> None:
    administrator = sessions[Role.administrator]
    unsafe = [(method, path) for method, path, _ in _routes() if method not in SAFE]
    assert unsafe, "no form posts at all"
    passed = {}
    for method, path in unsafe:
        for headers in ({}, {"X-CSRF-Token": "forged"}):
            status = administrator.client.request(
                method, path, headers=headers, data={"csrf_token": "forged"},
                follow_redirects=False,
            ).status_code  # fmt: skip
            if status != 403:
                passed[f"{method} {path} {headers}"] = status
    assert passed == {}
    # the session survives the refusals: the token is still the one the pages carry
    assert administrator.client.get("/search", follow_redirects=False).status_code != 303


def test_the_login_page_is_the_only_route_open_without_a_session(app: FastAPI) -> None:
    open_routes = {route.path for route in view_routes() if required_role(route) is None}
    assert open_routes == set(PUBLIC_PATHS)


def test_a_session_cookie_signed_with_another_key_is_refused(tmp_path: Path) -> None:
    from itsdangerous import TimestampSigner

    app = make_app(tmp_path)
    session = log_in(app, Role.administrator)
    forged = TimestampSigner("not the key").sign(b'{"user": "administrator-1", "epoch": 0}')
    session.client.cookies.set("armswatch_session", forged.decode())
    assert session.client.get("/search", follow_redirects=False).status_code == 303


def test_chromium_is_refused_every_route_without_a_session_or_with_a_lower_role(
    browser: object, dashboard_url: str, page_as: object
) -> None:
    """The same walk through Chromium (Playwright's request context shares the browser's
    cookies) against the real uvicorn server."""
    anonymous = browser.new_context(base_url=dashboard_url)  # type: ignore[attr-defined]
    analyst = page_as(Role.analyst)  # type: ignore[operator]
    csrf = analyst.locator('meta[name="csrf-token"]').get_attribute("content")
    refused: dict[str, int] = {}
    try:
        for method, path, role in _routes():
            answer = anonymous.request.fetch(path, method=method, max_redirects=0)
            expected = 303 if method == "GET" and not path.startswith("/api/") else 401
            if answer.status != expected:
                refused[f"anonymous {method} {path}"] = answer.status
            if role is not None and role > Role.analyst:
                headers = {} if method in SAFE else {"X-CSRF-Token": csrf}
                answer = analyst.request.fetch(
                    path, method=method, headers=headers, max_redirects=0
                )
                if answer.status != 403:
                    refused[f"analyst {method} {path}"] = answer.status
    finally:
        anonymous.close()
    assert refused == {}
