"""Processes that must not outlive the one that started them."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent(parent: int | None) -> None:
    """Have the kernel SIGKILL this process when its parent dies; exit now if it already has."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent is not None and os.getppid() != parent:
        sys.exit(1)  # the parent died before we asked: no work as an orphan


def one_worker_pool(initializer: Callable[..., None], *args: Any) -> ProcessPoolExecutor:
    """A pool of one spawned worker process that dies with this one and leaves Ctrl-C to it;
    `initializer(*args)` (a module-level function: it is pickled) runs in the worker first."""
    return ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(os.getpid(), initializer, args),
    )


def _start_worker(parent: int, initializer: Callable[..., None], args: tuple[Any, ...]) -> None:
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    initializer(*args)
