"""Upsert semantics of the SQLite index: idempotence, first/last seen, versions, history."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawlers.listing import Annotations, Evidence, Listing, Price
from crawlers.vendor_profile import VendorProfile
from index.backend import IndexBackend, UpsertReport
from index.sqlite import SqliteIndex

MakeListing = Callable[..., Listing]
CAPTURED = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)  # when make_listing's listings are captured
LATER = CAPTURED + timedelta(days=2)


def test_the_factory_captures_at_captured(make_listing: MakeListing) -> None:
    listing = make_listing()
    assert listing.first_seen == listing.last_seen == listing.captured_at == CAPTURED


def recaptured(listing: Listing, **changes: object) -> Listing:
    """The same listing crawled again at LATER (with first_seen as a fresh crawl sets it)."""
    update = {"captured_at": LATER, "last_seen": LATER, "first_seen": LATER, **changes}
    return listing.model_copy(update=update)


def test_sqlite_index_implements_the_contract(index: SqliteIndex) -> None:
    assert isinstance(index, IndexBackend)


def test_same_batch_twice_is_one_row_and_reported_unchanged(
    index: SqliteIndex, make_listing: MakeListing
) -> None:
    batch = [make_listing("a", title="Glock 19"), make_listing("b", title="Glock 17")]
    assert index.upsert(batch) == UpsertReport(new=("a", "b"))
    assert index.upsert(batch) == UpsertReport(unchanged=("a", "b"))
    assert index.count() == 2
    assert index.count("glock") == 2
    assert len(index.history("a")) == 1
    assert index.get("a") == batch[0]


def test_recapture_keeps_first_seen_and_moves_last_seen(
    index: SqliteIndex, make_listing: MakeListing
) -> None:
    listing = make_listing("a", price=Price(amount=500, currency="USD"))
    index.upsert([listing])
    report = index.upsert([recaptured(listing)])
    stored = index.get("a")
    assert report == UpsertReport(unchanged=("a",))
    assert stored is not None
    assert stored.first_seen == CAPTURED
    assert stored.last_seen == LATER
    assert stored.captured_at == LATER
    assert stored.version == 1
    assert stored.status == "active"
    assert index.count("last_seen:>=2024-06-03") == 1


def test_price_change_makes_version_two_with_history(
    index: SqliteIndex, make_listing: MakeListing
) -> None:
    listing = make_listing("a", price=Price(amount=500, currency="USD", amount_usd=500))
    index.upsert([listing])
    new_price = Price(amount=450, currency="USD", amount_usd=450)
    report = index.upsert([recaptured(listing, price=new_price)])
    assert report == UpsertReport(changed=("a",))
    stored = index.get("a")
    assert stored is not None
    assert (stored.version, stored.status, stored.first_seen) == (2, "changed", CAPTURED)
    history = index.history("a")
    assert [(v.version, v.price.amount if v.price else None) for v in history] == [
        (1, 500),
        (2, 450),
    ]
    assert history[0].status == "active"
    assert history[-1] == stored
    assert index.count("price.amount_usd:450") == 1
    assert index.count("price.amount_usd:500") == 0
    assert index.count("status:changed AND version:2") == 1


def test_status_returns_to_active_when_the_next_capture_is_the_same(
    index: SqliteIndex, make_listing: MakeListing
) -> None:
    listing = make_listing("a", title="Glock 19")
    index.upsert([listing])
    index.upsert([recaptured(listing, title="Glock 19 Gen5")])
    third = recaptured(listing, title="Glock 19 Gen5", captured_at=LATER + timedelta(days=1))
    assert index.upsert([third]) == UpsertReport(unchanged=("a",))
    stored = index.get("a")
    assert stored is not None
    assert (stored.version, stored.status) == (2, "active")
    assert len(index.history("a")) == 2


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "Glock 19 Gen6"},
        {"description": "now with a threaded barrel"},
        {"price": Price(amount=500, currency="EUR")},
        {"ships_to": ["DE", "FR", "US"]},
        {"ships_from": ["PL"]},
        {"shipping_methods": ["dead drop"]},
    ],
)
def test_each_versioned_part_makes_a_new_version(
    index: SqliteIndex, make_listing: MakeListing, changes: dict[str, object]
) -> None:
    listing = make_listing(
        "a", title="Glock 19", price=Price(amount=500, currency="USD"), ships_to=["DE", "FR"]
    )
    index.upsert([listing])
    assert index.upsert([recaptured(listing, **changes)]) == UpsertReport(changed=("a",))


@pytest.mark.parametrize(
    "changes",
    [
        {"annotations": Annotations(firearm_related=True, category="firearm", score=0.9)},
        {"evidence": Evidence(sha256="ab" * 32, warc_file="crawl-2.warc.gz")},
        {"ships_to": ["FR", "DE"]},  # the same countries in another order
        {"description": "Brand  new,\nunfired "},  # only whitespace differs
        {"price": Price(amount=500, currency="usd", amount_usd=512.5)},  # a new exchange rate
    ],
)
def test_other_changes_refresh_without_a_new_version(
    index: SqliteIndex, make_listing: MakeListing, changes: dict[str, object]
) -> None:
    listing = make_listing(
        "a",
        description="Brand new, unfired",
        price=Price(amount=500, currency="USD", amount_usd=500),
        ships_to=["DE", "FR"],
    )
    index.upsert([listing])
    assert index.upsert([recaptured(listing, **changes)]) == UpsertReport(unchanged=("a",))
    stored = index.get("a")
    assert stored is not None
    assert stored.version == 1
    assert len(index.history("a")) == 1
    for name, value in changes.items():
        assert getattr(stored, name) == value  # refreshed from the newer capture


def test_annotation_refresh_is_searchable(index: SqliteIndex, make_listing: MakeListing) -> None:
    listing = make_listing("a")
    index.upsert([listing])
    assert index.count("category:firearm") == 0
    annotated = recaptured(listing, annotations=Annotations(category="firearm"))
    index.upsert([annotated])
    assert index.count("category:firearm") == 1


def test_a_late_older_capture_changes_nothing(
    index: SqliteIndex, make_listing: MakeListing
) -> None:
    newer = make_listing("a", captured_at=LATER, last_seen=LATER, title="Glock 19 Gen5")
    older = make_listing("a", title="Glock 19 Gen4")
    index.upsert([newer])
    assert index.upsert([older]) == UpsertReport(unchanged=("a",))
    stored = index.get("a")
    assert stored is not None
    assert (stored.title, stored.version, stored.first_seen) == ("Glock 19 Gen5", 1, CAPTURED)


def test_removed_status_from_the_crawler_is_kept(
    index: SqliteIndex, make_listing: MakeListing
) -> None:
    listing = make_listing("a")
    index.upsert([listing])
    index.upsert([recaptured(listing, status="removed")])
    assert index.count("status:removed") == 1


def test_the_same_id_twice_in_one_batch(index: SqliteIndex, make_listing: MakeListing) -> None:
    first = make_listing("a", title="Glock 19")
    report = index.upsert([first, recaptured(first, title="Glock 19 Gen5")])
    assert report == UpsertReport(new=("a",))
    assert [v.title for v in index.history("a")] == ["Glock 19", "Glock 19 Gen5"]


def test_title_change_updates_full_text(index: SqliteIndex, make_listing: MakeListing) -> None:
    listing = make_listing("a", title="Glock 19")
    index.upsert([listing])
    index.upsert([recaptured(listing, title="SIG P320")])
    assert index.count("glock") == 0
    assert index.count("p320") == 1


def test_a_failing_batch_stores_nothing(index: SqliteIndex, make_listing: MakeListing) -> None:
    def batch() -> Iterator[Listing]:
        yield make_listing("a")
        raise RuntimeError("crawler broke")

    with pytest.raises(RuntimeError):
        index.upsert(batch())
    assert index.count() == 0
    assert index.upsert([make_listing("a")]) == UpsertReport(new=("a",))


def test_delete_removes_listing_history_and_derived_rows(
    index: SqliteIndex, make_listing: MakeListing
) -> None:
    listing = make_listing("a", title="Glock 19", ships_to=["DE"])
    index.upsert([listing, make_listing("b", title="Glock 17", ships_to=["FR"])])
    index.upsert([recaptured(listing, title="Glock 19 Gen5")])
    assert index.delete(["a", "missing", "a"]) == 1
    assert index.get("a") is None
    assert index.history("a") == []
    assert index.count("glock") == 1
    assert index.count("ships_to:de") == 0
    result = index.search("*", facets=["ships_to"])
    assert [(b.value, b.count) for b in result.facets["ships_to"]] == [("fr", 1)]
    assert index.delete([]) == 0


def test_unknown_id(index: SqliteIndex) -> None:
    assert index.get("nope") is None
    assert index.history("nope") == []


def test_data_survives_reopening(tmp_path: Path, make_listing: MakeListing) -> None:
    path = tmp_path / "armswatch.db"
    with SqliteIndex(path) as first:
        first.upsert([make_listing("a", title="Glock 19")])
    with SqliteIndex(path) as second:
        assert second.count("glock") == 1
        assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_vendor_profiles_keep_the_newest_capture(index: SqliteIndex) -> None:
    profile = VendorProfile(
        source="demo-market",
        market="DemoMarket",
        handle="IronMike",
        url="http://demo.onion/vendor/ironmike",
        about="Quality since 2019",
        captured_at=CAPTURED,
    )
    assert index.upsert_vendors([profile]) == 1
    newer = profile.model_copy(update={"about": "Back in stock", "captured_at": LATER})
    assert index.upsert_vendors([newer]) == 1
    assert index.upsert_vendors([profile]) == 0  # older than the stored one
    stored = index.get_vendor("demo-market", "ironmike")
    assert stored is not None
    assert stored.about == "Back in stock"
    assert index.get_vendor("other-market", "ironmike") is None
