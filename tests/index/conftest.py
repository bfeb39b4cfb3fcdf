"""Fixtures for the index tests: a listing factory, an empty index and a small corpus."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawlers.listing import Annotations, Category, Entity, Listing, Price, Vendor
from index.sqlite import SqliteIndex

MakeListing = Callable[..., Listing]

CAPTURED = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def build_listing(listing_id: str = "L1", **overrides: Any) -> Listing:
    """A valid Listing; keyword arguments replace any field."""
    fields: dict[str, Any] = {
        "id": listing_id,
        "source": "demo-market",
        "market": "DemoMarket",
        "url": f"http://demo.onion/listing/{listing_id}",
        "site_listing_id": listing_id,
        "title": f"Listing {listing_id}",
        "description": "",
        "first_seen": CAPTURED,
        "last_seen": CAPTURED,
        "captured_at": CAPTURED,
    }
    fields.update(overrides)
    return Listing(**fields)


@pytest.fixture
def make_listing() -> MakeListing:
    return build_listing


@pytest.fixture
def index(tmp_path: Path) -> Iterator[SqliteIndex]:
    opened = SqliteIndex(tmp_path / "index" / "armswatch.db")
    yield opened
    opened.close()


def _annotations(category: Category, related: bool, *entities: Entity) -> Annotations:
    return Annotations(firearm_related=related, category=category, entities=list(entities))


def _calibre(text: str, normalized: str) -> Entity:
    return Entity(
        label="calibre", text=text, start=0, end=len(text), field="title", normalized=normalized
    )


def _usd(amount: float) -> Price:
    return Price(amount=amount, currency="USD", amount_usd=amount)


def corpus_listings(now: datetime) -> list[Listing]:
    """Eight listings with known words, fields, prices and ages (first_seen = now - days)."""

    def listing(listing_id: str, days: int, **fields: Any) -> Listing:
        seen = now - timedelta(days=days)
        return build_listing(
            listing_id, first_seen=seen, last_seen=seen, captured_at=seen, language="en", **fields
        )

    nine = _calibre("9mm", "9x19mm Parabellum")
    return [
        listing(
            "glock19",
            3,
            title="Glock 19 Gen5 pistol",
            description="Brand new, 9x19 Parabellum, with two magazines",
            vendor=Vendor(handle="IronMike"),
            category_path=["Weapons", "Pistols"],
            price=_usd(450),
            ships_from=["CZ"],
            ships_to=["DE", "AT"],
            posted_at=datetime(2024, 5, 17, 10, 30, tzinfo=UTC),
            annotations=_annotations("firearm", True, nine),
        ),
        listing(
            "glock17",
            20,
            title="Glock 17 frame",
            description="Polymer frame only",
            vendor=Vendor(handle="IronMike"),
            price=_usd(300),
            ships_to=["WW"],
            annotations=_annotations("essential_component", True),
        ),
        listing(
            "switch",
            1,
            title="Auto sear switch for Glock",
            description="Conversion device, full auto. Fits G.lock 17/19",
            vendor=Vendor(handle="SwitchKing"),
            price=_usd(120),
            ships_to=["US", "DE"],
            annotations=_annotations("conversion_device", True),
        ),
        listing(
            "ar15lower",
            10,
            title="AR-15 lower receiver",
            description="Stripped lower receiver, 80% complete. Pickup at Café de Zürich",
            vendor=Vendor(handle="Eagle"),
            price=_usd(500),
            ships_to=["US"],
            annotations=_annotations("essential_component", True),
        ),
        listing(
            "p320",
            40,
            title="SIG Sauer P320 X-Carry",
            description="Compact pistol with lower parts kit",
            vendor=Vendor(handle="eagle"),
            price=_usd(1500),
            ships_to=["FR"],
            annotations=_annotations("firearm", True),
        ),
        listing(
            "ak47strain",
            2,
            title="AK-47 strain 10g",
            description="Premium cannabis <script>alert(1)</script>, not a rifle",
            vendor=Vendor(handle="GreenLeaf"),
            price=Price(amount=0.001, currency="BTC"),
            ships_to=["NL", "DE"],
            annotations=_annotations("none", False),
        ),
        listing(
            "ammo",
            5,
            title="9mm ammo 500 rounds",
            description="FMJ 124gr",
            vendor=Vendor(handle="IronMike"),
            price=_usd(250),
            ships_to=["DE"],
            annotations=_annotations("ammunition", True, nine),
        ),
        listing("manual", 60, title="Gunsmithing manual PDF", description="Digital download"),
    ]


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteIndex]:
    """An index holding `corpus_listings(now)`, shared by a test module (read-only)."""
    opened = SqliteIndex(tmp_path_factory.mktemp("corpus") / "armswatch.db")
    opened.upsert(corpus_listings(datetime.now(UTC)))
    yield opened
    opened.close()


SearchIds = Callable[..., set[str]]


@pytest.fixture(scope="module")
def corpus_ids(corpus_index: SqliteIndex) -> SearchIds:
    """The ids of the corpus listings a query finds."""

    def search_ids(query: str, **options: Any) -> set[str]:
        return {hit.listing.id for hit in corpus_index.search(query, limit=100, **options).hits}

    return search_ids
