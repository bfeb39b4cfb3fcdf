"""Choose and open an index backend from an index URL.

Accepted forms:
- `sqlite:///abs/path.db` (absolute; SQLAlchemy's `sqlite:////abs/path.db` too),
  `sqlite://relative/path.db` (relative to the working directory), or a bare file path:
  the embedded SQLite backend
- `http(s)://host:9200[?prefix=...&api_key=...]`: the Elasticsearch backend (options in
  `index.elasticsearch.connection`)

Without a URL, `ARMSWATCH_INDEX` is used, else `<ARMSWATCH_DATA or ./data>/armswatch.db`.
"""

from __future__ import annotations

import os
from pathlib import Path

from index.backend import IndexBackend
from index.errors import BackendConfigError
from index.sqlite import SqliteIndex

SQLITE_SCHEME = "sqlite://"
ELASTICSEARCH_SCHEMES = ("http://", "https://")
ACCEPTED_FORMS = (
    "sqlite:///abs/path.db, sqlite://relative/path.db, a bare file path, "
    "or http(s)://host:port for Elasticsearch"
)


def default_index_url() -> str:
    configured = os.environ.get("ARMSWATCH_INDEX")
    if configured:
        return configured
    data_dir = Path(os.environ.get("ARMSWATCH_DATA") or "data").expanduser().resolve()
    return f"{SQLITE_SCHEME}{data_dir / 'armswatch.db'}"


def sqlite_path(url: str) -> Path:
    """The database file an index URL names; BackendConfigError for any other URL."""
    url = url.strip()
    if is_elasticsearch_url(url):
        raise BackendConfigError(f"the index URL {url!r} names Elasticsearch, not a file")
    if url.startswith(SQLITE_SCHEME):
        path = url.removeprefix(SQLITE_SCHEME)
        if path.startswith("/"):  # sqlite:///abs and SQLAlchemy's sqlite:////abs
            path = "/" + path.lstrip("/")
    elif "://" in url or not url:
        raise BackendConfigError(f"unsupported index URL {url!r}; use {ACCEPTED_FORMS}")
    else:
        path = url
    if not path or path.endswith("/"):
        raise BackendConfigError(f"the index URL {url!r} names no database file")
    return Path(path).expanduser()


def is_elasticsearch_url(url: str) -> bool:
    return url.strip().lower().startswith(ELASTICSEARCH_SCHEMES)


def open_index(url: str | None = None) -> IndexBackend:
    """Open the index an URL names (default: `default_index_url()`)."""
    url = url or default_index_url()
    if is_elasticsearch_url(url):
        from index.elasticsearch import ElasticsearchIndex  # the client only when it is used

        return ElasticsearchIndex.from_url(url)
    return SqliteIndex(sqlite_path(url))
