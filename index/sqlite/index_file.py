"""Opening the index file: creating its schema, upgrading older files, refusing unknown ones.

A file records the fingerprint of the schema it was written with (`index_meta`). A new file
gets the current schema. A file with a fingerprint in `UPGRADES` is upgraded in place, in one
transaction, when it is opened; any other fingerprint is refused with a message saying so.

Upgrades:

- `01fc3e8266802fc2`, the schema before earlier versions and stems were searchable: the old
  `listing_versions` (id, version, captured_at, document) is rebuilt as a searchable table set
  (typed columns, keyword, FTS and stem rows, from each version's stored document), and the
  current listings get their stem rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from crawlers.listing import Listing
from index.errors import BackendConfigError
from index.sqlite.schema import (
    schema_fingerprint,
    schema_statements,
    searchable_tables,
    stems_table,
)
from index.sqlite.store import archive_version, transaction
from index.sqlite.tables import LISTING_TABLES, VERSION_TABLES, write_stems
from index.sqlite.wal import enable_wal


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the index file; BackendConfigError if it has another schema."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        enable_wal(connection)
    except sqlite3.Error as error:
        raise BackendConfigError(f"cannot open the index file {path}: {error}") from error
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("PRAGMA busy_timeout = 10000")
    try:
        _ensure_schema(connection, path)
    except BaseException:
        connection.close()
        raise
    return connection


def _ensure_schema(connection: sqlite3.Connection, path: Path) -> None:
    with transaction(connection):
        stored = _stored_fingerprint(connection)
        if stored is None:
            for statement in schema_statements():
                connection.execute(statement)
        elif stored in UPGRADES:
            UPGRADES[stored](connection)
        elif stored != schema_fingerprint():
            raise BackendConfigError(
                f"the index file {path} was written with another index schema ({stored}); "
                "rebuild it by crawling into a new file"
            )
        if stored != schema_fingerprint():
            connection.execute(
                "INSERT OR REPLACE INTO index_meta (key, value) VALUES ('schema', ?)",
                (schema_fingerprint(),),
            )


def _stored_fingerprint(connection: sqlite3.Connection) -> str | None:
    exists = connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'index_meta'").fetchone()
    if not exists:
        return None
    row = connection.execute("SELECT value FROM index_meta WHERE key = 'schema'").fetchone()
    return str(row[0]) if row else ""


def _searchable_history(connection: sqlite3.Connection) -> None:
    """Upgrade a file of the schema before history and stem search (see the module doc)."""
    connection.execute("ALTER TABLE listing_versions RENAME TO listing_versions_unsearchable")
    for statement in [*searchable_tables(VERSION_TABLES), stems_table(LISTING_TABLES)]:
        connection.execute(statement)
    versions = connection.execute(
        "SELECT document FROM listing_versions_unsearchable ORDER BY id, version"
    )
    for (document,) in versions:
        archive_version(connection, Listing.model_validate_json(document))
    for seq, document in connection.execute("SELECT seq, document FROM listings"):
        write_stems(connection, LISTING_TABLES, seq, Listing.model_validate_json(document))
    connection.execute("DROP TABLE listing_versions_unsearchable")


UPGRADES: dict[str, Callable[[sqlite3.Connection], None]] = {
    "01fc3e8266802fc2": _searchable_history,
}
