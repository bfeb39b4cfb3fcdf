"""Retry-After values: delay-seconds and HTTP dates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawlers.safety.retry_after import retry_after_seconds

NOW = datetime(2026, 11, 30, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("2", 2.0),
        (" 120 ", 120.0),
        ("Mon, 30 Nov 2026 12:01:30 GMT", 90.0),
        ("Mon, 30 Nov 2026 11:00:00 GMT", 0.0),  # already past: at once
        ("soon", None),
        ("-5", None),
    ],
)
def test_retry_after_seconds(value: str, seconds: float | None) -> None:
    assert retry_after_seconds(value, NOW) == seconds
