"""Synthetic alerts for the channel tests: made-up listings, no real people or offers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crawlers.listing import Annotations, Entity, Evidence, Listing, Price, Vendor
from rules.alert import Alert, AlertMessage, Change, alert_id
from rules.model import Rule

CAPTURED = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
DASHBOARD = "http://127.0.0.1:8000"
EVIDENCE_SHA256 = "9f" * 32
RECIPIENTS = ["duty-officer@unit.example", "analyst@unit.example"]


def rule(**overrides: Any) -> Rule:
    fields: dict[str, Any] = {
        "name": "auto-sears",
        "owner": "firearms desk",
        "severity": "high",
        "query": "category:conversion_device",
        "recipients": RECIPIENTS,
        "channels": ["mail"],
    }
    fields.update(overrides)
    return Rule(**fields)


def listing(listing_id: str = "lst-0001", **overrides: Any) -> Listing:
    entity_text = "Glock switch"
    fields: dict[str, Any] = {
        "id": listing_id,
        "source": "demo-market",
        "market": "DemoMarket",
        "url": f"http://demomarketxyz.onion/item/{listing_id}",
        "title": "Glock switch, auto sear, ships EU",
        "description": "Drop-in part.\nStealth shipping.",
        "price": Price(amount=450.0, currency="USD", amount_usd=450.0, amount_eur=414.0),
        "vendor": Vendor(handle="ironworks"),
        "ships_from": ["DE"],
        "ships_to": ["WW"],
        "shipping_methods": ["stealth post"],
        "first_seen": CAPTURED,
        "last_seen": CAPTURED,
        "captured_at": CAPTURED,
        "evidence": Evidence(sha256=EVIDENCE_SHA256, warc_file="crawl-1.warc.gz"),
        "annotations": Annotations(
            firearm_related=True,
            category="conversion_device",
            score=0.93,
            entities=[
                Entity(
                    label="part",
                    text=entity_text,
                    start=0,
                    end=len(entity_text),
                    field="title",
                    normalized="auto sear",
                )
            ],
        ),
    }
    fields.update(overrides)
    return Listing(**fields)


def alert(item: Listing | None = None, **overrides: Any) -> Alert:
    item = item or listing()
    fields: dict[str, Any] = {
        "id": alert_id("auto-sears", item.id, item.version),
        "rule": "auto-sears",
        "severity": "high",
        "listing_id": item.id,
        "listing_version": item.version,
        "reason": "new",
        "matched_fields": ["title", "category"],
        "created_at": CAPTURED,
        "listing": item,
    }
    fields.update(overrides)
    return Alert(**fields)


def changed_alert() -> Alert:
    item = listing(version=2, price=Price(amount=380.0, currency="USD", amount_usd=380.0))
    changes = [Change(field="price", before="450 USD", after="380 USD")]
    return alert(item, reason="changed", changes=changes)


def message(*alerts: Alert, key: str = "msg-auto-sears-0001", **rule_fields: Any) -> AlertMessage:
    return AlertMessage(key=key, rule=rule(**rule_fields), alerts=alerts or (alert(),))


def digest(count: int) -> AlertMessage:
    alerts = [alert(listing(f"lst-{number:04d}")) for number in range(count)]
    return message(*alerts, key=f"digest-auto-sears-{count}")
