"""The alert store: alerts, their triage, the digest queue and every delivery, in SQLite.

One file (`alerts.db` in the data directory) in WAL mode, so crawls writing alerts and an
analyst triaging them do not block each other. An alert's id is its key (rule, listing,
version), so storing it twice is a no-op: that, not a time window, is what keeps a recrawl
from alerting again. A delivery is one message to one channel; its key is the message's
idempotency key, so queueing it twice is a no-op as well.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from rules.alert import Alert, AlertStatus, Note
from rules.alert_filter import AlertFilter

# `sending`: claimed by one dispatcher; a claim older than CLAIM_TIMEOUT is taken as lost
DeliveryStatus = Literal["pending", "sending", "delivered", "dead"]
CLAIM_TIMEOUT = timedelta(minutes=10)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    listing_id TEXT NOT NULL,
    listing_version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'new',
    assignee TEXT,
    suppressed INTEGER NOT NULL DEFAULT 0,
    record TEXT NOT NULL,
    UNIQUE (rule, listing_id, listing_version)
);
CREATE INDEX IF NOT EXISTS alerts_by_rule ON alerts (rule, listing_id, created_at);
CREATE INDEX IF NOT EXISTS alerts_by_time ON alerts (created_at);
CREATE INDEX IF NOT EXISTS alerts_by_listing ON alerts (listing_id);
CREATE TABLE IF NOT EXISTS notes (
    alert_id TEXT NOT NULL REFERENCES alerts (id),
    at TEXT NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_by_alert ON notes (alert_id);
CREATE TABLE IF NOT EXISTS digest_queue (
    alert_id TEXT PRIMARY KEY REFERENCES alerts (id),
    rule TEXT NOT NULL,
    queued_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    rule TEXT NOT NULL,
    channel TEXT NOT NULL,
    alert_ids TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (key, channel)
);
CREATE INDEX IF NOT EXISTS deliveries_by_status ON deliveries (status);
"""


@dataclass(frozen=True)
class Delivery:
    """One message (an alert or a digest) to one channel, and how its sending went."""

    id: int
    key: str
    rule: str
    channel: str
    alert_ids: tuple[str, ...]
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    updated_at: datetime


class AlertStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> AlertStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # alerts

    def add_alert(self, alert: Alert) -> bool:
        """Store a new alert; False (and nothing written) when its key is stored already."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO alerts (id, rule, listing_id, listing_version,"
                " created_at, status, assignee, suppressed, record)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    alert.id,
                    alert.rule,
                    alert.listing_id,
                    alert.listing_version,
                    alert.created_at.isoformat(),
                    alert.status,
                    alert.assignee,
                    int(alert.suppressed),
                    alert.model_dump_json(exclude={"status", "assignee", "notes"}),
                ),
            )
            return cursor.rowcount == 1

    def get(self, alert_id: str) -> Alert | None:
        row = self._db.execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)).fetchone()
        return self._alert(row) if row else None

    def find(self, prefix: str) -> Alert | None:
        """The alert whose id is or starts with `prefix` (None when none or several do)."""
        rows = self._db.execute(
            "SELECT * FROM alerts WHERE id >= ? AND id < ? LIMIT 2", (prefix, prefix + "\uffff")
        ).fetchall()
        return self._alert(rows[0]) if len(rows) == 1 else None

    def alerts(
        self,
        *,
        status: AlertStatus | None = None,
        rule: str | None = None,
        since: datetime | None = None,
        suppressed: bool | None = False,
        limit: int | None = None,
        listing_id: str | None = None,
    ) -> list[Alert]:
        """Alerts, newest first, filtered by status, rule, listing, creation time and
        suppression."""
        where, values = ["1 = 1"], []
        for column, value in (("status", status), ("rule", rule), ("listing_id", listing_id)):
            if value is not None:
                where.append(f"{column} = ?")
                values.append(value)
        if since is not None:
            where.append("created_at >= ?")
            values.append(since.isoformat())
        if suppressed is not None:
            where.append("suppressed = ?")
            values.append(str(int(suppressed)))
        sql = f"SELECT * FROM alerts WHERE {' AND '.join(where)} ORDER BY created_at DESC, id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [self._alert(row) for row in self._db.execute(sql, values)]

    def page(self, chosen: AlertFilter, *, limit: int, offset: int = 0) -> list[Alert]:
        """One page of the alerts under `chosen`, newest first (as `alerts`)."""
        where, values = chosen.where()
        sql = f"SELECT * FROM alerts{where} ORDER BY created_at DESC, id LIMIT ? OFFSET ?"
        return [self._alert(row) for row in self._db.execute(sql, [*values, limit, offset])]

    def count(self, chosen: AlertFilter) -> int:
        where, values = chosen.where()
        return int(self._db.execute(f"SELECT count(*) FROM alerts{where}", values).fetchone()[0])

    def count_by_status(self, chosen: AlertFilter) -> dict[str, int]:
        """How many alerts each status has under `chosen`'s other filters."""
        where, values = chosen.where(with_status=False)
        sql = f"SELECT status, count(*) FROM alerts{where} GROUP BY status"
        return {status: int(count) for status, count in self._db.execute(sql, values)}

    def alerted_rules(self) -> list[str]:
        """The rules that have alerts, by name."""
        rows = self._db.execute("SELECT DISTINCT rule FROM alerts ORDER BY rule")
        return [rule for (rule,) in rows]

    def last_alert_time(
        self, rule: str, listing_id: str, *, delivered_only: bool = False
    ) -> datetime | None:
        """When the rule last alerted for the listing (with `delivered_only`, not counting
        the alerts its suppression kept back)."""
        sql = "SELECT MAX(created_at) FROM alerts WHERE rule = ? AND listing_id = ?"
        if delivered_only:
            sql += " AND suppressed = 0"
        row = self._db.execute(sql, (rule, listing_id)).fetchone()
        return datetime.fromisoformat(row[0]) if row[0] else None

    def count_unsuppressed_since(self, rule: str, since: datetime) -> int:
        row = self._db.execute(
            "SELECT COUNT(*) FROM alerts WHERE rule = ? AND suppressed = 0 AND created_at > ?",
            (rule, since.isoformat()),
        ).fetchone()
        return int(row[0])

    def set_status(
        self, alert_id: str, status: AlertStatus, author: str, at: datetime, text: str = ""
    ) -> None:
        """Change an alert's status, kept in its notes with who did it and why."""
        with self._transaction() as db:
            row = db.execute("SELECT status FROM alerts WHERE id = ?", (alert_id,)).fetchone()
            if row is None:
                raise KeyError(alert_id)
            db.execute("UPDATE alerts SET status = ? WHERE id = ?", (status, alert_id))
            note = f"status {row['status']} -> {status}" + (f": {text}" if text else "")
            self._add_note(db, alert_id, Note(at=at, author=author, text=note))

    def assign(self, alert_id: str, assignee: str | None, author: str, at: datetime) -> None:
        with self._transaction() as db:
            cursor = db.execute("UPDATE alerts SET assignee = ? WHERE id = ?", (assignee, alert_id))
            if cursor.rowcount == 0:
                raise KeyError(alert_id)
            text = f"assigned to {assignee}" if assignee else "unassigned"
            self._add_note(db, alert_id, Note(at=at, author=author, text=text))

    def add_note(self, alert_id: str, note: Note) -> None:
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM alerts WHERE id = ?", (alert_id,)).fetchone() is None:
                raise KeyError(alert_id)
            self._add_note(db, alert_id, note)

    # digests

    def queue_for_digest(self, alert: Alert, at: datetime) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO digest_queue (alert_id, rule, queued_at) VALUES (?, ?, ?)",
            (alert.id, alert.rule, at.isoformat()),
        )

    def digest_waiting_since(self) -> dict[str, datetime]:
        """For each rule with alerts waiting for its digest, when the oldest was queued."""
        rows = self._db.execute("SELECT rule, MIN(queued_at) FROM digest_queue GROUP BY rule")
        return {rule: datetime.fromisoformat(first) for rule, first in rows}

    def take_digest(self, rule: str) -> list[str]:
        """Remove and return the ids of the alerts waiting in a rule's digest, oldest first."""
        with self._transaction() as db:
            rows = db.execute(
                "SELECT alert_id FROM digest_queue WHERE rule = ? ORDER BY queued_at, alert_id",
                (rule,),
            ).fetchall()
            db.execute("DELETE FROM digest_queue WHERE rule = ?", (rule,))
        return [row[0] for row in rows]

    # deliveries

    def add_delivery(
        self, key: str, rule: str, channel: str, alert_ids: Sequence[str], at: datetime
    ) -> None:
        """Queue a message for a channel (nothing happens when the key is queued already)."""
        self._db.execute(
            "INSERT OR IGNORE INTO deliveries (key, rule, channel, alert_ids, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            (key, rule, channel, json.dumps(list(alert_ids)), at.isoformat(), at.isoformat()),
        )

    def deliveries(
        self, *, status: DeliveryStatus | None = None, alert_id: str | None = None
    ) -> list[Delivery]:
        where: list[str] = ["1 = 1"]
        values: list[str] = []
        if status is not None:
            where.append("status = ?")
            values.append(status)
        if alert_id is not None:
            where.append("EXISTS (SELECT 1 FROM json_each(alert_ids) WHERE value = ?)")
            values.append(alert_id)
        sql = f"SELECT * FROM deliveries WHERE {' AND '.join(where)} ORDER BY id"
        return [_delivery(row) for row in self._db.execute(sql, values)]

    def claim_delivery(self, delivery_id: int, at: datetime) -> bool:
        """Take a pending delivery for sending (or one whose claim was lost, e.g. when its
        process died); False when another dispatcher holds or finished it. So two
        dispatchers, in threads or processes, never send one message twice."""
        cursor = self._db.execute(
            "UPDATE deliveries SET status = 'sending', updated_at = ? WHERE id = ?"
            " AND (status = 'pending' OR (status = 'sending' AND updated_at < ?))",
            (at.isoformat(), delivery_id, (at - CLAIM_TIMEOUT).isoformat()),
        )
        return cursor.rowcount == 1

    def finish_delivery(
        self,
        delivery_id: int,
        status: DeliveryStatus,
        attempts: int,
        at: datetime,
        error: str | None = None,
    ) -> None:
        """Record the outcome of sending: delivered, or dead (in the dead-letter list)."""
        self._db.execute(
            "UPDATE deliveries SET status = ?, attempts = attempts + ?, last_error = ?,"
            " updated_at = ? WHERE id = ?",
            (status, attempts, error, at.isoformat(), delivery_id),
        )

    def requeue_dead(self, delivery_ids: Sequence[int] | None, at: datetime) -> int:
        """Move dead letters (all, or the given ones) back to pending; how many moved."""
        sql = "UPDATE deliveries SET status = 'pending', updated_at = ? WHERE status = 'dead'"
        values: list[object] = [at.isoformat()]
        if delivery_ids is not None:
            sql += f" AND id IN ({', '.join('?' * len(delivery_ids))})"
            values.extend(delivery_ids)
        return self._db.execute(sql, values).rowcount

    # rows

    def _add_note(self, db: sqlite3.Connection, alert_id: str, note: Note) -> None:
        db.execute(
            "INSERT INTO notes (alert_id, at, author, text) VALUES (?, ?, ?, ?)",
            (alert_id, note.at.isoformat(), note.author, note.text),
        )

    def _alert(self, row: sqlite3.Row) -> Alert:
        notes = [
            Note(at=datetime.fromisoformat(at), author=author, text=text)
            for at, author, text in self._db.execute(
                "SELECT at, author, text FROM notes WHERE alert_id = ? ORDER BY rowid",
                (row["id"],),
            )
        ]
        record = json.loads(row["record"])
        record.update(status=row["status"], assignee=row["assignee"], notes=notes)
        return Alert.model_validate(record)


def _delivery(row: sqlite3.Row) -> Delivery:
    return Delivery(
        id=row["id"],
        key=row["key"],
        rule=row["rule"],
        channel=row["channel"],
        alert_ids=tuple(json.loads(row["alert_ids"])),
        status=row["status"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
    )
