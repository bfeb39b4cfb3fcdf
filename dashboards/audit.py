"""The audit trail: who did what, when and from where, append-only and hash-chained.

Every search, listing view, export, alert action and account change is one entry. SQLite
triggers refuse any UPDATE or DELETE of the table, and each entry holds the SHA-256 of the one
before it, so an entry changed or removed outside the dashboard shows in `verify()`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dashboards.sqlite_file import SqliteFile

GENESIS = "0" * 64
_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    username TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    address TEXT NOT NULL,
    previous_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_user ON audit (username, seq);
CREATE INDEX IF NOT EXISTS audit_by_action ON audit (action, seq);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
"""
COLUMNS = ("seq", "at", "username", "action", "target", "detail", "address", "hash")


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    username: str
    action: str
    target: str
    detail_json: str  # as stored and hashed
    address: str
    previous_hash: str
    hash: str

    @property
    def detail(self) -> dict[str, Any]:
        return dict(json.loads(self.detail_json))

    def row(self) -> list[str]:
        """The entry as CSV cells, in `COLUMNS` order."""
        return [str(self.seq), self.at.isoformat(), self.username, self.action, self.target,
                self.detail_json, self.address, self.hash]  # fmt: skip


class AuditLog(SqliteFile):
    schema = _SCHEMA
    autocommit = True

    def record(
        self, username: str, action: str, target: str, address: str, **detail: Any
    ) -> AuditEntry:
        """Append one entry (in one write transaction, so concurrent writers chain in order)."""
        at = datetime.now(UTC)
        detail_json = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                last = db.execute("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
                previous = last[0] if last else GENESIS
                fields = (at.isoformat(), username, action, target, detail_json, address)
                digest = _digest(previous, fields)
                cursor = db.execute(
                    "INSERT INTO audit (at, username, action, target, detail, address,"
                    " previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (*fields, previous, digest),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        seq = cursor.lastrowid or 0
        return AuditEntry(seq, at, username, action, target, detail_json, address, previous, digest)

    def entries(
        self,
        *,
        username: str | None = None,
        action: str | None = None,
        limit: int | None = 200,
        offset: int = 0,
        newest_first: bool = True,
    ) -> list[AuditEntry]:
        where, params = _filters(username, action)
        order = "DESC" if newest_first else "ASC"
        sql = f"SELECT * FROM audit{where} ORDER BY seq {order} LIMIT ? OFFSET ?"
        with self._db() as db:
            rows = db.execute(sql, (*params, -1 if limit is None else limit, offset)).fetchall()
        return [_entry(row) for row in rows]

    def count(self, *, username: str | None = None, action: str | None = None) -> int:
        where, params = _filters(username, action)
        with self._db() as db:
            return int(db.execute(f"SELECT count(*) FROM audit{where}", params).fetchone()[0])

    def verify(self) -> list[str]:
        """Every break of the chain: an entry whose hash or link does not hold, or a gap."""
        faults: list[str] = []
        previous, expected_seq = GENESIS, None
        for entry in self.entries(limit=None, newest_first=False):
            if expected_seq is not None and entry.seq != expected_seq:
                faults.append(f"entries {expected_seq}..{entry.seq - 1} are missing")
            fields = (entry.at.isoformat(), entry.username, entry.action, entry.target,
                      entry.detail_json, entry.address)  # fmt: skip
            if entry.previous_hash != previous:
                faults.append(f"entry {entry.seq} does not link to the entry before it")
            if _digest(entry.previous_hash, fields) != entry.hash:
                faults.append(f"entry {entry.seq} was changed after it was written")
            previous, expected_seq = entry.hash, entry.seq + 1
        return faults


def _filters(username: str | None, action: str | None) -> tuple[str, tuple[str, ...]]:
    clauses, params = [], []
    if username:
        clauses.append("username = ?")
        params.append(username)
    if action:
        clauses.append("action = ?")
        params.append(action)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(params)


def _digest(previous: str, fields: tuple[str, ...]) -> str:
    return hashlib.sha256("\x1f".join((previous, *fields)).encode("utf-8")).hexdigest()


def _entry(row: tuple[Any, ...]) -> AuditEntry:
    seq, at, username, action, target, detail, address, previous, digest = row
    return AuditEntry(seq, datetime.fromisoformat(at), username, action, target,
                      detail, address, previous, digest)  # fmt: skip
