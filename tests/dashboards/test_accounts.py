"""Accounts (argon2id hashes, roles, disabling), the audit trail's chain, login limits."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dashboards.accounts import AccountError, AccountStore
from dashboards.audit import AuditLog
from dashboards.login_limits import LoginLimiter
from dashboards.roles import Role


def test_passwords_are_stored_as_argon2id_hashes_only(tmp_path: Path) -> None:
    store = AccountStore(tmp_path / "dashboard.db")
    store.add("ana", Role.analyst, "a long enough secret")
    with sqlite3.connect(tmp_path / "dashboard.db") as db:
        (stored,) = db.execute("SELECT password_hash FROM accounts").fetchone()
    assert stored.startswith("$argon2id$") and "a long enough secret" not in stored
    assert store.authenticate("ana", "a long enough secret") is not None
    assert store.authenticate("ana", "a long enough secreT") is None
    assert store.authenticate("nobody", "a long enough secret") is None


def test_bad_usernames_short_passwords_and_duplicates_are_refused(tmp_path: Path) -> None:
    store = AccountStore(tmp_path / "dashboard.db")
    with pytest.raises(AccountError, match="at least 12"):
        store.add("ana", Role.analyst, "short")
    with pytest.raises(AccountError, match="no spaces"):
        store.add("ana lyst", Role.analyst, "a long enough secret")
    store.add("ana", Role.analyst, "a long enough secret")
    with pytest.raises(AccountError, match="exists already"):
        store.add("ana", Role.supervisor, "a long enough secret")
    with pytest.raises(AccountError, match="no account 'bob'"):
        store.set_password("bob", "a long enough secret")


def test_disabling_refuses_login_and_every_change_moves_the_session_epoch(tmp_path: Path) -> None:
    store = AccountStore(tmp_path / "dashboard.db")
    epochs = [store.add("ana", Role.analyst, "a long enough secret").session_epoch]
    epochs.append(store.set_role("ana", Role.supervisor).session_epoch)
    epochs.append(store.set_password("ana", "another long secret").session_epoch)
    epochs.append(store.set_disabled("ana", True).session_epoch)
    assert epochs == sorted(set(epochs)) and len(epochs) == 4
    assert store.authenticate("ana", "another long secret") is None
    store.set_disabled("ana", False)
    account = store.authenticate("ana", "another long secret")
    assert account is not None and account.role is Role.supervisor


def test_roles_parse_and_order() -> None:
    assert Role.parse(" Supervisor ") is Role.supervisor
    assert Role.analyst < Role.supervisor < Role.administrator
    with pytest.raises(ValueError, match="analyst, supervisor, administrator"):
        Role.parse("root")


def test_the_audit_trail_refuses_updates_and_deletes(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.db")
    log.record("ana", "search", "glock", "127.0.0.1", total=3)
    with sqlite3.connect(tmp_path / "audit.db") as db:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("UPDATE audit SET username = 'eve'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("DELETE FROM audit")
    assert log.verify() == []


def test_the_audit_chain_shows_a_changed_and_a_removed_entry(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.db")
    for number in range(4):
        log.record("ana", "listing.view", f"L{number}", "10.0.0.7", note="ü")
    assert [entry.target for entry in log.entries()] == ["L3", "L2", "L1", "L0"]
    assert log.count(action="listing.view") == 4
    with sqlite3.connect(tmp_path / "audit.db") as db:  # what someone with the file could do
        db.execute("DROP TRIGGER audit_no_update")
        db.execute("DROP TRIGGER audit_no_delete")
        db.execute("UPDATE audit SET target = 'L9' WHERE seq = 2")
        db.execute("DELETE FROM audit WHERE seq = 3")
    faults = log.verify()
    assert "entry 2 was changed after it was written" in faults
    assert "entries 3..3 are missing" in faults
    assert "entry 4 does not link to the entry before it" in faults


def test_login_limits_lock_after_the_allowed_failures_until_the_window_passes() -> None:
    limiter = LoginLimiter(failures_allowed=3, window_seconds=60)
    for second in range(3):
        assert limiter.retry_after("ip", now=second) == 0
        limiter.failed("ip", "user:ana", now=second)
    assert limiter.retry_after("ip", now=10) == 50
    assert limiter.retry_after("user:ana", "other", now=10) == 50
    assert limiter.retry_after("ip", now=60.5) == 0  # the first failure left the window
    limiter.succeeded("ip")
    assert limiter.retry_after("ip", now=11) == 0
