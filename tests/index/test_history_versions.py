"""Material changes beyond content: vendor and status (removed <-> active) make versions.

The merge rule (`index.sqlite.versioning`) is tested on its own, then the same histories are
built in each backend (SQLite and Elasticsearch), which must give the same versions.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from armswatch.cli.history_commands import timeline
from crawlers.listing import Listing, Price, Vendor
from index.backend import IndexBackend, UpsertReport
from index.sqlite.versioning import material_change, merge_listing
from tests.index.conftest import build_listing
from tests.index.contract.conftest import BACKENDS, opened_backend

CAPTURED = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def later(listing: Listing, hours: int, **changes: object) -> Listing:
    """The listing captured again `hours` after CAPTURED (seen then, unless removed)."""
    when = CAPTURED + timedelta(hours=hours)
    return listing.model_copy(update={"captured_at": when, "last_seen": when, **changes})


def removal(listing: Listing, hours: int) -> Listing:
    """The capture that reports `listing` gone `hours` after CAPTURED (not seen then)."""
    when = CAPTURED + timedelta(hours=hours)
    return listing.model_copy(update={"captured_at": when, "status": "removed"})


def offer(**changes: object) -> Listing:
    fields: dict[str, object] = {
        "title": "Glock 19 Gen5",
        "description": "Brand new, two magazines",
        "price": Price(amount=600, currency="USD", amount_usd=600),
        "vendor": Vendor(handle="IronMike"),
        **changes,
    }
    return build_listing("glock", **fields)


# --- the merge rule ---------------------------------------------------------------------------


def test_a_new_vendor_is_a_material_change() -> None:
    stored = offer()
    merged = merge_listing(stored, later(stored, 1, vendor=Vendor(handle="GunRunner")))
    assert (merged.outcome, merged.listing.version, merged.listing.status) == (
        "changed",
        2,
        "changed",
    )
    assert merged.archived == stored


def test_the_vendor_handle_in_other_letter_case_or_profile_is_the_same_vendor() -> None:
    stored = offer()
    renamed = Vendor(handle=" ironmike ", profile_url="http://demo.onion/vendor/ironmike")
    assert not material_change(stored, later(stored, 1, vendor=renamed))


def test_a_vendor_appearing_or_vanishing_is_material() -> None:
    stored = offer(vendor=None)
    assert material_change(stored, later(stored, 1, vendor=Vendor(handle="IronMike")))
    assert material_change(later(stored, 1, vendor=Vendor(handle="IronMike")), stored)


def test_a_removal_is_a_version_that_keeps_last_seen() -> None:
    stored = offer()
    merged = merge_listing(stored, removal(stored, 5))
    assert merged.outcome == "changed"
    assert merged.archived == stored
    listing = merged.listing
    assert (listing.version, listing.status) == (2, "removed")
    assert listing.captured_at == CAPTURED + timedelta(hours=5)
    assert listing.last_seen == CAPTURED  # it was not seen when it was found gone
    assert listing.first_seen == CAPTURED


def test_a_removed_listing_reported_removed_again_makes_no_version() -> None:
    gone = merge_listing(offer(), removal(offer(), 5)).listing
    again = merge_listing(gone, removal(gone, 9))
    assert (again.outcome, again.listing.version, again.listing.status) == (
        "unchanged",
        2,
        "removed",
    )


def test_a_reappearance_is_a_version_with_status_active() -> None:
    gone = merge_listing(offer(), removal(offer(), 5)).listing
    back = merge_listing(gone, later(offer(), 9))
    assert back.outcome == "changed"
    assert back.archived == gone
    assert (back.listing.version, back.listing.status) == (3, "active")
    assert back.listing.last_seen == CAPTURED + timedelta(hours=9)


def test_a_reappearance_with_a_new_price_is_changed() -> None:
    gone = merge_listing(offer(), removal(offer(), 5)).listing
    cheaper = Price(amount=500, currency="USD", amount_usd=500)
    back = merge_listing(gone, later(offer(), 9, price=cheaper))
    assert (back.listing.version, back.listing.status) == (3, "changed")


def test_a_late_removal_older_than_the_stored_capture_changes_nothing() -> None:
    newer = later(offer(), 9)
    merged = merge_listing(newer, removal(offer(), 5))
    assert (merged.outcome, merged.listing.status, merged.listing.version) == (
        "unchanged",
        "active",
        1,
    )


def test_a_removed_listing_reannotated_stays_removed() -> None:
    gone = merge_listing(offer(), removal(offer(), 5)).listing
    again = merge_listing(gone, gone.model_copy(update={"annotations": None}))
    assert (again.outcome, again.listing.status, again.listing.version) == (
        "unchanged",
        "removed",
        2,
    )


# --- both backends ----------------------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IndexBackend]:
    with opened_backend(request.param, tmp_path) as opened:
        yield opened


def _timeline(backend: IndexBackend, listing_id: str) -> list[tuple[int, str, str | None]]:
    backend.refresh()
    return [
        (version.version, version.status, version.vendor.handle if version.vendor else None)
        for version in backend.history(listing_id)
    ]


def test_vendor_removal_and_reappearance_make_the_same_versions_on_every_backend(
    backend: IndexBackend,
) -> None:
    first = offer()
    assert backend.upsert([first]) == UpsertReport(new=("glock",))
    assert backend.upsert([later(first, 1)]) == UpsertReport(unchanged=("glock",))
    assert backend.upsert([later(first, 2, vendor=Vendor(handle="GunRunner"))]) == UpsertReport(
        changed=("glock",)
    )
    moved = later(first, 2, vendor=Vendor(handle="GunRunner"))
    assert backend.upsert([removal(moved, 3)]) == UpsertReport(changed=("glock",))
    assert backend.upsert([removal(moved, 4)]) == UpsertReport(unchanged=("glock",))
    assert backend.upsert([later(moved, 5)]) == UpsertReport(changed=("glock",))
    assert _timeline(backend, "glock") == [
        (1, "active", "IronMike"),
        (2, "changed", "GunRunner"),
        (3, "removed", "GunRunner"),
        (4, "active", "GunRunner"),
    ]
    current = backend.get("glock")
    assert current is not None
    assert current.last_seen == CAPTURED + timedelta(hours=5)
    assert current.first_seen == CAPTURED


def test_removed_listings_are_found_by_status_and_in_earlier_versions(
    backend: IndexBackend,
) -> None:
    kept, gone = offer(), build_listing("other", title="Glock 17 frame")
    backend.upsert([kept, gone])
    backend.upsert([removal(gone, 3)])
    backend.refresh()
    assert [hit.listing.id for hit in backend.search("status:removed").hits] == ["other"]
    assert backend.count("status:active") == 1
    earlier = backend.search("glock", versions="earlier", limit=10).hits
    assert [(hit.listing.id, hit.listing.version, hit.listing.status) for hit in earlier] == [
        ("other", 1, "active")
    ]


def test_the_timeline_is_the_same_on_every_backend(backend: IndexBackend) -> None:
    """What `armswatch history` prints, from each backend's versions."""
    first = offer()
    cheaper = Price(amount=500, currency="USD", amount_usd=500)
    backend.upsert([first])
    backend.upsert([later(first, 24, price=cheaper)])
    backend.upsert([removal(later(first, 24, price=cheaper), 30)])
    backend.upsert([later(first, 48, price=cheaper)])
    backend.refresh()
    starts = {2: CAPTURED + timedelta(hours=24)}
    document = timeline(backend.history("glock"), [], {}, starts)
    rows = [
        (
            v["version"],
            v["since"],
            v["status"],
            [(c["field"], c["before"], c["after"]) for c in v["changes"]],
        )
        for v in document["versions"]
    ]
    assert rows == [
        (1, "2024-06-01T12:00:00+00:00", "active", []),
        (2, "2024-06-02T12:00:00+00:00", "changed", [("price", "600 USD", "500 USD")]),
        (3, None, "removed", [("status", "active", "removed")]),
        (4, None, "active", [("status", "removed", "active")]),
    ]
    assert document["versions"][2]["captured_at"] == "2024-06-02T18:00:00+00:00"
    assert (document["status"], document["last_seen"]) == ("active", "2024-06-03T12:00:00+00:00")
