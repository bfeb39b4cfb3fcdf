"""Route aggregation on listings built here: pairs, counts, windows, methods, vendors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawlers.listing import Annotations, Listing, Vendor
from intel.routes import build_routes, csv_rows, method_class
from intel.windows import Window, bucket_of, parse_since

NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)


def listing(
    number: int,
    *,
    ships_from: list[str] | None = None,
    ships_to: list[str] | None = None,
    methods: list[str] | None = None,
    vendor: str = "alpha",
    market: str = "M1",
    category: str = "essential_component",
    seen: datetime = NOW - timedelta(days=1),
) -> Listing:
    return Listing(
        id=f"l{number}",
        source=f"src-{market}",
        market=market,
        url=f"http://example.test/{number}",
        title=f"offer {number}",
        vendor=Vendor(handle=vendor),
        ships_from=["RS"] if ships_from is None else ships_from,
        ships_to=["DE"] if ships_to is None else ships_to,
        shipping_methods=["registered mail"] if methods is None else methods,
        first_seen=seen,
        last_seen=seen,
        captured_at=seen,
        annotations=Annotations(category=category),
    )


def rows_of(listings: list[Listing], **options: object) -> dict[tuple[str, ...], tuple[int, ...]]:
    report = build_routes(listings, window=Window(None, NOW), **options)  # type: ignore[arg-type]
    return {
        (row.origin, row.destination, row.method): (row.listings, row.vendors, row.markets)
        for row in report.rows
    }


def test_a_listing_counts_once_per_pair_and_vendors_and_markets_are_distinct() -> None:
    listings = [
        listing(1, ships_to=["DE", "AT"]),
        listing(2, ships_to=["DE"], vendor="beta"),
        listing(3, ships_to=["DE"], vendor="alpha", market="M2"),
        listing(4, ships_to=["DE", "DE"]),  # a repeated code counts once
    ]
    assert rows_of(listings) == {
        ("RS", "DE", "registered mail"): (4, 3, 2),
        ("RS", "AT", "registered mail"): (1, 1, 1),
    }


def test_worldwide_is_its_own_destination_and_missing_codes_are_unknown() -> None:
    listings = [
        listing(1, ships_to=["WW"]),
        listing(2, ships_from=[], ships_to=[], methods=[]),
    ]
    assert rows_of(listings) == {
        ("RS", "WW", "registered mail"): (1, 1, 1),
        ("unknown", "unknown", "unspecified"): (1, 1, 1),
    }


def test_category_filter_uses_the_classifier_category() -> None:
    listings = [listing(1), listing(2, category="firearm"), listing(3, category="none")]
    report = build_routes(listings, window=Window(None, NOW), category="firearm")
    assert [(row.category, row.listings) for row in report.rows] == [("firearm", 1)]
    assert report.listings == 1


def test_window_takes_listings_online_in_it() -> None:
    old = listing(1, seen=NOW - timedelta(days=100))
    recent = listing(2, seen=NOW - timedelta(days=10))
    report = build_routes([old, recent], window=Window.since("90d", NOW))
    assert report.listings == 1
    assert report.header()["period"]["start"] == (NOW - timedelta(days=90)).isoformat()


def test_method_classes_merge_languages() -> None:
    listings = [
        listing(1, methods=["registered mail"]),
        listing(2, methods=["einschreiben"]),
        listing(3, methods=["dhl paket (versichert)"]),
        listing(4, methods=["tracked express"]),
    ]
    assert rows_of(listings, methods="class") == {
        ("RS", "DE", "post"): (2, 1, 1),
        ("RS", "DE", "courier"): (1, 1, 1),
        ("RS", "DE", "other"): (1, 1, 1),
    }
    assert method_class("Почта России") == "post"


def test_by_month_buckets_on_first_seen() -> None:
    listings = [
        listing(1, seen=datetime(2026, 5, 3, tzinfo=UTC)),
        listing(2, seen=datetime(2026, 6, 3, tzinfo=UTC)),
    ]
    report = build_routes(listings, window=Window(None, NOW), by="month")
    assert [(row.period, row.listings) for row in report.rows] == [("2026-05", 1), ("2026-06", 1)]
    assert bucket_of(datetime(2026, 3, 16, tzinfo=UTC), "week") == "2026-W12"


def test_aggregates_only_unless_vendors_are_asked_for() -> None:
    listings = [listing(1), listing(2, vendor="beta")]
    plain = build_routes(listings, window=Window(None, NOW))
    assert plain.header()["aggregates_only"] is True
    assert "vendor_handles" not in plain.to_dict()["routes"][0]
    assert "alpha" not in str(plain.to_dict()) and "alpha" not in str(csv_rows(plain))
    named = build_routes(listings, window=Window(None, NOW), with_vendors=True)
    assert named.header()["aggregates_only"] is False
    assert named.header()["personal_data"] == "vendor handles included on request"
    assert named.to_dict()["routes"][0]["vendor_handles"] == ["M1/alpha", "M1/beta"]
    assert csv_rows(named)[1][-1] == "M1/alpha;M1/beta"


@pytest.mark.parametrize(
    ("text", "days"), [("90d", 90), ("12w", 84), ("6m", 180), ("1y", 365), ("48h", 2)]
)
def test_durations(text: str, days: int) -> None:
    assert parse_since(text) == timedelta(days=days)


@pytest.mark.parametrize("text", ["90", "d90", "0d", "3 fortnights"])
def test_bad_durations_say_how_to_write_one(text: str) -> None:
    with pytest.raises(ValueError, match="90d"):
        parse_since(text)
