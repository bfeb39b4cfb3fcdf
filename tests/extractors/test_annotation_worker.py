"""AnnotationWorker: the same annotations as in process, a worker that dies is replaced, and a
worker never outlives the process that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from crawlers.listing import Listing
from extractors.annotation_worker import AnnotationWorker
from extractors.annotator import Annotator

TEXTS = [
    ("Glock switch auto sear, ships fast", "Drop-in auto sear for Glock 17 and 19.", "en"),
    ("GL0CK 19 Gen5 with 2 mags", "Clean pistol, 9mm, 200 rounds included.", None),
    ("Verschluss für Walther PPQ", "Neuwertiger Schlitten, Versand aus Deutschland.", None),
    ("AK-47 Kush 7g strain", "Top shelf indoor buds, 20% THC.", "en"),
]


def _listings() -> list[Listing]:
    when = datetime(2024, 1, 1, tzinfo=UTC)
    return [
        Listing(
            id=f"id-{number}",
            source="tiny",
            market="Tiny",
            url=f"http://127.0.0.1/item/{number}",
            title=title,
            description=description,
            language=language,
            first_seen=when,
            last_seen=when,
            captured_at=when,
        )
        for number, (title, description, language) in enumerate(TEXTS)
    ]


@pytest.fixture(scope="module")
def worker() -> Iterator[AnnotationWorker]:
    started = AnnotationWorker()
    try:
        yield started
    finally:
        started.close()


def _worker_pids(worker: AnnotationWorker) -> list[int]:
    pool = worker._pool_now()
    return list(pool._processes)


def test_the_worker_annotates_as_the_annotator_does(worker: AnnotationWorker) -> None:
    listings = _listings()
    expected = Annotator.load().annotate_listings(listings)
    found = worker.annotate_listings(listings)
    assert found == expected
    assert [listing.language for listing in found] == ["en", "en", "de", "en"]
    assert found[0].annotations is not None and found[0].annotations.category != "none"
    assert _worker_pids(worker) and os.getpid() not in _worker_pids(worker)


def test_a_worker_that_dies_is_replaced_and_the_batch_annotated(worker: AnnotationWorker) -> None:
    listings = _listings()
    worker.annotate_listings(listings[:1])  # the worker is up
    [dead] = _worker_pids(worker)
    os.kill(dead, signal.SIGKILL)
    time.sleep(0.5)  # the pool notices its worker is gone
    found = worker.annotate_listings(listings)
    assert [listing.annotations is not None for listing in found] == [True] * len(listings)
    [replacement] = _worker_pids(worker)
    assert replacement != dead


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead too
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ")[-1][:1] != "Z"
    except FileNotFoundError:
        return False


OWNER = """
import sys, time
from extractors.annotation_worker import AnnotationWorker
worker = AnnotationWorker()
worker.annotate_listings([])
print(*worker._pool_now()._processes, flush=True)
time.sleep(600)
"""


def test_the_worker_dies_with_the_process_that_started_it() -> None:
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER], stdout=subprocess.PIPE, text=True, cwd=os.getcwd()
    )
    try:
        assert owner.stdout is not None
        [pid] = map(int, owner.stdout.readline().split())
        assert _alive(pid)
    finally:
        owner.kill()
        owner.wait(timeout=30)
    deadline = time.monotonic() + 30
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(pid), "the annotation worker outlived its parent"
