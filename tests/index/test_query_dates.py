"""Dates and date math in queries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from index.query.dates import DateSpan, parse_date

NOW = datetime(2024, 3, 31, 15, 45, 30, tzinfo=UTC)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", DateSpan(NOW)),
        ("now-7d", DateSpan(utc(2024, 3, 24, 15, 45, 30))),
        ("now-12h", DateSpan(utc(2024, 3, 31, 3, 45, 30))),
        ("now-30m", DateSpan(utc(2024, 3, 31, 15, 15, 30))),
        ("now+1w", DateSpan(utc(2024, 4, 7, 15, 45, 30))),
        ("now-1M", DateSpan(utc(2024, 2, 29, 15, 45, 30))),  # clamped to the month's last day
        ("now-1y", DateSpan(utc(2023, 3, 31, 15, 45, 30))),
        ("now-1d-1h", DateSpan(utc(2024, 3, 30, 14, 45, 30))),
        ("now/d", DateSpan(utc(2024, 3, 31), utc(2024, 4, 1))),
        ("now-1d/d", DateSpan(utc(2024, 3, 30), utc(2024, 3, 31))),
        ("now/M", DateSpan(utc(2024, 3, 1), utc(2024, 4, 1))),
        ("now/w", DateSpan(utc(2024, 3, 25), utc(2024, 4, 1))),  # weeks start on Monday
        ("2024", DateSpan(utc(2024, 1, 1), utc(2025, 1, 1))),
        ("2024-02", DateSpan(utc(2024, 2, 1), utc(2024, 3, 1))),
        ("2024-05-17", DateSpan(utc(2024, 5, 17), utc(2024, 5, 18))),
        ("2024-05-17T10", DateSpan(utc(2024, 5, 17, 10), utc(2024, 5, 17, 11))),
        ("2024-05-17T10:30", DateSpan(utc(2024, 5, 17, 10, 30), utc(2024, 5, 17, 10, 31))),
        ("2024-05-17T10:30:00Z", DateSpan(utc(2024, 5, 17, 10, 30), utc(2024, 5, 17, 10, 30, 1))),
        (
            "2024-05-17T12:30:00+02:00",
            DateSpan(utc(2024, 5, 17, 10, 30), utc(2024, 5, 17, 10, 30, 1)),
        ),
        ("2024-05-17T10:30:00.250", DateSpan(utc(2024, 5, 17, 10, 30, 0, 250000))),
        ("2024-05-17||+1d", DateSpan(utc(2024, 5, 18), utc(2024, 5, 19))),
    ],
)
def test_dates_and_date_math(text: str, expected: DateSpan) -> None:
    assert parse_date(text, NOW) == expected


@pytest.mark.parametrize(
    "text",
    ["yesterday", "now-7x", "now-d", "2024-13-01", "2024-02-30", "17.05.2024", "now-7d junk"],
)
def test_not_dates(text: str) -> None:
    assert parse_date(text, NOW) is None
