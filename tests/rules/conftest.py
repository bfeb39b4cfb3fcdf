"""Fixtures of the rule tests: a rules directory written on the fly, an index and a store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from index.sqlite import SqliteIndex
from rules.loader import RuleSet, load_rules
from rules.store import AlertStore

FILE_CHANNEL = "channels:\n  case-file:\n    kind: file\n    path: alerts.jsonl\n"
WriteRules = Callable[..., RuleSet]


@pytest.fixture
def write_rules(tmp_path: Path) -> WriteRules:
    """Write rules (name -> YAML body without name/owner/channels) and load the directory."""
    directory = tmp_path / "rules"
    directory.mkdir()

    def write(channels: str = FILE_CHANNEL, **rules: str) -> RuleSet:
        (directory / "channels.yaml").write_text(channels, encoding="utf-8")
        for name, body in rules.items():
            head = f"name: {name}\nowner: desk\n"
            if "channels:" not in body:
                head += "channels: [case-file]\n"
            (directory / f"{name}.yaml").write_text(head + body, encoding="utf-8")
        return load_rules(directory)

    return write


@pytest.fixture
def sqlite_index(tmp_path: Path) -> Iterator[SqliteIndex]:
    index = SqliteIndex(tmp_path / "index" / "armswatch.db")
    yield index
    index.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[AlertStore]:
    opened = AlertStore(tmp_path / "alerts.db")
    yield opened
    opened.close()
