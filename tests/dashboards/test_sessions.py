"""Logging in and out, CSRF, rate limiting, sessions ended by account changes, the audit trail
of logins."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from dashboards.accounts import AccountStore
from dashboards.audit import AuditLog
from dashboards.roles import Role
from tests.dashboards.conftest import PASSWORD, USERS, LoggedIn, make_app

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _token(client: TestClient) -> str:
    found = _CSRF.search(client.get("/login").text)
    assert found
    return found[1]


def test_a_page_without_a_session_redirects_to_the_login_page(tmp_path: Path) -> None:
    client = TestClient(make_app(tmp_path))
    answer = client.get("/search?q=glock", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fsearch%3Fq%3Dglock"


def test_login_without_its_csrf_token_is_refused(tmp_path: Path) -> None:
    client = TestClient(make_app(tmp_path))
    client.get("/login")
    answer = client.post("/login", data={"username": USERS[Role.analyst], "password": PASSWORD})
    assert answer.status_code == 403
    assert "session" not in str(client.get("/search", follow_redirects=False).headers)


def test_login_goes_to_the_page_asked_for_but_never_off_site(tmp_path: Path) -> None:
    client = TestClient(make_app(tmp_path))
    form = {"username": USERS[Role.analyst], "password": PASSWORD, "csrf_token": _token(client)}
    answer = client.post(
        "/login", data={**form, "next": "//evil.example/x"}, follow_redirects=False
    )
    assert answer.headers["location"] == "/search"
    client = TestClient(make_app(tmp_path))
    form["csrf_token"] = _token(client)
    answer = client.post("/login", data={**form, "next": "/alerts"}, follow_redirects=False)
    assert answer.headers["location"] == "/alerts"


def test_repeated_failed_logins_are_locked_out_even_with_the_right_password(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    client = TestClient(app)
    token = _token(client)
    wrong = {"username": USERS[Role.analyst], "password": "not it at all", "csrf_token": token}
    statuses = [client.post("/login", data=wrong).status_code for _ in range(5)]
    assert statuses == [401] * 5
    right = {**wrong, "password": PASSWORD}
    locked = client.post("/login", data=right, follow_redirects=False)
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    actions = [entry.action for entry in AuditLog(tmp_path / "audit.db").entries()]
    assert actions.count("login.failed") == 5 and "login.locked" in actions


def test_a_password_change_or_disabling_ends_open_sessions(
    tmp_path: Path, client_as: Callable[[Role], LoggedIn]
) -> None:
    app = make_app(tmp_path)
    from tests.dashboards.conftest import log_in

    session = log_in(app, Role.analyst)
    assert session.client.get("/search", follow_redirects=False).status_code != 303
    accounts = AccountStore(tmp_path / "dashboard.db")
    accounts.set_password(USERS[Role.analyst], "another long password")
    assert session.client.get("/search", follow_redirects=False).status_code == 303
    accounts.set_password(USERS[Role.analyst], PASSWORD)
    session = log_in(app, Role.analyst)
    accounts.set_disabled(USERS[Role.analyst], True)
    assert session.client.get("/search", follow_redirects=False).status_code == 303


def test_logout_needs_the_csrf_token_and_ends_the_session(tmp_path: Path) -> None:
    from tests.dashboards.conftest import log_in

    session = log_in(make_app(tmp_path), Role.analyst)
    assert session.client.post("/logout", follow_redirects=False).status_code == 403
    done = session.client.post("/logout", data={"csrf_token": session.csrf}, follow_redirects=False)
    assert done.status_code == 303
    assert session.client.get("/search", follow_redirects=False).status_code == 303
    entries = AuditLog(tmp_path / "audit.db").entries()
    actions = [entry.action for entry in entries if entry.action.startswith("log")]
    assert actions[:2] == ["logout", "login"]


def test_every_answer_carries_the_security_headers(tmp_path: Path) -> None:
    from tests.dashboards.conftest import log_in

    session = log_in(make_app(tmp_path), Role.analyst)
    anonymous = TestClient(make_app(tmp_path))
    for answer in (
        anonymous.get("/search", follow_redirects=False),
        anonymous.get("/login"),
        session.client.get("/no-such-page"),
    ):
        assert "script-src 'self'" in answer.headers["content-security-policy"]
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["cache-control"] == "no-store"


def test_session_cookies_are_httponly_and_strict(tmp_path: Path) -> None:
    client = TestClient(make_app(tmp_path))
    cookie = client.get("/login").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
