"""A source's crontab expression as an APScheduler trigger, in UTC, with crontab's weekdays.

APScheduler 3 numbers weekdays from Monday (0 = Monday) where crontab numbers them from Sunday
(0 or 7 = Sunday); `CronTrigger.from_crontab` keeps APScheduler's numbers. Numeric weekdays are
therefore rewritten as names first, so `0 3 * * 0` runs on Sundays as in crontab. Times are UTC,
so every daemon sharing a job store computes the same fire times.
"""

from __future__ import annotations

import re
from datetime import UTC

from apscheduler.triggers.cron import CronTrigger

_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab order: 0 = Sunday
_NUMERIC = re.compile(r"^(?P<range>\*|\d+(?:-\d+)?)(?:/(?P<step>\d+))?$")


def cron_trigger(expression: str, jitter: int = 0) -> CronTrigger:
    """The trigger of a five-field crontab expression, in UTC, started up to `jitter` s late."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"a cron expression has 5 fields, not {len(fields)}: {expression!r}")
    minute, hour, day, month, weekday = fields
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=crontab_weekdays(weekday),
        timezone=UTC,
        jitter=jitter or None,
    )


def crontab_weekdays(field: str) -> str:
    """The weekday field with crontab's numbers (0-7, Sunday first) written as day names."""
    return ",".join(_part_as_names(part) for part in field.split(","))


def _part_as_names(part: str) -> str:
    match = _NUMERIC.match(part)
    if match is None or part == "*":
        return part  # names ('mon-fri') and '*' mean the same to both
    first, last = _bounds(match["range"])
    if match["step"] and "-" not in match["range"]:
        last = 6  # '1/2': from Monday on, every other day
    days = range(first, last + 1, int(match["step"] or 1))
    names = sorted({day % 7 for day in days})  # 7 is Sunday too
    return ",".join(_DAY_NAMES[day] for day in names)


def _bounds(span: str) -> tuple[int, int]:
    if span == "*":
        return 0, 6
    first, _, last = span.partition("-")
    low, high = int(first), int(last or first)
    if not 0 <= low <= high <= 7:
        raise ValueError(f"weekdays run from 0 to 7 (Sunday), not {span!r}")
    return low, high
