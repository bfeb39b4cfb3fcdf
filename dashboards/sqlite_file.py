"""The dashboard's own SQLite files (accounts and saved searches, the audit trail): one short
connection per operation, so request threads and the command line share a file safely."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import ClassVar, Literal


class SqliteFile:
    """A store in one SQLite file, its schema created on first open."""

    schema: ClassVar[str]
    # True: no implicit transactions (the store begins and commits its own)
    autocommit: ClassVar[bool] = False

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(self.schema)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """A connection for one operation; without `autocommit`, one transaction."""
        isolation: Literal["DEFERRED"] | None = None if self.autocommit else "DEFERRED"
        with closing(sqlite3.connect(self.path, timeout=30, isolation_level=isolation)) as db:
            if self.autocommit:
                yield db
                return
            with db:
                yield db
