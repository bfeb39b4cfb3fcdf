"""Bursts of listings for one model or one destination country: days in the window on which
many more gun or part listings went up than the days before it lead to expect.

For each model (`MODEL` entities) and each destination country (`ships_to`, worldwide left
out), listings are counted per day they went up (`appeared_at`: the date the site prints, or
the first crawl). The baseline is the mean per day over the `BASELINE_DAYS` days before the
window. A day is a burst when it holds at least `MIN_BURST` listings and, under a Poisson law
with the baseline mean (at least `FLOOR_RATE` per day), so many or more had a chance below
`P_LIMIT`. Without a window start, or without any listing older than it, there is no baseline
and no burst is reported.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from crawlers.listing import Listing
from intel.patterns.model import (
    ARMS_CATEGORIES,
    Finding,
    ReportInput,
    appeared_at,
    category_of,
    normalized_entities,
)
from intel.windows import day_of

NAME = "bursts"
BASELINE_DAYS = 28
MIN_BURST = 5
FLOOR_RATE = 0.1
P_LIMIT = 0.001


@dataclass(frozen=True, kw_only=True)
class BurstFinding(Finding):
    dimension: str  # model / destination
    value: str
    day: date
    count: int
    baseline_per_day: float
    p_value: float


def bursts(data: ReportInput) -> list[Finding]:
    """Days with a burst of new listings for one model or one destination country."""
    start = data.window.start
    if start is None:
        return []
    first_window_day = day_of(start)
    baseline_from = first_window_day - timedelta(days=BASELINE_DAYS)
    days: dict[tuple[str, str], dict[date, list[str]]] = defaultdict(lambda: defaultdict(list))
    has_history = False
    for listing in data.listings:
        if category_of(listing) not in ARMS_CATEGORIES:
            continue
        day = day_of(appeared_at(listing))
        has_history = has_history or day < first_window_day
        if baseline_from <= day <= day_of(data.window.end):
            for key in _keys(listing):
                days[key][day].append(listing.id)
    if not has_history:
        return []
    findings: list[Finding] = []
    for (dimension, value), counts in sorted(days.items()):
        baseline = sum(len(ids) for day, ids in counts.items() if day < first_window_day)
        rate = max(baseline / BASELINE_DAYS, FLOOR_RATE)
        for day, ids in sorted(counts.items()):
            if day >= first_window_day and len(ids) >= MIN_BURST:
                p = poisson_tail(len(ids), rate)
                if p < P_LIMIT:
                    findings.append(_finding(dimension, value, day, ids, rate, p))
    return findings


def _keys(listing: Listing) -> list[tuple[str, str]]:
    keys = [("model", model) for model in normalized_entities(listing, "MODEL")]
    keys += [("destination", code) for code in dict.fromkeys(listing.ships_to) if code != "WW"]
    return keys


def poisson_tail(count: int, rate: float) -> float:
    """P(X >= count) for X ~ Poisson(rate)."""
    below = sum(math.exp(-rate) * rate**k / math.factorial(k) for k in range(count))
    return max(0.0, 1.0 - below)


def _finding(
    dimension: str, value: str, day: date, ids: list[str], rate: float, p: float
) -> BurstFinding:
    what = value if dimension == "model" else f"shipping to {value}"
    return BurstFinding(
        report=NAME,
        subject=f"{dimension} {value}",
        explanation=(
            f"{len(ids)} listings for {what} went up on {day.isoformat()} against "
            f"{rate:.2f} a day over the {BASELINE_DAYS} days before the window "
            f"(Poisson chance {p:.1e})"
        ),
        listing_ids=tuple(sorted(set(ids))),
        dimension=dimension,
        value=value,
        day=day,
        count=len(ids),
        baseline_per_day=round(rate, 3),
        p_value=p,
    )
