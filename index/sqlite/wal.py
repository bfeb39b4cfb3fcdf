"""Switching an SQLite file to write-ahead logging, safely when several processes open it.

`PRAGMA journal_mode=WAL` on a file still in rollback mode needs the file to itself, and
SQLite answers "database is locked" at once, without its busy handler, when another
connection has the file open meanwhile: two crawl workers opening a new history file side by
side lost a batch of listing history that way. The switch is retried with a growing pause (a
file already in WAL mode answers at once).
"""

from __future__ import annotations

import sqlite3
import time

ATTEMPTS = 20
PAUSE = 0.05  # seconds, times the attempt's number


def enable_wal(connection: sqlite3.Connection) -> None:
    """Put the connection's file in WAL mode, waiting out another connection's switch."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == ATTEMPTS:
                raise
            time.sleep(PAUSE * attempt)
