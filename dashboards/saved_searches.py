"""Saved searches: a name, a query and a sort order per account, in the accounts database.

Each account sees and deletes only its own; a name is unique per account (saving under a
name again replaces that search).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from dashboards.sqlite_file import SqliteFile

MAX_NAME_LENGTH = 120
MAX_QUERY_LENGTH = 4000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS saved_searches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    sort TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (username, name)
)
"""


class SavedSearchError(ValueError):
    """A name or query that cannot be saved."""


@dataclass(frozen=True)
class SavedSearch:
    id: int
    username: str
    name: str
    query: str
    sort: str
    created_at: datetime


class SavedSearches(SqliteFile):
    schema = _SCHEMA

    def save(self, username: str, name: str, query: str, sort: str) -> SavedSearch:
        """Save (or, under a name the account used before, replace) a search."""
        name, query = _checked(name, query)
        now = datetime.now(UTC).isoformat()
        with self._db() as db:
            db.execute(
                "INSERT INTO saved_searches (username, name, query, sort, created_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (username, name)"
                " DO UPDATE SET query = excluded.query, sort = excluded.sort,"
                " created_at = excluded.created_at",
                (username, name, query, sort, now),
            )
            row = db.execute(
                f"SELECT {_COLUMNS} FROM saved_searches WHERE username = ? AND name = ?",
                (username, name),
            ).fetchone()
        return _saved(row)

    def of(self, username: str) -> list[SavedSearch]:
        """The account's saved searches, by name."""
        with self._db() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM saved_searches WHERE username = ?"
                " ORDER BY name COLLATE NOCASE, id",
                (username,),
            ).fetchall()
        return [_saved(row) for row in rows]

    def get(self, username: str, search_id: int) -> SavedSearch | None:
        with self._db() as db:
            row = db.execute(
                f"SELECT {_COLUMNS} FROM saved_searches WHERE username = ? AND id = ?",
                (username, search_id),
            ).fetchone()
        return _saved(row) if row else None

    def delete(self, username: str, search_id: int) -> bool:
        """Delete one of the account's searches; False when it has none of that id."""
        with self._db() as db:
            deleted = db.execute(
                "DELETE FROM saved_searches WHERE username = ? AND id = ?", (username, search_id)
            ).rowcount
        return bool(deleted)


_COLUMNS = "id, username, name, query, sort, created_at"


def _saved(row: tuple[int, str, str, str, str, str]) -> SavedSearch:
    search_id, username, name, query, sort, created = row
    return SavedSearch(search_id, username, name, query, sort, datetime.fromisoformat(created))


def _checked(name: str, query: str) -> tuple[str, str]:
    name, query = name.strip(), query.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise SavedSearchError(f"name the search (1 to {MAX_NAME_LENGTH} characters)")
    if len(query) > MAX_QUERY_LENGTH:
        raise SavedSearchError(f"the query is too long (over {MAX_QUERY_LENGTH} characters)")
    return name, query
