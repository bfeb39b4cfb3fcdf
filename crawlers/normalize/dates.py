"""Dates as sites print them ('12. März 2026', '3 days ago', '2026-03-12') to aware UTC times."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import dateparser


def parse_posted(
    text: str | None, *, languages: Sequence[str], relative_to: datetime
) -> datetime | None:
    """The moment a page's date text names, in UTC, or None when it names none."""
    if not text or not text.strip():
        return None
    settings = {
        "RELATIVE_BASE": relative_to.astimezone(UTC).replace(tzinfo=None),
        "TIMEZONE": "UTC",
        "TO_TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "past",
    }
    parsed = dateparser.parse(text.strip(), languages=list(languages) or None, settings=settings)
    return parsed.astimezone(UTC) if parsed else None
