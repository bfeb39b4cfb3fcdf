"""Listings for the sharing tests: a firearm lead built from the entities a test names."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crawlers.listing import Annotations, Category, Entity, Evidence, Listing, Price, Vendor

SEEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LAST = datetime(2026, 3, 4, 8, 30, tzinfo=UTC)
SHA = "ab" * 32


def entity(label: str, text: str, normalized: str | None = None, field: str = "title") -> Entity:
    return Entity(
        label=label, text=text, start=0, end=len(text), field=field, normalized=normalized
    )


def lead(
    listing_id: str = "lead0000000000000001",
    *,
    entities: list[Entity] | None = None,
    category: Category = "firearm",
    annotated: bool = True,
    **fields: Any,
) -> Listing:
    """A firearm listing on a fictitious market, captured with evidence unless `evidence=None`."""
    values: dict[str, Any] = {
        "id": listing_id,
        "source": "test-market",
        "market": "Test Bazaar",
        "url": f"http://127.0.0.1:9/listing/{listing_id}",
        "site_listing_id": listing_id[-4:],
        "source_kind": "market",
        "title": "Glock 19 with two mags",
        "price": Price(amount=0.05, currency="BTC", amount_usd=1500.0),
        "vendor": Vendor(handle="IronHands", profile_url="http://127.0.0.1:9/vendor/IronHands"),
        "ships_from": ["CZ"],
        "ships_to": ["DE", "AT"],
        "first_seen": SEEN,
        "last_seen": LAST,
        "captured_at": LAST,
        "evidence": Evidence(
            warc_file="warc/test-market/a.warc.gz", warc_record_id="<urn:uuid:1>", sha256=SHA
        ),
        "annotations": Annotations(
            firearm_related=category != "none",
            category=category,
            score=0.9,
            entities=entities or [],
        )
        if annotated
        else None,
    }
    values.update(fields)
    return Listing(**values)
