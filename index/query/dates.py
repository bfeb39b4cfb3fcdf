"""Dates in queries: ISO dates and times, and Elasticsearch-style date math.

Accepted forms (UTC unless an offset is given):

- `2024`, `2024-05`, `2024-05-17`, `2024-05-17T10`, `2024-05-17T10:30`, `2024-05-17T10:30:00`,
  with optional fraction and `Z` / `+02:00` (quote values with an offset: `"...+02:00"`)
- `now`, `now-7d`, `now-12h`, `now+1M`, `now-1y/d`, `2024-05-17||+1d`
  (units: y years, M months, w weeks, d days, h/H hours, m minutes, s seconds; `/unit`
  rounds down to the start of that unit)

A date names a span: `2024-05-17` is the whole day, `now-1d/d` all of yesterday, `now-7d`
one instant. `field:2024-05-17` matches the whole day; `<=` includes the whole span and `>`
starts after it, as Elasticsearch does.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo

_MATH_STEP = re.compile(r"([+-])(\d+)([yMwdhHms])")
_ROUNDING = re.compile(r"/([yMwdhHms])$")
_ISO = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:[T ](?P<hour>\d{2})(?::(?P<minute>\d{2})(?::(?P<second>\d{2})(?P<fraction>\.\d+)?)?)?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})?)?)?)?$"
)
_FIXED_UNITS = {
    "w": timedelta(weeks=1),
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "H": timedelta(hours=1),
    "m": timedelta(minutes=1),
    "s": timedelta(seconds=1),
}
_PRECISION_OF_GROUP = {
    "year": "y",
    "month": "M",
    "day": "d",
    "hour": "h",
    "minute": "m",
    "second": "s",
}


@dataclass(frozen=True)
class DateSpan:
    """A resolved date: from `start` (inclusive) to `stop` (exclusive); an instant has no stop."""

    start: datetime
    stop: datetime | None = None


def parse_date(text: str, now: datetime) -> DateSpan | None:
    """The span a query date names, or None when `text` is not a date (or one past the
    years 1 to 9999, such as `now-99999d` or the year `9999`, whose end is in year 10000)."""
    try:
        return _parse_date(text.strip(), now)
    except (ValueError, OverflowError):
        return None


def _parse_date(text: str, now: datetime) -> DateSpan | None:
    anchor_text, math_text = _split_anchor(text)
    span = _parse_anchor(anchor_text, now)
    if span is None:
        return None
    rounding = _ROUNDING.search(math_text)
    steps_text = math_text[: rounding.start()] if rounding else math_text
    steps = _MATH_STEP.findall(steps_text)
    if "".join("".join(step) for step in steps) != steps_text:
        return None
    for sign, amount, step_unit in steps:
        span = _shift_span(span, int(amount) * (1 if sign == "+" else -1), step_unit)
    if rounding:
        unit = rounding.group(1)
        start = _round_down(span.start, unit)
        span = DateSpan(start, _shift(start, 1, unit))
    return span


def _split_anchor(text: str) -> tuple[str, str]:
    if text.startswith("now"):
        return "now", text[3:]
    if "||" in text:
        anchor, _, math = text.partition("||")
        return anchor, math
    return text, ""


def _parse_anchor(text: str, now: datetime) -> DateSpan | None:
    if text == "now":
        return DateSpan(now.astimezone(UTC))
    match = _ISO.match(text)
    if match is None:
        return None
    parts = {name: int(match.group(name)) for name in _PRECISION_OF_GROUP if match.group(name)}
    fraction = match.group("fraction")
    try:
        start = datetime(
            parts["year"],
            parts.get("month", 1),
            parts.get("day", 1),
            parts.get("hour", 0),
            parts.get("minute", 0),
            parts.get("second", 0),
            int(float(fraction) * 1_000_000) if fraction else 0,
            tzinfo=_zone(match.group("zone")),
        ).astimezone(UTC)
    except ValueError:
        return None
    if fraction:
        return DateSpan(start)
    unit = _PRECISION_OF_GROUP[list(parts)[-1]]
    return DateSpan(start, _shift(start, 1, unit))


def _zone(text: str | None) -> tzinfo:
    if text is None or text == "Z":
        return UTC
    digits = text[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return timezone(offset if text[0] == "+" else -offset)


def _shift_span(span: DateSpan, amount: int, unit: str) -> DateSpan:
    stop = _shift(span.stop, amount, unit) if span.stop else None
    return DateSpan(_shift(span.start, amount, unit), stop)


def _shift(moment: datetime, amount: int, unit: str) -> datetime:
    if unit in _FIXED_UNITS:
        return moment + amount * _FIXED_UNITS[unit]
    months = amount * (12 if unit == "y" else 1)
    month_index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(month_index, 12)
    day = min(moment.day, monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _round_down(moment: datetime, unit: str) -> datetime:
    if unit == "y":
        return moment.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "M":
        return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "w":
        return day - timedelta(days=moment.weekday())
    if unit == "d":
        return day
    if unit in ("h", "H"):
        return moment.replace(minute=0, second=0, microsecond=0)
    if unit == "m":
        return moment.replace(second=0, microsecond=0)
    return moment.replace(microsecond=0)
