"""Time windows for reports: `--since 90d` style durations, which listings fall in a window,
and calendar buckets (week, month) for counting over time.

A listing is *in* a window when it was online during it: seen last on or after the window's
start and seen first on or before its end (`first_seen <= end` and `last_seen >= start`).
Reports about what is new (new vendors, bursts) use `first_seen` alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from crawlers.listing import Listing

Bucket = Literal["none", "week", "month"]
BUCKETS: tuple[Bucket, ...] = ("none", "week", "month")
_DURATION = re.compile(r"\s*(\d+)\s*([hdwmy])\s*", re.IGNORECASE)
_UNIT_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}


def parse_since(text: str) -> timedelta:
    """`24h`, `90d`, `12w`, `6m` (30-day months) or `1y` (365 days) as a timedelta."""
    match = _DURATION.fullmatch(text)
    if match is None:
        raise ValueError(
            f"{text!r} is not a duration; write a number and a unit: 24h, 90d, 12w, 6m or 1y"
        )
    amount, unit = int(match.group(1)), match.group(2).lower()
    if amount <= 0:
        raise ValueError(f"{text!r}: a duration must be longer than zero, e.g. 90d")
    if unit == "h":
        return timedelta(hours=amount)
    return timedelta(days=amount * _UNIT_DAYS[unit])


@dataclass(frozen=True)
class Window:
    """The period a report covers: from `start` (None: from the beginning) up to `end`."""

    start: datetime | None
    end: datetime

    @classmethod
    def since(cls, since: str | None, now: datetime | None = None) -> Window:
        end = now or datetime.now(UTC)
        return cls(end - parse_since(since) if since else None, end)

    def holds(self, moment: datetime) -> bool:
        return (self.start is None or moment >= self.start) and moment <= self.end

    def overlaps(self, listing: Listing) -> bool:
        """Whether the listing was online during the window (see the module docstring)."""
        if listing.first_seen > self.end:
            return False
        return self.start is None or listing.last_seen >= self.start

    def describe(self) -> dict[str, str | None]:
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat(),
        }


def bucket_of(moment: datetime, by: Bucket) -> str | None:
    """The calendar bucket a moment falls in: `2026-03` (month), `2026-W12` (ISO week)."""
    if by == "none":
        return None
    if by == "month":
        return f"{moment.year:04d}-{moment.month:02d}"
    year, week, _ = moment.isocalendar()
    return f"{year:04d}-W{week:02d}"


def day_of(moment: datetime) -> date:
    return moment.astimezone(UTC).date()
