"""The alerts inbox: one page of alerts under the analyst's filters, and the counts per status.

`AlertStore.alerts` reads every matching alert (with its notes); an inbox of thousands of alerts
needs one page at a time, and filters the store does not offer (severity, assignee). So the
paging reads the ids from the store's `alerts` table over a read-only connection, and the page's
alerts come from `AlertStore.get`, as everywhere else.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from math import ceil

from rules.alert import Alert, AlertStatus
from rules.model import Severity
from rules.store import AlertStore

PAGE_SIZE = 50
UNASSIGNED = "none"  # the assignee filter for alerts nobody has taken


@dataclass(frozen=True)
class InboxFilter:
    """Which alerts to list; None means any. Suppressed alerts (never delivered) are left out."""

    status: AlertStatus | None = "new"
    rule: str | None = None
    severity: Severity | None = None
    assignee: str | None = None  # a username, or UNASSIGNED

    def where(self, *, with_status: bool = True) -> tuple[str, list[str]]:
        clauses: list[str] = ["suppressed = 0"]
        values: list[str] = []
        if with_status and self.status is not None:
            clauses.append("status = ?")
            values.append(self.status)
        if self.rule is not None:
            clauses.append("rule = ?")
            values.append(self.rule)
        if self.severity is not None:
            clauses.append("json_extract(record, '$.severity') = ?")
            values.append(self.severity)
        if self.assignee == UNASSIGNED:
            clauses.append("assignee IS NULL")
        elif self.assignee is not None:
            clauses.append("assignee = ?")
            values.append(self.assignee)
        return " WHERE " + " AND ".join(clauses), values


@dataclass(frozen=True)
class InboxPage:
    alerts: list[Alert]
    total: int  # alerts under the filter, on every page
    page: int  # from 1
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.page_size))

    @property
    def first_row(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.alerts else 0

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.alerts) - 1 if self.alerts else 0


def inbox_page(
    store: AlertStore, chosen: InboxFilter, page: int = 1, page_size: int = PAGE_SIZE
) -> InboxPage:
    """The alerts on page `page` under `chosen`, newest first (as `AlertStore.alerts`)."""
    where, values = chosen.where()
    with _reading(store) as db:
        total = int(db.execute(f"SELECT count(*) FROM alerts{where}", values).fetchone()[0])
        rows = db.execute(
            f"SELECT id FROM alerts{where} ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
            [*values, page_size, (page - 1) * page_size],
        ).fetchall()
    alerts = [alert for (alert_id,) in rows if (alert := store.get(alert_id)) is not None]
    return InboxPage(alerts, total, page, page_size)


def status_counts(store: AlertStore, chosen: InboxFilter) -> dict[str, int]:
    """How many alerts each status has under the other filters (for the inbox's tabs)."""
    where, values = chosen.where(with_status=False)
    sql = f"SELECT status, count(*) FROM alerts{where} GROUP BY status"
    with _reading(store) as db:
        return {status: int(count) for status, count in db.execute(sql, values)}


def alerted_rules(store: AlertStore) -> list[str]:
    """The rules that have alerts, by name (for the inbox's rule filter)."""
    with _reading(store) as db:
        return [rule for (rule,) in db.execute("SELECT DISTINCT rule FROM alerts ORDER BY rule")]


@contextmanager
def _reading(store: AlertStore) -> Iterator[sqlite3.Connection]:
    uri = f"{store.path.resolve().as_uri()}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True, timeout=30)) as db:
        yield db
