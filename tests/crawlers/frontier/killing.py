"""Run some work in a forked process that then dies by SIGKILL: no `finally`, no `close`."""

from __future__ import annotations

import multiprocessing
import os
import signal
import traceback
from collections.abc import Callable


def run_then_kill(work: Callable[[], object]) -> None:
    """Run `work` in a child process, which SIGKILLs itself when done (exit 1 if it raised)."""

    def child() -> None:
        try:
            work()
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        os.kill(os.getpid(), signal.SIGKILL)

    process = multiprocessing.get_context("fork").Process(target=child)
    process.start()
    process.join(timeout=60)
    assert process.exitcode == -signal.SIGKILL, f"the child exited with {process.exitcode}"
