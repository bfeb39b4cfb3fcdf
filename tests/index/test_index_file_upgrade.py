"""An index file written before history and stem search is upgraded in place when opened.

The old file is made from a current one by undoing the upgrade: the searchable history and
stem tables dropped, `listing_versions` back to (id, version, captured_at, document) and the
old schema fingerprint recorded.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from index.errors import BackendConfigError
from index.sqlite import SqliteIndex
from index.sqlite.index_file import UPGRADES
from index.sqlite.schema import schema_fingerprint
from tests.index.conftest import CAPTURED, build_listing

OLD_FINGERPRINT = "01fc3e8266802fc2"
_NEW_TABLES = (
    "version_keywords",
    "versions_fts",
    "versions_fts_terms",
    "versions_stem_fts",
    "listings_stem_fts",
)


def _write_index(path: Path) -> None:
    index = SqliteIndex(path)
    glock = build_listing("glock", title="Glock 19 Pistole", language="de")
    later = CAPTURED + timedelta(days=1)
    index.upsert([glock, build_listing("other", title="Pistolen", language="de")])
    index.upsert([glock.model_copy(update={"title": "Handgun", "captured_at": later})])
    index.close()


def _make_old(path: Path) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    for table in _NEW_TABLES:
        connection.execute(f"DROP TABLE IF EXISTS {table}")
    connection.execute("ALTER TABLE listing_versions RENAME TO searchable_versions")
    connection.execute(
        "CREATE TABLE listing_versions (\n  id TEXT NOT NULL,\n  version INTEGER NOT NULL,\n"
        "  captured_at TEXT NOT NULL,\n  document TEXT NOT NULL,\n  PRIMARY KEY (id, version)\n)"
    )
    connection.execute(
        "INSERT INTO listing_versions SELECT id, CAST(version AS INTEGER), captured_at, document "
        "FROM searchable_versions"
    )
    connection.execute("DROP TABLE searchable_versions")
    connection.execute("UPDATE index_meta SET value = ? WHERE key = 'schema'", (OLD_FINGERPRINT,))
    connection.close()


def test_an_old_file_is_upgraded_and_its_history_becomes_searchable(tmp_path: Path) -> None:
    path = tmp_path / "armswatch.db"
    _write_index(path)
    _make_old(path)
    with SqliteIndex(path) as index:
        earlier = index.search("title:glock", versions="earlier").hits
        assert [(hit.listing.id, hit.listing.version) for hit in earlier] == [("glock", 1)]
        assert {hit.listing.id for hit in index.search("stem:pistolen").hits} == {"other"}
        assert [v.version for v in index.history("glock")] == [1, 2]
    connection = sqlite3.connect(path)
    stored = connection.execute("SELECT value FROM index_meta WHERE key = 'schema'").fetchone()
    connection.close()
    assert stored == (schema_fingerprint(),)
    with SqliteIndex(path) as index:  # opened again: nothing left to upgrade
        assert index.count("*", versions="earlier") == 1


def test_the_old_fingerprint_is_an_upgrade_and_others_are_refused(tmp_path: Path) -> None:
    assert OLD_FINGERPRINT in UPGRADES
    path = tmp_path / "armswatch.db"
    _write_index(path)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("UPDATE index_meta SET value = 'feedfacefeedface' WHERE key = 'schema'")
    connection.close()
    with pytest.raises(BackendConfigError, match="another index schema"):
        SqliteIndex(path)


class _BusyOnUpkeep:
    """The index's connection, as when another process holds the write lock through all of
    `PRAGMA optimize`'s busy timeout (seen with three crawls closing at once)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.closed = False

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        if sql.startswith("PRAGMA optimize"):
            raise sqlite3.OperationalError("database is locked")
        return self.connection.execute(sql, *args)

    def close(self) -> None:
        self.closed = True
        self.connection.close()


def test_closing_while_another_process_writes_skips_the_upkeep_not_the_close(
    tmp_path: Path,
) -> None:
    index = SqliteIndex(tmp_path / "armswatch.db")
    index.upsert([build_listing("l1")])
    busy = _BusyOnUpkeep(index._connection)
    index._connection = busy  # type: ignore[assignment]
    index.close()  # the upkeep is skipped; the file is closed all the same
    assert busy.closed
    reopened = SqliteIndex(tmp_path / "armswatch.db")
    try:
        assert reopened.get("l1") is not None
    finally:
        reopened.close()
