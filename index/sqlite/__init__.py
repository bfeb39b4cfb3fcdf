"""The embedded index backend: SQLite with FTS5, one file under the data directory."""

from index.sqlite.sqlite_index import SqliteIndex

__all__ = ["SqliteIndex"]
