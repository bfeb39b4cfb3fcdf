"""The listing-history side file: removal counts, tracked crawls and re-post links.

`history.db` (SQLite) in the data directory holds what the index itself does not, and sits
beside the index whichever backend holds the listings, so the CLI reads it for both:

- `misses`: per source and listing, how many complete crawls of the source in a row did not
  see the listing (a listing seen again is back at zero, and has no row);
- `seen`: the listings of a source seen since its last complete crawl, written batch by
  batch as the index takes them, so a crawl killed and resumed (the crawl frontier resumes
  it) still knows what its first part saw; a complete crawl consumes them;
- `crawls`: one row per crawl the removal tracker looked at: the source, when it ended, its
  finish reason, whether it was complete, and how many listings it saw, missed and removed;
- `versions`: when each version after the first began: the capture that made it (the index
  keeps, for each version, only its latest capture);
- `reposts`: a listing re-posted under a new id, linked to the earlier one (new id -> old id),
  with the estimated text similarity and when the link was made.

Every write is one transaction, so a crawl that dies halfway leaves the counts as the last
complete crawl left them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

from index.sqlite.wal import enable_wal

HISTORY_DB = "history.db"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS misses (
    source TEXT NOT NULL,
    listing_id TEXT NOT NULL,
    missed INTEGER NOT NULL,
    PRIMARY KEY (source, listing_id)
);
CREATE TABLE IF NOT EXISTS seen (
    source TEXT NOT NULL,
    listing_id TEXT NOT NULL,
    PRIMARY KEY (source, listing_id)
);
CREATE TABLE IF NOT EXISTS crawls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    finish_reason TEXT NOT NULL,
    complete INTEGER NOT NULL,
    seen INTEGER NOT NULL,
    missed INTEGER NOT NULL,
    removed INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    listing_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    since TEXT NOT NULL,
    PRIMARY KEY (listing_id, version)
);
CREATE TABLE IF NOT EXISTS reposts (
    new_id TEXT NOT NULL,
    old_id TEXT NOT NULL,
    source TEXT NOT NULL,
    vendor TEXT NOT NULL,
    similarity REAL NOT NULL,
    linked_at TEXT NOT NULL,
    PRIMARY KEY (new_id, old_id)
);
CREATE INDEX IF NOT EXISTS reposts_by_old ON reposts (old_id);
"""


def history_db_path(data_dir: Path) -> Path:
    return data_dir / HISTORY_DB


@dataclass(frozen=True)
class RepostLink:
    """`new_id` re-posts `old_id` (same source and vendor, nearly the same text)."""

    new_id: str
    old_id: str
    source: str
    vendor: str
    similarity: float  # estimated Jaccard similarity of the two texts' word shingles
    linked_at: datetime


@dataclass(frozen=True)
class TrackedCrawl:
    source: str
    ended_at: datetime
    finish_reason: str
    complete: bool
    seen: int
    missed: int
    removed: int


class HistoryStore:
    """The history side file; open it, use it, close it (or use it as a context manager)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
        enable_wal(self._db)
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def add_seen(self, source: str, listing_ids: Iterable[str]) -> None:
        """Note listings of `source` the crawl running now has seen."""
        self._db.executemany(
            "INSERT OR IGNORE INTO seen (source, listing_id) VALUES (?, ?)",
            [(source, listing_id) for listing_id in listing_ids],
        )

    def count_misses(self, source: str, stored: Iterable[str], seen: set[str]) -> dict[str, int]:
        """Count one complete crawl of `source` that saw `seen` (and what `add_seen` noted):
        each stored listing it did not see has one more miss, every other listing none. The
        counts afterwards, by id; the noted listings are cleared for the next crawl."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            seen = seen | self._noted(source)
            before = dict(
                self._db.execute(
                    "SELECT listing_id, missed FROM misses WHERE source = ?", (source,)
                ).fetchall()
            )
            after = {i: before.get(i, 0) + 1 for i in dict.fromkeys(stored) if i not in seen}
            self._db.execute("DELETE FROM seen WHERE source = ?", (source,))
            self._db.execute("DELETE FROM misses WHERE source = ?", (source,))
            self._db.executemany(
                "INSERT INTO misses (source, listing_id, missed) VALUES (?, ?, ?)",
                [(source, listing_id, missed) for listing_id, missed in after.items()],
            )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return after

    def _noted(self, source: str) -> set[str]:
        rows = self._db.execute("SELECT listing_id FROM seen WHERE source = ?", (source,))
        return {listing_id for (listing_id,) in rows}

    def misses(self, source: str) -> dict[str, int]:
        """The current miss counts of a source's listings (those missed at least once)."""
        rows = self._db.execute(
            "SELECT listing_id, missed FROM misses WHERE source = ?", (source,)
        ).fetchall()
        return dict(rows)

    def record_crawl(self, crawl: TrackedCrawl) -> None:
        self._db.execute(
            "INSERT INTO crawls (source, ended_at, finish_reason, complete, seen, missed, removed)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                crawl.source,
                crawl.ended_at.isoformat(),
                crawl.finish_reason,
                int(crawl.complete),
                crawl.seen,
                crawl.missed,
                crawl.removed,
            ),
        )

    def crawls(self, source: str) -> list[TrackedCrawl]:
        """The crawls of a source the tracker looked at, oldest first."""
        rows = self._db.execute(
            "SELECT source, ended_at, finish_reason, complete, seen, missed, removed"
            " FROM crawls WHERE source = ? ORDER BY id",
            (source,),
        ).fetchall()
        return [
            TrackedCrawl(s, datetime.fromisoformat(at), reason, bool(done), seen, missed, gone)
            for s, at, reason, done, seen, missed, gone in rows
        ]

    def note_versions(self, starts: Iterable[tuple[str, int, datetime]]) -> None:
        """Note when versions began: (listing id, version, the capture that made it); a
        version noted before keeps its first time."""
        self._db.executemany(
            "INSERT OR IGNORE INTO versions (listing_id, version, since) VALUES (?, ?, ?)",
            [(listing_id, version, since.isoformat()) for listing_id, version, since in starts],
        )

    def version_starts(self, listing_id: str) -> dict[int, datetime]:
        """When each noted version of a listing began, by version number."""
        rows = self._db.execute(
            "SELECT version, since FROM versions WHERE listing_id = ?", (listing_id,)
        ).fetchall()
        return {version: datetime.fromisoformat(since) for version, since in rows}

    def add_links(self, links: Iterable[RepostLink]) -> int:
        """Store re-post links (a link already stored stays as it was); how many are new."""
        rows = [
            (
                link.new_id,
                link.old_id,
                link.source,
                link.vendor,
                link.similarity,
                link.linked_at.isoformat(),
            )
            for link in links
        ]
        before = self._db.total_changes
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany(
                "INSERT OR IGNORE INTO reposts"
                " (new_id, old_id, source, vendor, similarity, linked_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return self._db.total_changes - before

    def links(self, source: str | None = None) -> list[RepostLink]:
        """Every stored link (of one source), oldest first."""
        rows = self._db.execute(
            "SELECT new_id, old_id, source, vendor, similarity, linked_at FROM reposts"
            " WHERE ? IS NULL OR source = ? ORDER BY linked_at, new_id, old_id",
            (source, source),
        ).fetchall()
        return [_link(*row) for row in rows]

    def links_of(self, listing_id: str) -> list[RepostLink]:
        """Every link from or to a listing, oldest first."""
        rows = self._db.execute(
            "SELECT new_id, old_id, source, vendor, similarity, linked_at FROM reposts"
            " WHERE new_id = ? OR old_id = ? ORDER BY linked_at, new_id, old_id",
            (listing_id, listing_id),
        ).fetchall()
        return [_link(*row) for row in rows]


def _link(
    new_id: str, old_id: str, source: str, vendor: str, similarity: float, linked_at: str
) -> RepostLink:
    return RepostLink(new_id, old_id, source, vendor, similarity, datetime.fromisoformat(linked_at))
