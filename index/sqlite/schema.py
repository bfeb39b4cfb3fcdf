"""The SQLite schema of the embedded index, and opening a connection to it.

One file (WAL mode) holds:

- `listings`: one row per listing, the JSON document plus one typed column per keyword,
  number, date and bool field (from the field registry); `seq` is the stable integer key
  shared with the FTS table (an explicit INTEGER PRIMARY KEY, so VACUUM never renumbers it)
- `listing_versions`: earlier versions of changed listings
- `listing_keywords`: one row per value of a keyword-list field (ships_to, entity, ...)
- `listings_fts`: FTS5 over the free-text fields, unicode61 with diacritics removed, and
  `listings_fts_terms`, its vocabulary of distinct tokens (to expand wildcard patterns)
- `vendors`: vendor profiles; `index_meta`: the schema fingerprint
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from index.errors import BackendConfigError
from index.fields import FREE_TEXT_FIELDS
from index.sqlite.columns import COLUMN_FIELDS, SQL_TYPE_OF_KIND, field_column

FTS_TOKENIZER = "unicode61 remove_diacritics 2"
# bm25 weight per FTS column, in FREE_TEXT_FIELDS order: a title match counts most
FTS_COLUMN_WEIGHTS: dict[str, float] = {
    "title": 4.0,
    "description": 1.0,
    "vendor": 2.0,
    "category_path": 1.5,
}
INDEXED_COLUMNS = (
    "market",
    "source",
    "vendor",
    "category",
    "status",
    "language",
    "firearm_related",
    "price.amount_usd",
    "first_seen",
    "last_seen",
    "posted_at",
)


def _listings_table() -> str:
    columns = ",\n  ".join(
        f"{field_column(field.name)} {SQL_TYPE_OF_KIND[field.kind]}" for field in COLUMN_FIELDS
    )
    return (
        "CREATE TABLE listings (\n  seq INTEGER PRIMARY KEY,\n  id TEXT NOT NULL UNIQUE,\n"
        f"  document TEXT NOT NULL,\n  {columns}\n)"
    )


def _column_indexes() -> list[str]:
    return [
        f"CREATE INDEX listings_by_{field_column(name)} ON listings({field_column(name)})"
        for name in INDEXED_COLUMNS
    ]


def schema_statements() -> list[str]:
    fts_columns = ", ".join(FREE_TEXT_FIELDS)
    return [
        _listings_table(),
        *_column_indexes(),
        "CREATE TABLE listing_versions (\n  id TEXT NOT NULL,\n  version INTEGER NOT NULL,\n"
        "  captured_at TEXT NOT NULL,\n  document TEXT NOT NULL,\n  PRIMARY KEY (id, version)\n)",
        "CREATE TABLE listing_keywords (\n  seq INTEGER NOT NULL,\n  field TEXT NOT NULL,\n"
        "  value TEXT NOT NULL,\n  PRIMARY KEY (field, value, seq)\n) WITHOUT ROWID",
        "CREATE INDEX listing_keywords_by_listing ON listing_keywords(seq, field, value)",
        f"CREATE VIRTUAL TABLE listings_fts USING fts5({fts_columns}, "
        f"tokenize = '{FTS_TOKENIZER}')",
        "CREATE VIRTUAL TABLE listings_fts_terms USING fts5vocab(listings_fts, row)",
        "CREATE TABLE vendors (\n  source TEXT NOT NULL,\n  handle TEXT NOT NULL,\n"
        "  market TEXT NOT NULL,\n  captured_at TEXT NOT NULL,\n  document TEXT NOT NULL,\n"
        "  PRIMARY KEY (source, handle)\n)",
        "CREATE TABLE index_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ]


def schema_fingerprint() -> str:
    return hashlib.sha256("\n;\n".join(schema_statements()).encode()).hexdigest()[:16]


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the index file; BackendConfigError if it has another schema."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error as error:
        raise BackendConfigError(f"cannot open the index file {path}: {error}") from error
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("PRAGMA busy_timeout = 10000")
    _ensure_schema(connection, path)
    return connection


def _ensure_schema(connection: sqlite3.Connection, path: Path) -> None:
    connection.execute("BEGIN IMMEDIATE")
    try:
        exists = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'index_meta'"
        ).fetchone()
        if not exists:
            for statement in schema_statements():
                connection.execute(statement)
            connection.execute(
                "INSERT INTO index_meta (key, value) VALUES ('schema', ?)", (schema_fingerprint(),)
            )
        stored = connection.execute("SELECT value FROM index_meta WHERE key = 'schema'").fetchone()
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    if stored is None or stored[0] != schema_fingerprint():
        connection.close()
        raise BackendConfigError(
            f"the index file {path} was written with another index schema; "
            "rebuild it by crawling into a new file"
        )
