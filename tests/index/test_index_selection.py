"""Opening the index from an index URL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from index import BackendConfigError, SqliteIndex, default_index_url, open_index
from index.selection import sqlite_path


def test_absolute_sqlite_url(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "armswatch.db"
    index = open_index(f"sqlite://{path}")
    try:
        assert isinstance(index, SqliteIndex)
        assert index.path == path
        assert path.is_file()  # parent directories created
    finally:
        index.close()


def test_relative_sqlite_url_and_bare_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert sqlite_path("sqlite://rel/armswatch.db") == Path("rel/armswatch.db")
    assert sqlite_path("rel/other.db") == Path("rel/other.db")
    assert sqlite_path(str(tmp_path / "x.db")) == tmp_path / "x.db"
    assert sqlite_path("sqlite:///abs/x.db") == Path("/abs/x.db")
    assert sqlite_path("sqlite:////abs/x.db") == Path("/abs/x.db")  # SQLAlchemy style
    open_index("sqlite://rel/armswatch.db").close()
    assert (tmp_path / "rel" / "armswatch.db").is_file()


def test_default_url_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARMSWATCH_INDEX", raising=False)
    monkeypatch.setenv("ARMSWATCH_DATA", str(tmp_path / "data"))
    assert sqlite_path(default_index_url()) == tmp_path / "data" / "armswatch.db"
    open_index().close()
    assert (tmp_path / "data" / "armswatch.db").is_file()
    monkeypatch.setenv("ARMSWATCH_INDEX", f"sqlite:///{tmp_path / 'chosen.db'}")
    assert default_index_url() == f"sqlite:///{tmp_path / 'chosen.db'}"


def test_default_data_directory_is_dot_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ARMSWATCH_INDEX", raising=False)
    monkeypatch.delenv("ARMSWATCH_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    assert sqlite_path(default_index_url()) == tmp_path / "data" / "armswatch.db"


def test_elasticsearch_url_without_a_node_says_how_to_start_one() -> None:
    with pytest.raises(BackendConfigError, match="armswatch es start") as raised:
        open_index("http://127.0.0.1:1?prefix=nothing-here")
    assert "http://127.0.0.1:1" in str(raised.value)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://127.0.0.1:9200/some/path", "has a path"),
        ("http://127.0.0.1:9200?prefx=x", "unknown option"),
        ("http://127.0.0.1:9200?prefix=Upper", "prefix 'Upper'"),
        ("https://127.0.0.1:9200?verify_certs=maybe", "verify_certs is true or false"),
        ("http://:9200", "needs http:// or https:// and a host"),
        ("http://127.0.0.1:99999", "port"),
    ],
)
def test_bad_elasticsearch_urls_say_what_is_wrong(url: str, says: str) -> None:
    with pytest.raises(BackendConfigError, match=says) as raised:
        open_index(url)
    assert "prefix=armswatch" in str(raised.value)  # an example of a good URL


@pytest.mark.parametrize("url", ["postgres://db/armswatch", "sqlite://", "sqlite:///tmp/dir/"])
def test_other_urls_are_refused_with_the_accepted_forms(url: str) -> None:
    with pytest.raises(BackendConfigError) as raised:
        open_index(url)
    assert repr(url) in str(raised.value)


def test_unsupported_scheme_lists_accepted_forms() -> None:
    with pytest.raises(BackendConfigError, match=r"sqlite:///abs/path\.db"):
        open_index("mysql://db")


def test_a_file_that_is_not_an_index_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not a database, just some notes" * 100)
    with pytest.raises(BackendConfigError, match="cannot open"):
        open_index(str(path))


def test_an_index_with_another_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "armswatch.db"
    SqliteIndex(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE index_meta SET value = 'older' WHERE key = 'schema'")
    connection.close()
    with pytest.raises(BackendConfigError, match="another index schema"):
        SqliteIndex(path)
