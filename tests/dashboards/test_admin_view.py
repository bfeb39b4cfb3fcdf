"""The administration pages: account changes (audited, ending the changed account's sessions,
no self lock-out), administrators only, the audit trail page, its CSV export and chain check."""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from dashboards.accounts import AccountStore
from dashboards.audit import COLUMNS, AuditLog
from dashboards.roles import Role
from tests.dashboards.conftest import PASSWORD, USERS, LoggedIn, log_in, make_app

NEW_PASSWORD = "a brand new long passphrase"
ADMIN_ROUTES = [
    ("GET", "/admin/users"),
    ("POST", "/admin/users"),
    ("POST", f"/admin/users/{USERS[Role.analyst]}/role"),
    ("POST", f"/admin/users/{USERS[Role.analyst]}/password"),
    ("POST", f"/admin/users/{USERS[Role.analyst]}/disable"),
    ("POST", f"/admin/users/{USERS[Role.analyst]}/enable"),
    ("GET", "/admin/audit"),
    ("GET", "/admin/audit/export.csv"),
]


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return make_app(tmp_path)


@pytest.fixture
def admin(app: FastAPI) -> LoggedIn:
    return log_in(app, Role.administrator)


def _post(session: LoggedIn, path: str, **form: str) -> Response:
    data = {"csrf_token": session.csrf, **form}
    return session.client.post(path, data=data, follow_redirects=False)


def _is_logged_out(session: LoggedIn) -> bool:
    return session.client.get("/search", follow_redirects=False).status_code == 303


def _can_log_in(app: FastAPI, username: str, password: str) -> bool:
    client = TestClient(app, base_url="http://127.0.0.1")
    page = client.get("/login").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"username": username, "password": password, "csrf_token": token}
    return client.post("/login", data=form, follow_redirects=False).status_code == 303


def _actions(data_dir: Path) -> list[tuple[str, str, dict[str, object]]]:
    entries = AuditLog(data_dir / "audit.db").entries(limit=None, newest_first=False)
    return [(entry.action, entry.target, entry.detail) for entry in entries]


def test_an_administrator_adds_an_account_that_can_log_in(
    app: FastAPI, admin: LoggedIn, tmp_path: Path
) -> None:
    done = _post(admin, "/admin/users", username="new.analyst", role="supervisor",
                 password=NEW_PASSWORD)  # fmt: skip
    assert done.status_code == 303
    page = admin.client.get("/admin/users").text
    assert "Added new.analyst (supervisor)." in page and 'data-username="new.analyst"' in page
    account = AccountStore(tmp_path / "dashboard.db").get("new.analyst")
    assert account is not None and account.role == Role.supervisor
    assert _can_log_in(app, "new.analyst", NEW_PASSWORD)
    assert ("account.add", "new.analyst", {"role": "supervisor"}) in _actions(tmp_path)


def test_an_unusable_account_is_refused_with_the_reason(admin: LoggedIn, tmp_path: Path) -> None:
    short = _post(admin, "/admin/users", username="shorty", role="analyst", password="short")
    assert short.status_code == 400
    assert "too short" in short.text
    taken = _post(admin, "/admin/users", username=USERS[Role.analyst], role="analyst",
                  password=NEW_PASSWORD)  # fmt: skip
    assert taken.status_code == 400 and "exists already" in taken.text
    bad_role = _post(admin, "/admin/users", username="x1", role="root", password=NEW_PASSWORD)
    assert bad_role.status_code == 400
    assert AccountStore(tmp_path / "dashboard.db").get("shorty") is None
    assert not [a for a, _, _ in _actions(tmp_path) if a == "account.add"]


def test_a_role_change_ends_the_sessions_of_the_changed_account(
    app: FastAPI, admin: LoggedIn, tmp_path: Path
) -> None:
    analyst = log_in(app, Role.analyst)
    assert not _is_logged_out(analyst)
    done = _post(admin, f"/admin/users/{analyst.username}/role", role="supervisor")
    assert done.status_code == 303
    assert _is_logged_out(analyst)
    account = AccountStore(tmp_path / "dashboard.db").get(analyst.username)
    assert account is not None and account.role == Role.supervisor
    expected = ("account.role", analyst.username, {"role": "supervisor", "previous": "analyst"})
    assert expected in _actions(tmp_path)
    assert not _is_logged_out(admin)


def test_a_password_reset_ends_sessions_and_is_never_recorded(
    app: FastAPI, admin: LoggedIn, tmp_path: Path
) -> None:
    analyst = log_in(app, Role.analyst)
    done = _post(admin, f"/admin/users/{analyst.username}/password", password=NEW_PASSWORD)
    assert done.status_code == 303
    assert _is_logged_out(analyst)
    assert _can_log_in(app, analyst.username, NEW_PASSWORD)
    assert not _can_log_in(app, analyst.username, PASSWORD)
    assert ("account.passwd", analyst.username, {}) in _actions(tmp_path)
    for path in (tmp_path / "audit.db", tmp_path / "dashboard.db"):
        assert NEW_PASSWORD.encode() not in path.read_bytes()
    assert NEW_PASSWORD not in admin.client.get("/admin/audit").text


def test_disabling_ends_sessions_and_refuses_logins_until_enabled(
    app: FastAPI, admin: LoggedIn, tmp_path: Path
) -> None:
    analyst = log_in(app, Role.analyst)
    assert _post(admin, f"/admin/users/{analyst.username}/disable").status_code == 303
    assert _is_logged_out(analyst)
    assert not _can_log_in(app, analyst.username, PASSWORD)
    assert _post(admin, f"/admin/users/{analyst.username}/enable").status_code == 303
    assert _can_log_in(app, analyst.username, PASSWORD)
    actions = [(action, target) for action, target, _ in _actions(tmp_path)]
    assert actions.index(("account.disable", analyst.username)) < actions.index(
        ("account.enable", analyst.username)
    )


def test_an_administrator_cannot_lock_themselves_out(admin: LoggedIn, tmp_path: Path) -> None:
    me = admin.username
    disabled = _post(admin, f"/admin/users/{me}/disable")
    assert disabled.status_code == 400
    assert "own account" in disabled.text
    demoted = _post(admin, f"/admin/users/{me}/role", role="analyst")
    assert demoted.status_code == 400
    account = AccountStore(tmp_path / "dashboard.db").get(me)
    assert account is not None and not account.disabled and account.role == Role.administrator
    assert not _is_logged_out(admin)
    changes = [a for a, _, _ in _actions(tmp_path) if a.startswith("account.")]
    assert changes == []


def test_resetting_ones_own_password_keeps_ones_own_session(app: FastAPI, admin: LoggedIn) -> None:
    done = _post(admin, f"/admin/users/{admin.username}/password", password=NEW_PASSWORD)
    assert done.status_code == 303
    assert not _is_logged_out(admin)
    assert _can_log_in(app, admin.username, NEW_PASSWORD)


def test_changing_an_unknown_account_is_a_404(admin: LoggedIn) -> None:
    for action, form in (("role", {"role": "analyst"}), ("disable", {}), ("enable", {})):
        assert _post(admin, f"/admin/users/nobody/{action}", **form).status_code == 404


@pytest.mark.parametrize("role", [Role.analyst, Role.supervisor])
def test_lower_roles_get_403_on_every_admin_route(app: FastAPI, role: Role, tmp_path: Path) -> None:
    session = log_in(app, role)
    form = {"csrf_token": session.csrf, "username": "intruder", "role": "administrator",
            "password": NEW_PASSWORD}  # fmt: skip
    for method, path in ADMIN_ROUTES:
        answer = session.client.request(method, path, data=form if method == "POST" else None)
        assert answer.status_code == 403, (method, path)
    assert AccountStore(tmp_path / "dashboard.db").get("intruder") is None
    analyst = AccountStore(tmp_path / "dashboard.db").get(USERS[Role.analyst])
    assert analyst is not None and analyst.role == Role.analyst and not analyst.disabled


def test_account_changes_need_the_csrf_token(admin: LoggedIn, tmp_path: Path) -> None:
    form = {"username": "sneaky", "role": "administrator", "password": NEW_PASSWORD}
    answer = admin.client.post("/admin/users", data=form)
    assert answer.status_code == 403
    assert AccountStore(tmp_path / "dashboard.db").get("sneaky") is None


def test_the_audit_page_shows_filters_and_pages_entries(admin: LoggedIn, tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.db")
    for number in range(60):
        log.record("someone-else", "probe.run", f"query {number}", "10.0.0.9", hits=number)
    page = admin.client.get("/admin/audit").text
    assert "The chain holds" in page
    assert "query 59" in page and "query 0" not in page  # newest first, 50 a page
    older = admin.client.get("/admin/audit?page=2").text
    assert "query 0" in older
    mine = admin.client.get(f"/admin/audit?username={admin.username}").text
    assert "someone-else" not in mine and f"<td>{admin.username}</td>" in mine
    probes = admin.client.get("/admin/audit?action=probe.run").text
    assert "60 matching entries" in probes and "<code>login</code>" not in probes
    assert ("audit.view", "", {"filter_action": "probe.run", "page": 1}) in _actions(tmp_path)


def test_the_csv_export_holds_every_entry_oldest_first(admin: LoggedIn, tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.db")
    log.record('=HYPERLINK("http://x")', "login.failed", "=cmd", "10.0.0.9")
    for number in range(1100):  # more than one export batch
        log.record("someone-else", "search", f"query {number}", "10.0.0.9")
    answer = admin.client.get("/admin/audit/export.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert tuple(rows[0]) == COLUMNS
    stored = log.entries(limit=None, newest_first=False)
    assert [row[0] for row in rows[1:]] == [str(entry.seq) for entry in stored]
    assert [row[-1] for row in rows[1:]] == [entry.hash for entry in stored]
    assert stored[-1].action == "audit.export"
    hostile = next(row for row in rows if row[3] == "login.failed" and row[4] == "'=cmd")
    assert hostile[2].startswith("'=")  # shown as text, not run as a formula


def test_the_audit_page_reports_a_row_altered_behind_its_back(tmp_path: Path) -> None:
    original = tmp_path / "original"
    session = log_in(make_app(original), Role.administrator)
    session.client.get("/admin/users")
    copy = tmp_path / "copy"
    shutil.copytree(original, copy)
    with closing(sqlite3.connect(copy / "audit.db")) as db, db:
        db.execute("DROP TRIGGER audit_no_update")
        db.execute("UPDATE audit SET target = 'someone else' WHERE seq = 1")
    assert AuditLog(original / "audit.db").verify() == []
    tampered = log_in(make_app(copy), Role.administrator)
    page = tampered.client.get("/admin/audit").text
    assert 'data-chain="broken"' in page
    assert "entry 1 was changed after it was written" in page
