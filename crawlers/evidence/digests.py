"""Which payloads the evidence store holds already: the index behind revisit records.

A recrawl of an unchanged page (the same URI, the same payload SHA-256) is written as a
`revisit` record that refers to the first capture instead of a second copy of the payload.
The index maps (source, uri, payload SHA-256 hex) to that first capture: its record id, its
WARC-Date (a revisit names both) and its WARC file (so pruning a file can forget its records).
A revisit refers only to a record of its own source: two sources of one site (a browser and a
static definition) share no records, so each source's files are complete on their own, to
export or to prune.

One SQLite file, `<evidence dir>/digests.db`, shared by every crawl process (WAL, a busy
time-out; `INSERT OR IGNORE`, so of two processes that capture the same payload at once the
first one written stays the original). A crawl asks it once per response, for all the
payloads of the response at once, and adds the new ones in one transaction, after their WARC
bytes are written. Commits do not fsync (`synchronous=NORMAL`), as the WARC files and the ledger
are fsynced only when a crawl closes: a power cut in the middle of a crawl can lose its last
captures, and an entry here may then outlive the record it names.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS payloads (
    source TEXT NOT NULL,
    uri TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    record_id TEXT NOT NULL,
    warc_date TEXT NOT NULL,
    warc_file TEXT NOT NULL,
    PRIMARY KEY (source, uri, payload_sha256)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS payloads_by_file ON payloads (warc_file);
"""
Key = tuple[str, str]  # (uri, payload SHA-256 hex)


@dataclass(frozen=True)
class Original:
    """The first stored capture of a payload at a URI by a source."""

    source: str
    uri: str
    payload_sha256: str
    record_id: str
    warc_date: str
    warc_file: str  # relative to the evidence directory

    @property
    def key(self) -> Key:
        return (self.uri, self.payload_sha256)


DIGESTS_FILE = "digests.db"  # in the evidence directory


class DigestIndex:
    """The (uri, payload SHA-256) -> original capture index at `path` (made on first use)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def originals(self, source: str, keys: Sequence[Key]) -> dict[Key, Original]:
        """The originals `source` stored of `keys`, in one query (keys not stored left out)."""
        if not keys:
            return {}
        values = ",".join("(?, ?)" for _ in keys)
        rows = self._db.execute(
            "SELECT source, uri, payload_sha256, record_id, warc_date, warc_file FROM payloads"
            f" WHERE source = ? AND (uri, payload_sha256) IN (VALUES {values})",
            [source, *(part for key in keys for part in key)],
        )
        found = (Original(*row) for row in rows)
        return {original.key: original for original in found}

    def add(self, originals: Iterable[Original]) -> None:
        """Remember `originals` (a payload stored already keeps its first original)."""
        rows = [
            (o.source, o.uri, o.payload_sha256, o.record_id, o.warc_date, o.warc_file)
            for o in originals
        ]
        if rows:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(
                    "INSERT OR IGNORE INTO payloads VALUES (?, ?, ?, ?, ?, ?)", rows
                )

    def forget_file(self, warc_file: str) -> int:
        """Forget the originals stored in `warc_file` (it was pruned); how many there were."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            cursor = self._db.execute("DELETE FROM payloads WHERE warc_file = ?", (warc_file,))
        return cursor.rowcount

    def close(self) -> None:
        self._db.close()
