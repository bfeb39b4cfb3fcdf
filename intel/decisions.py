"""Analysts' decisions on vendor links, kept in SQLite (`intel.db` in the data directory).

A decision is about a pair of vendors: `link` (they are one actor: accept a suggestion, or
join them without evidence) or `unlink` (they are not: reject a suggestion or a strong link).
Every decision is kept with who made it, when and why; the latest one on a pair is the one in
force, and every resolution respects it: an unlinked pair is never linked again by evidence
until someone links it again, a linked pair stays joined whatever the evidence says.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, get_args

from intel.vendor_records import VendorKey

Verdict = Literal["link", "unlink"]
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
Pair = tuple[VendorKey, VendorKey]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS link_decisions (
    id INTEGER PRIMARY KEY,
    first_market TEXT NOT NULL,
    first_handle TEXT NOT NULL,
    second_market TEXT NOT NULL,
    second_handle TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('link', 'unlink')),
    analyst TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS link_decisions_by_pair
    ON link_decisions (first_market, first_handle, second_market, second_handle);
"""


@dataclass(frozen=True)
class Decision:
    """One analyst's decision on a pair of vendors (`first` <= `second`)."""

    first: VendorKey
    second: VendorKey
    verdict: Verdict
    analyst: str
    decided_at: datetime
    note: str = ""

    @property
    def pair(self) -> Pair:
        return (self.first, self.second)


class DecisionStore:
    """The decisions file; `current()` gives the decision in force on each pair."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> DecisionStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def record(
        self,
        first: VendorKey,
        second: VendorKey,
        verdict: Verdict,
        *,
        analyst: str,
        decided_at: datetime,
        note: str = "",
    ) -> Decision:
        """Keep a decision (it overrides earlier ones on the same pair); ValueError for a pair
        of one vendor or an unknown verdict."""
        if first == second:
            raise ValueError(f"a vendor cannot be linked to or unlinked from itself: {first}")
        if verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {verdict!r}; use {' or '.join(VERDICTS)}")
        first, second = min(first, second), max(first, second)
        self._db.execute(
            "INSERT INTO link_decisions (first_market, first_handle, second_market, "
            "second_handle, verdict, analyst, decided_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (first.market, first.handle, second.market, second.handle, verdict, analyst,
             decided_at.isoformat(), note),
        )  # fmt: skip
        return Decision(first, second, verdict, analyst, decided_at, note)

    def history(self) -> list[Decision]:
        """Every decision, oldest first."""
        rows = self._db.execute("SELECT * FROM link_decisions ORDER BY decided_at, id")
        return [_decision(row) for row in rows]

    def current(self) -> dict[Pair, Decision]:
        """The decision in force (the latest) on each pair that has one."""
        return {decision.pair: decision for decision in self.history()}


def _decision(row: sqlite3.Row) -> Decision:
    return Decision(
        first=VendorKey(row["first_market"], row["first_handle"]),
        second=VendorKey(row["second_market"], row["second_handle"]),
        verdict=row["verdict"],
        analyst=row["analyst"],
        decided_at=datetime.fromisoformat(row["decided_at"]),
        note=row["note"],
    )
