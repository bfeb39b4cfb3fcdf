"""Index backends shared by request threads: one per concurrent request at most, opened when
first needed and kept, so a search does not pay for opening the index."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from index.backend import IndexBackend


class IndexPool:
    def __init__(self, open_index: Callable[[], IndexBackend]) -> None:
        self._open = open_index
        self._idle: queue.LifoQueue[IndexBackend] = queue.LifoQueue()
        self._all: list[IndexBackend] = []
        self._lock = threading.Lock()

    @contextmanager
    def borrow(self) -> Iterator[IndexBackend]:
        try:
            index = self._idle.get_nowait()
        except queue.Empty:
            with self._lock:  # one at a time: opening may create the index's schema
                index = self._open()
                self._all.append(index)
        try:
            yield index
        finally:
            self._idle.put(index)

    def close(self) -> None:
        with self._lock:
            opened, self._all = self._all, []
        for index in opened:
            index.close()
