"""How a fire's outcome reads a crawl process stopped by the daemon: stopped before its crawl
began (exit 79, or killed by SIGTERM before it set its own handler) it is "not started"; stopped
during its crawl it is "stopped"."""

from __future__ import annotations

import signal
from datetime import UTC, datetime

import pytest

from armswatch.scheduler.runner import STOPPED_BEFORE_CRAWL, Outcome


@pytest.mark.parametrize("returncode", [STOPPED_BEFORE_CRAWL, -signal.SIGTERM])
def test_a_child_stopped_before_its_crawl_began_is_not_started(returncode: int) -> None:
    now = datetime.now(UTC)
    outcome = Outcome("demo-forum", returncode, now, now, stopped="shutdown")
    assert outcome.summary == "not started: stopped before its crawl began"


def test_a_child_stopped_during_its_crawl_is_stopped() -> None:
    now = datetime.now(UTC)
    outcome = Outcome("demo-forum", 0, now, now, stopped="shutdown")
    assert outcome.summary == "stopped: shutdown (exit 0)"
