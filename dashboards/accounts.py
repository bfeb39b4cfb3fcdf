"""Local accounts: argon2id password hashes, roles, disabling, in one SQLite file.

A password change or a disabled account ends the account's sessions: each session carries the
account's `session_epoch`, and the epoch moves on every such change.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from dashboards.roles import Role
from dashboards.sqlite_file import SqliteFile

MIN_PASSWORD_LENGTH = 12
_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    session_epoch INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
)
"""
_HASHER = PasswordHasher()  # argon2id with the library's (RFC 9106) parameters
# verified against when the username is unknown, so a wrong name takes as long as a wrong password
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


class AccountError(ValueError):
    """A username or password that cannot be used, or an account that does not exist."""


@dataclass(frozen=True)
class Account:
    username: str
    role: Role
    disabled: bool
    session_epoch: int
    created_at: datetime


class AccountStore(SqliteFile):
    schema = _SCHEMA

    def add(self, username: str, role: Role, password: str) -> Account:
        username = _checked_username(username)
        _check_password(password)
        now = datetime.now(UTC).isoformat()
        try:
            with self._db() as db:
                db.execute(
                    "INSERT INTO accounts (username, role, password_hash, created_at)"
                    " VALUES (?, ?, ?, ?)",
                    (username, role.name, _HASHER.hash(password), now),
                )
        except sqlite3.IntegrityError:
            raise AccountError(f"an account {username!r} exists already") from None
        return self._required(username)

    def get(self, username: str) -> Account | None:
        with self._db() as db:
            row = db.execute(
                "SELECT username, role, disabled, session_epoch, created_at FROM accounts"
                " WHERE username = ?",
                (username,),
            ).fetchone()
        return _account(row) if row else None

    def all(self) -> list[Account]:
        with self._db() as db:
            rows = db.execute(
                "SELECT username, role, disabled, session_epoch, created_at FROM accounts"
                " ORDER BY username"
            ).fetchall()
        return [_account(row) for row in rows]

    def authenticate(self, username: str, password: str) -> Account | None:
        """The enabled account whose password this is, else None (same work either way)."""
        with self._db() as db:
            row = db.execute(
                "SELECT password_hash FROM accounts WHERE username = ? AND disabled = 0",
                (username,),
            ).fetchone()
        stored = row[0] if row else _DUMMY_HASH
        try:
            _HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if _HASHER.check_needs_rehash(stored):
            self._store_hash(username, _HASHER.hash(password), new_epoch=False)
        return self.get(username)

    def set_password(self, username: str, password: str) -> Account:
        _check_password(password)
        self._required(username)
        self._store_hash(username, _HASHER.hash(password), new_epoch=True)
        return self._required(username)

    def set_role(self, username: str, role: Role) -> Account:
        self._update(username, "role = ?, session_epoch = session_epoch + 1", role.name)
        return self._required(username)

    def set_disabled(self, username: str, disabled: bool) -> Account:
        self._update(username, "disabled = ?, session_epoch = session_epoch + 1", int(disabled))
        return self._required(username)

    def _store_hash(self, username: str, password_hash: str, *, new_epoch: bool) -> None:
        bump = ", session_epoch = session_epoch + 1" if new_epoch else ""
        self._update(username, f"password_hash = ?{bump}", password_hash)

    def _update(self, username: str, assignments: str, value: object) -> None:
        with self._db() as db:
            changed = db.execute(
                f"UPDATE accounts SET {assignments} WHERE username = ?", (value, username)
            ).rowcount
        if not changed:
            raise AccountError(f"no account {username!r}; see `armswatch users list`")

    def _required(self, username: str) -> Account:
        account = self.get(username)
        if account is None:
            raise AccountError(f"no account {username!r}; see `armswatch users list`")
        return account


def _account(row: tuple[str, str, int, int, str]) -> Account:
    username, role, disabled, epoch, created = row
    return Account(username, Role[role], bool(disabled), epoch, datetime.fromisoformat(created))


def _checked_username(username: str) -> str:
    username = username.strip()
    if not username or len(username) > 64 or not all(c.isalnum() or c in "._-@" for c in username):
        raise AccountError(
            f"username {username!r}: use 1 to 64 letters, digits and . _ - @ (no spaces)"
        )
    return username


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters"
        )
