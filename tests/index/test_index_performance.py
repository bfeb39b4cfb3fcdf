"""The embedded index is fast enough for a crawl batch."""

from __future__ import annotations

import time
from collections.abc import Callable

from crawlers.listing import Annotations, Entity, Listing, Price, Vendor
from index.sqlite import SqliteIndex


def test_upsert_of_2000_listings_is_well_under_two_seconds(
    index: SqliteIndex, make_listing: Callable[..., Listing]
) -> None:
    entity = Entity(label="calibre", text="9mm", start=0, end=3, field="title", normalized="9x19mm")
    batch = [
        make_listing(
            f"L{number}",
            title=f"Glock {number % 50} pistol with {number % 7} magazines",
            description="Brand new, unfired, 9x19 Parabellum. Discreet shipping. " * 5,
            vendor=Vendor(handle=f"vendor{number % 40}"),
            price=Price(amount=100 + number, currency="USD", amount_usd=100 + number),
            ships_to=["DE", "FR", "NL"],
            annotations=Annotations(firearm_related=True, category="firearm", entities=[entity]),
        )
        for number in range(2000)
    ]
    started = time.perf_counter()
    report = index.upsert(batch)
    elapsed = time.perf_counter() - started
    assert len(report.new) == 2000
    assert elapsed < 2.0, f"upsert of 2000 listings took {elapsed:.2f} s"
    started = time.perf_counter()
    assert index.upsert(batch).unchanged == report.new
    assert time.perf_counter() - started < 2.0
    assert index.count("glock AND ships_to:de AND price.amount_usd:<600") == 500
