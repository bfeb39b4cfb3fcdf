"""Cron expressions of sources: crontab's weekdays, UTC, jitter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from armswatch.scheduler.cron import cron_trigger, crontab_weekdays

MONDAY = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # a Monday


def _next(expression: str, after: datetime = MONDAY) -> datetime:
    fire = cron_trigger(expression).get_next_fire_time(None, after)
    assert fire is not None
    return fire


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("0", "sun"),
        ("7", "sun"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("*/2", "sun,tue,thu,sat"),
        ("0,6", "sun,sat"),
        ("mon-fri", "mon-fri"),
        ("*", "*"),
    ],
)
def test_weekdays_count_from_sunday_as_in_crontab(field: str, names: str) -> None:
    assert crontab_weekdays(field) == names


def test_a_sunday_schedule_fires_on_sunday_in_utc() -> None:
    fire = _next("0 3 * * 0")
    assert fire == datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    assert fire.strftime("%A") == "Sunday"


def test_every_minute_fires_at_the_next_minute() -> None:
    assert _next("* * * * *", MONDAY.replace(second=30)) == MONDAY.replace(minute=1)


def test_jitter_delays_a_fire_by_at_most_its_seconds() -> None:
    trigger = cron_trigger("0 * * * *", jitter=120)
    fires = {trigger.get_next_fire_time(None, MONDAY) for _ in range(40)}
    assert all(fire is not None for fire in fires)
    delays = {(fire - MONDAY).total_seconds() for fire in fires if fire is not None}
    assert len(delays) > 1 and all(0 <= delay <= 120 for delay in delays)


def test_a_wrong_expression_is_refused() -> None:
    with pytest.raises(ValueError, match="5 fields"):
        cron_trigger("* * * *")
