"""One crawl per source at a time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from armswatch.scheduler.locks import SourceBusyError, SourceLock, hold_sources

HOLDER = """
import sys, time
from pathlib import Path
from armswatch.scheduler.locks import SourceLock
SourceLock(Path(sys.argv[1]), "demo-forum").acquire()
print("held", flush=True)
time.sleep(120)
"""


def test_a_source_held_by_another_process_is_busy_until_that_process_dies(
    tmp_path: Path,
) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(SourceBusyError, match=f"pid {holder.pid}") as busy:
            SourceLock(tmp_path, "demo-forum").acquire()
        assert busy.value.source == "demo-forum"
        with SourceLock(tmp_path, "demo-market"):  # other sources are free
            pass
    finally:
        holder.kill()  # no clean-up of its own: the kernel drops the lock
        holder.wait()
    with SourceLock(tmp_path, "demo-forum"):
        pass


def test_holding_several_sources_takes_all_or_none(tmp_path: Path) -> None:
    with (
        SourceLock(tmp_path, "b"),
        pytest.raises(SourceBusyError),
        hold_sources(tmp_path, ["c", "b", "a"]),
    ):
        pass
    with hold_sources(tmp_path, ["c", "b", "a"]), pytest.raises(SourceBusyError):
        SourceLock(tmp_path, "a").acquire()  # a second descriptor, even in this process
    with SourceLock(tmp_path, "a"):  # all released
        pass
