"""Bulk reads every backend offers for exports and copies: scanning listings, the earlier
versions of many listings at once, and every vendor profile."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from crawlers.listing import Listing, Price
from crawlers.vendor_profile import VendorProfile
from index.backend import IndexBackend

MakeListing = Callable[..., Listing]
CAPTURED = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def test_scan_listings_streams_every_match_in_order(
    corpus_backend: IndexBackend, corpus: list[Listing]
) -> None:
    everything = list(corpus_backend.scan_listings("*"))
    assert sorted(li.id for li in everything) == sorted({li.id for li in corpus})
    assert [li.first_seen for li in everything] == sorted(
        (li.first_seen for li in everything), reverse=True
    )
    oldest = [li.id for li in corpus_backend.scan_listings("glock", sort="oldest")]
    assert len(oldest) == corpus_backend.count("glock")


def test_earlier_versions_of_many_listings(
    backend: IndexBackend, make_listing: MakeListing
) -> None:
    first = make_listing("a", price=Price(amount=100, currency="USD"))
    backend.upsert([first, make_listing("b")])
    for step in (1, 2):
        when = CAPTURED + timedelta(days=step)
        backend.upsert(
            [
                first.model_copy(
                    update={
                        "price": Price(amount=100 + step, currency="USD"),
                        "captured_at": when,
                        "last_seen": when,
                    }
                )
            ]
        )
    versions = backend.earlier_versions(["a", "b", "missing"])
    assert list(versions) == ["a"]
    assert [li.version for li in versions["a"]] == [1, 2]
    assert [li.price.amount for li in versions["a"] if li.price] == [100, 101]
    assert backend.history("a")[:-1] == versions["a"]


def test_scan_vendors_streams_every_profile(backend: IndexBackend) -> None:
    profiles = [
        VendorProfile(
            source=f"market-{n % 3}",
            market=f"Market{n % 3}",
            handle=f"Vendor{n}",
            url=f"http://m.onion/v/{n}",
            captured_at=CAPTURED,
        )
        for n in range(7)
    ]
    assert backend.upsert_vendors(profiles) == 7
    stored = sorted(backend.scan_vendors(), key=lambda p: (p.source, p.handle))
    assert stored == sorted(profiles, key=lambda p: (p.source, p.handle))


def test_restore_stores_listings_and_versions_as_given(
    backend: IndexBackend, make_listing: MakeListing
) -> None:
    v1 = make_listing("a", title="Glock 19", price=Price(amount=500, currency="USD"))
    v2 = v1.model_copy(update={"version": 2, "status": "changed", "price": Price(amount=450)})
    later = CAPTURED + timedelta(days=3)
    current = v2.model_copy(
        update={"version": 3, "status": "active", "last_seen": later, "captured_at": later}
    )
    assert backend.restore([(current, [v1, v2]), (make_listing("b"), [])]) == 2
    assert backend.restore([(current, [v1, v2])]) == 1  # again: nothing doubles
    assert backend.history("a") == [v1, v2, current]
    assert backend.get("b") == make_listing("b")
    assert [hit.listing.id for hit in backend.search("glock").hits] == ["a"]
    assert backend.count() == 2
