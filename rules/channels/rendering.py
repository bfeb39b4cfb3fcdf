"""What an alert message says: the subject, plain-text and HTML bodies, and the JSON payload.

Listing text comes from criminal sites and is untrusted. The HTML body is rendered with
autoescaping on; every displayed value is put on one line without control or bidi-override
characters (no header injection, no terminal escapes, no right-to-left spoofing). The
listing's own URL is shown as text, never as a link or an image: a case officer's mail client
must not contact the site. The only link points at the analysts' dashboard.

The payload (webhook body, file line) has this shape::

    {"key": "...", "digest": false,
     "rule": {"name": "auto-sears", "severity": "high", "owner": "firearms desk"},
     "alerts": [{"id": "...", "severity": "high", "reason": "changed",
                 "listing_id": "...", "listing_version": 2,
                 "changes": [{"field": "price", "before": "450 USD", "after": "380 USD"}],
                 "matched_fields": ["title"], "created_at": "2024-06-01T12:00:00+00:00",
                 "dashboard_url": "http://127.0.0.1:8000/listings/...",
                 "listing": {"title": "...", "url": "...", "market": "...", "source": "...",
                             "vendor": "handle or null",
                             "price": {"amount": 450.0, "currency": "USD",
                                       "amount_usd": 450.0, "amount_eur": 414.0} or null,
                             "ships_from": ["DE"], "ships_to": ["WW"],
                             "shipping_methods": ["..."], "category": "conversion_device",
                             "score": 0.93,
                             "entities": [{"label": "...", "text": "...", "normalized": "..."}],
                             "evidence_sha256": "hex or null"}}]}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from crawlers.listing import Annotations, Listing, Price
from rules.alert import Alert, AlertMessage

NOT_CAPTURED = "not captured"
NOT_GIVEN = "not given"
TITLE_LIMIT = 80
DESCRIPTION_LIMIT = 280
# C0/C1 controls and the Unicode bidi overrides, isolates and marks
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

_TEMPLATES = Environment(
    loader=PackageLoader("rules.channels", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def one_line(text: str | None, limit: int | None = None) -> str:
    """Untrusted text as one display line: no controls, whitespace collapsed, cut at `limit`."""
    cleaned = " ".join(_UNSAFE.sub(" ", text or "").split())
    if limit is not None and len(cleaned) > limit:
        return cleaned[: limit - 1].rstrip() + "…"
    return cleaned


def dashboard_link(dashboard_url: str, listing_id: str) -> str:
    """The listing's page in the analysts' dashboard."""
    return f"{dashboard_url.rstrip('/')}/listings/{quote(listing_id, safe='')}"


def subject(message: AlertMessage) -> str:
    """`[armswatch high] auto-sears: <title> (new)`, or `[armswatch] digest: 7 matches for ...`."""
    if len(message.alerts) != 1:
        return f"[armswatch] digest: {len(message.alerts)} matches for {message.rule.name}"
    alert = message.alerts[0]
    title = one_line(alert.listing.title, TITLE_LIMIT) or alert.listing_id
    return f"[armswatch {alert.severity}] {message.rule.name}: {title} ({alert.reason})"


def plain_text(message: AlertMessage, dashboard_url: str) -> str:
    """The plain-text body of an alert or a digest."""
    return _render("alert.txt.j2", message, dashboard_url)


def html(message: AlertMessage, dashboard_url: str) -> str:
    """The HTML body; every value from the listing is escaped."""
    return _render("alert.html.j2", message, dashboard_url)


def payload(message: AlertMessage, dashboard_url: str) -> dict[str, Any]:
    """The JSON-ready record a webhook posts and a file channel appends (shape above)."""
    rule = message.rule
    return {
        "key": message.key,
        "digest": message.is_digest,
        "rule": {"name": rule.name, "severity": rule.severity, "owner": rule.owner},
        "alerts": [_alert_payload(alert, dashboard_url) for alert in message.alerts],
    }


def _alert_payload(alert: Alert, dashboard_url: str) -> dict[str, Any]:
    return {
        "id": alert.id,
        "severity": alert.severity,
        "reason": alert.reason,
        "listing_id": alert.listing_id,
        "listing_version": alert.listing_version,
        "changes": [change.model_dump(mode="json") for change in alert.changes],
        "matched_fields": list(alert.matched_fields),
        "created_at": alert.created_at.isoformat(),
        "dashboard_url": dashboard_link(dashboard_url, alert.listing_id),
        "listing": _listing_payload(alert.listing),
    }


def _listing_payload(listing: Listing) -> dict[str, Any]:
    annotations = listing.annotations or Annotations()
    price = listing.price
    return {
        "title": listing.title,
        "url": listing.url,
        "market": listing.market,
        "source": listing.source,
        "vendor": listing.vendor.handle if listing.vendor else None,
        "price": price.model_dump(mode="json", exclude={"text"}) if price else None,
        "ships_from": list(listing.ships_from),
        "ships_to": list(listing.ships_to),
        "shipping_methods": list(listing.shipping_methods),
        "category": annotations.category,
        "score": annotations.score,
        "entities": [
            {"label": entity.label, "text": entity.text, "normalized": entity.normalized}
            for entity in annotations.entities
        ],
        "evidence_sha256": listing.evidence.sha256 if listing.evidence else None,
    }


# --- what the templates show ------------------------------------------------------------


@dataclass(frozen=True)
class ChangeView:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class AlertView:
    """One alert as the bodies show it: every string already on one clean line."""

    title: str
    reason: str
    severity: str
    version: int
    dashboard_link: str
    fields: list[tuple[str, str]]
    description: str
    entities: list[str]
    changes: list[ChangeView]
    matched_fields: str
    evidence: str
    created_at: str


def _render(template: str, message: AlertMessage, dashboard_url: str) -> str:
    rule = message.rule
    return _TEMPLATES.get_template(template).render(
        subject=subject(message),
        rule_name=rule.name,
        severity=rule.severity,
        owner=one_line(rule.owner),
        digest=message.is_digest,
        count=len(message.alerts),
        alerts=[_alert_view(alert, dashboard_url) for alert in message.alerts],
        key=message.key,
    )


def _alert_view(alert: Alert, dashboard_url: str) -> AlertView:
    listing = alert.listing
    evidence = listing.evidence.sha256 if listing.evidence else None
    return AlertView(
        title=one_line(listing.title) or listing.id,
        reason=alert.reason,
        severity=alert.severity,
        version=alert.listing_version,
        dashboard_link=dashboard_link(dashboard_url, alert.listing_id),
        fields=_fields(listing),
        description=one_line(listing.description, DESCRIPTION_LIMIT),
        entities=_entities(listing.annotations),
        changes=[
            ChangeView(one_line(c.field), _value(c.before), _value(c.after)) for c in alert.changes
        ],
        matched_fields=", ".join(one_line(name) for name in alert.matched_fields) or NOT_GIVEN,
        evidence=one_line(evidence) or NOT_CAPTURED,
        created_at=alert.created_at.isoformat(timespec="seconds"),
    )


def _fields(listing: Listing) -> list[tuple[str, str]]:
    annotations = listing.annotations or Annotations()
    return [
        ("Market", one_line(listing.market)),
        ("Source", one_line(listing.source)),
        ("Vendor", one_line(listing.vendor.handle) if listing.vendor else NOT_GIVEN),
        ("Price", format_price(listing.price)),
        ("Ships from", _joined(listing.ships_from)),
        ("Ships to", _joined(listing.ships_to)),
        ("Shipping", _joined(listing.shipping_methods)),
        ("Category", annotations.category),
        ("Score", f"{annotations.score:.2f}"),
        ("Listing URL", one_line(listing.url)),
    ]


def format_price(price: Price | None) -> str:
    """`450 USD`, or `0.0123 BTC (≈ 812.40 USD, 748.00 EUR)` with capture-time conversions."""
    if price is None:
        return NOT_GIVEN
    shown = f"{_amount(price.amount)} {one_line(price.currency)}".strip()
    conversions = [
        f"{_amount(value)} {code}"
        for value, code in ((price.amount_usd, "USD"), (price.amount_eur, "EUR"))
        if value is not None and code != (price.currency or "").upper()
    ]
    return f"{shown} (≈ {', '.join(conversions)})" if conversions else shown


def _amount(value: float) -> str:
    if abs(value) < 1:
        return f"{value:.8f}".rstrip("0").rstrip(".") or "0"
    return f"{value:,.2f}".removesuffix(".00")


def _entities(annotations: Annotations | None) -> list[str]:
    shown: list[str] = []
    for entity in annotations.entities if annotations else []:
        line = f"{one_line(entity.label)}: {one_line(entity.text)}"
        if entity.normalized and entity.normalized != entity.text:
            line += f" ({one_line(entity.normalized)})"
        if line not in shown:
            shown.append(line)
    return shown


def _joined(values: list[str]) -> str:
    return ", ".join(one_line(value) for value in values) or NOT_GIVEN


def _value(value: str | None) -> str:
    return "(none)" if value is None else one_line(value)
