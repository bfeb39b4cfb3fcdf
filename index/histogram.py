"""Trends: how many listings match a query per day, week, month or year of a date field.

Both backends count by calendar bucket in UTC (weeks start on Monday, as ISO weeks and
Elasticsearch's `calendar_interval: week` do) and leave out empty buckets; each bucket is
named by its first day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Literal, get_args

from index.errors import FacetFieldError
from index.fields import IndexField, lookup_field

Interval = Literal["day", "week", "month", "year"]
INTERVALS: tuple[str, ...] = get_args(Interval)
Bucket = tuple[date, int]


def histogram_field(name: str, interval: str) -> IndexField:
    """The date field a histogram counts by; FacetFieldError for any other field."""
    if interval not in INTERVALS:
        raise ValueError(f"unknown interval {interval!r}; use one of {', '.join(INTERVALS)}")
    field = lookup_field(name)
    if field is None or field.kind != "date":
        raise FacetFieldError(f"cannot count {name!r} by date; use a date field such as first_seen")
    return field


def bucket_start(day: date, interval: str) -> date:
    """The first day of the `interval` bucket holding `day`."""
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    if interval == "year":
        return day.replace(month=1, day=1)
    return day


def merge_days(days: Iterable[Bucket], interval: str) -> list[Bucket]:
    """Per-day counts summed into `interval` buckets, oldest first."""
    counts: dict[date, int] = {}
    for day, count in days:
        start = bucket_start(day, interval)
        counts[start] = counts.get(start, 0) + count
    return sorted(counts.items())
