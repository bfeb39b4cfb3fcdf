"""`armswatch users ...` and `armswatch serve`: accounts from the command line, and a real
server that answers only after a login with the printed demo password."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from dashboards.accounts import AccountStore
from dashboards.audit import AuditLog
from dashboards.roles import Role
from tests.conftest import REPO, armswatch_env, run_armswatch
from tests.dashboards.conftest import free_port

PASSWORD_ENV = {"ARMSWATCH_NEW_PASSWORD": "a long enough secret"}


def test_users_add_passwd_role_disable_and_list(tmp_path: Path) -> None:
    added = run_armswatch("users", "add", "ana", "--role", "supervisor", data_dir=tmp_path,
                          env=PASSWORD_ENV)  # fmt: skip
    assert added.returncode == 0, added.stderr
    store = AccountStore(tmp_path / "dashboard.db")
    assert store.authenticate("ana", "a long enough secret").role is Role.supervisor  # type: ignore[union-attr]
    changed = run_armswatch("users", "passwd", "ana", "--password", "another long secret",
                            data_dir=tmp_path)  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    assert store.authenticate("ana", "another long secret") is not None
    assert run_armswatch("users", "role", "ana", "analyst", data_dir=tmp_path).returncode == 0
    assert run_armswatch("users", "disable", "ana", data_dir=tmp_path).returncode == 0
    assert store.authenticate("ana", "another long secret") is None
    listed = run_armswatch("users", "list", data_dir=tmp_path)
    assert "ana" in listed.stdout and "analyst" in listed.stdout and "disabled" in listed.stdout
    actions = [
        entry.action for entry in AuditLog(tmp_path / "audit.db").entries(newest_first=False)
    ]
    assert actions == ["account.add", "account.passwd", "account.role", "account.disable"]
    assert all(
        entry.username.startswith("cli:") for entry in AuditLog(tmp_path / "audit.db").entries()
    )


def test_users_refuse_bad_input_with_a_clear_message(tmp_path: Path) -> None:
    short = run_armswatch("users", "add", "ana", "--password", "short", data_dir=tmp_path)
    assert short.returncode == 2 and "at least 12 characters" in short.stderr
    role = run_armswatch("users", "add", "ana", "--role", "root", data_dir=tmp_path,
                         env=PASSWORD_ENV)  # fmt: skip
    assert role.returncode == 2 and "unknown role 'root'" in role.stderr
    missing = run_armswatch("users", "disable", "nobody", data_dir=tmp_path)
    assert missing.returncode == 3 and "no account 'nobody'" in missing.stderr


def test_serve_prints_the_demo_account_and_answers_only_after_login(tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "armswatch", "serve", "--port", str(port), "--demo-account"],
        cwd=REPO, env=armswatch_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        banner = "".join(server.stdout.readline() for _ in range(2))
        found = re.search(r"demo account: demo-analyst password: (\S+)", banner)
        assert found, banner
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=10) as client:
            _wait_for(client)
            assert client.get("/search").status_code == 303
            login_page = client.get("/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', login_page)
            assert token
            form = {"username": "demo-analyst", "password": found[1], "csrf_token": token[1]}
            assert client.post("/login", data=form).status_code == 303
            assert client.get("/search").status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=20)


def _wait_for(client: httpx.Client) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            client.get("/login")
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the dashboard did not start within 30 s"
            time.sleep(0.2)
