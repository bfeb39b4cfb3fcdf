"""New SQLite files opened by several processes at once: the switch to WAL mode waits its turn.

SQLite refuses `PRAGMA journal_mode=WAL` at once ("database is locked", no busy wait) while
another connection holds the file; before `index.sqlite.wal`, three threads opening a new
history file or index together failed in about one round of eight.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from index.history_store import HistoryStore
from index.sqlite.index_file import connect

ROUNDS = 60
OPENERS = 3


def _open_history(path: Path) -> None:
    HistoryStore(path).close()


def _open_index(path: Path) -> None:
    connect(path).close()


@pytest.mark.parametrize("opener", [_open_history, _open_index], ids=["history", "index"])
def test_a_new_file_opened_side_by_side_never_reports_locked(
    tmp_path: Path, opener: Callable[[Path], None]
) -> None:
    errors: list[Exception] = []
    for round_number in range(ROUNDS):
        path = tmp_path / f"{round_number}.db"
        start = threading.Barrier(OPENERS)

        def open_it(path: Path = path, start: threading.Barrier = start) -> None:
            start.wait()
            try:
                opener(path)
            except Exception as error:
                errors.append(error)

        threads = [threading.Thread(target=open_it) for _ in range(OPENERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
