"""Trap links are told from ordinary ones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawlers.safety.traps import TrapRules

TODAY = datetime(2026, 11, 30, tzinfo=UTC)
RULES = TrapRules(max_url_length=200, max_path_repeats=3, calendar_years=10)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://m.onion/?q=" + "a" * 300, "trap_url_too_long"),
        ("http://m.onion/trap/loop/x/x/x/x/", "trap_repeating_path"),
        ("http://m.onion/a/b/a/b/a/b/a/b", "trap_repeating_path"),
        ("http://m.onion/calendar/2028/01", "trap_calendar"),
        ("http://m.onion/events?month=2031-05", "trap_calendar"),
        ("http://m.onion/calendar/2015/12", "trap_calendar"),
    ],
)
def test_trap_links_are_named_by_kind(url: str, kind: str) -> None:
    found = RULES.trap(url, TODAY)
    assert found is not None and found[0] == kind


@pytest.mark.parametrize(
    "url",
    [
        "http://m.onion/listing/hb-001",
        "http://m.onion/thread/48001?page=3",
        "http://m.onion/calendar/2027/11",  # within a year ahead
        "http://m.onion/archive/2017-01-05/post",  # within ten years back
        "http://m.onion/item/201912",  # six digits: an id, not a date
        "http://m.onion/x/x/x/",  # three times: allowed
    ],
)
def test_ordinary_links_pass(url: str) -> None:
    assert RULES.trap(url, TODAY) is None
