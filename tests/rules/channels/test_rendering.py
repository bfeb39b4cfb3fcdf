"""What every channel shows: subject, bodies and payload, with untrusted listing text."""

from __future__ import annotations

import json

from crawlers.listing import Annotations, Entity, Price, Vendor
from rules.alert import AlertMessage
from rules.channels.rendering import format_price, html, one_line, payload, plain_text, subject
from tests.rules.channels import samples
from tests.rules.channels.samples import DASHBOARD, EVIDENCE_SHA256

SCRIPT = "<script>alert(1)</script>"


def hostile_message() -> AlertMessage:
    entity = Entity(label="part", text='"><img src=x onerror=alert(2)>', start=0, end=5, field="t")
    item = samples.listing(
        title=f"Glock switch {SCRIPT}",
        vendor=Vendor(handle="<b>ironworks</b>"),
        url="javascript:alert(3)",
        annotations=Annotations(category="conversion_device", entities=[entity]),
    )
    return samples.message(samples.alert(item))


def test_subject_of_one_alert_names_severity_rule_title_and_reason() -> None:
    assert subject(samples.message()) == (
        "[armswatch high] auto-sears: Glock switch, auto sear, ships EU (new)"
    )
    changed = samples.message(samples.changed_alert())
    assert subject(changed).endswith("(changed)")


def test_digest_subject_counts_the_matches() -> None:
    assert subject(samples.digest(7)) == "[armswatch] digest: 7 matches for auto-sears"


def test_subject_is_one_short_line_whatever_the_title() -> None:
    title = "Glock\r\nBcc: victim@example.org\x1b[31m\u202e" + "x" * 200
    text = subject(samples.message(samples.alert(samples.listing(title=title))))
    assert "\n" not in text and "\r" not in text and "\x1b" not in text
    assert "\u202e" not in text
    assert text.startswith("[armswatch high] auto-sears: Glock Bcc: victim@example.org [31m")
    assert len(text) < 130 and text.endswith("… (new)")


def test_html_escapes_listing_text() -> None:
    body = html(hostile_message(), DASHBOARD)
    assert SCRIPT not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<img" not in body and "&lt;img src=x" in body
    assert "<b>ironworks" not in body and "&lt;b&gt;ironworks" in body


def test_listing_url_is_text_never_a_link() -> None:
    body = html(hostile_message(), DASHBOARD)
    assert 'href="javascript' not in body
    assert "javascript:alert(3)" in body
    assert body.count("href=") == 1


def test_bodies_show_key_fields_entities_link_and_evidence() -> None:
    message = samples.message()
    link = f"{DASHBOARD}/listings/lst-0001"
    for body in (plain_text(message, DASHBOARD), html(message, DASHBOARD)):
        for shown in (
            "Glock switch, auto sear, ships EU",
            "DemoMarket",
            "ironworks",
            "450 USD (≈ 414 EUR)",
            "DE",
            "stealth post",
            "conversion_device",
            "0.93",
            "part: Glock switch (auto sear)",
            EVIDENCE_SHA256,
            "http://demomarketxyz.onion/item/lst-0001",
        ):
            assert shown in body
    assert f"Open in the dashboard: {link}" in plain_text(message, DASHBOARD)
    assert f'<a href="{link}">' in html(message, DASHBOARD)


def test_missing_evidence_is_said_to_be_not_captured() -> None:
    message = samples.message(samples.alert(samples.listing(evidence=None)))
    assert "Evidence SHA-256: not captured" in plain_text(message, DASHBOARD)
    assert "<code>not captured</code>" in html(message, DASHBOARD)
    assert payload(message, DASHBOARD)["alerts"][0]["listing"]["evidence_sha256"] is None


def test_changed_alert_shows_what_changed() -> None:
    message = samples.message(samples.changed_alert())
    text = plain_text(message, DASHBOARD)
    assert "Changed listing (version 2)" in text
    assert "price: 450 USD → 380 USD" in text
    assert "<strong>price</strong>: 450 USD → 380 USD" in html(message, DASHBOARD)
    assert "What changed" not in plain_text(samples.message(), DASHBOARD)


def test_digest_body_lists_every_alert() -> None:
    text = plain_text(samples.digest(3), DASHBOARD)
    assert "3 matches for rule auto-sears" in text
    for number in range(3):
        assert f"{DASHBOARD}/listings/lst-{number:04d}" in text
    assert "[3/3]" in text


def test_payload_is_json_with_rule_alerts_and_listing_fields() -> None:
    message = samples.message(samples.changed_alert())
    document = json.loads(json.dumps(payload(message, DASHBOARD + "/")))
    assert document["key"] == "msg-auto-sears-0001"
    assert document["digest"] is False
    assert document["rule"] == {"name": "auto-sears", "severity": "high", "owner": "firearms desk"}
    (alert,) = document["alerts"]
    assert alert["reason"] == "changed" and alert["listing_version"] == 2
    assert alert["changes"] == [{"field": "price", "before": "450 USD", "after": "380 USD"}]
    assert alert["dashboard_url"] == f"{DASHBOARD}/listings/lst-0001"
    assert alert["created_at"] == "2024-06-01T12:00:00+00:00"
    listing = alert["listing"]
    assert listing["price"] == {
        "amount": 380.0,
        "currency": "USD",
        "amount_usd": 380.0,
        "amount_eur": None,
    }
    assert listing["vendor"] == "ironworks" and listing["ships_to"] == ["WW"]
    assert listing["entities"] == [
        {"label": "part", "text": "Glock switch", "normalized": "auto sear"}
    ]
    assert listing["evidence_sha256"] == EVIDENCE_SHA256


def test_payload_keeps_listing_text_as_it_was() -> None:
    document = payload(hostile_message(), DASHBOARD)
    assert document["alerts"][0]["listing"]["title"] == f"Glock switch {SCRIPT}"


def test_prices_show_crypto_amounts_and_conversions() -> None:
    btc = Price(amount=0.0123, currency="BTC", amount_usd=812.4, amount_eur=748.0)
    assert format_price(btc) == "0.0123 BTC (≈ 812.40 USD, 748 EUR)"
    assert format_price(Price(amount=1250.0)) == "1,250"
    assert format_price(None) == "not given"


def test_one_line_drops_controls_and_cuts() -> None:
    assert one_line("a\tb\n\x00c\u2067d") == "a b c d"
    assert one_line("abcdef", 4) == "abc…"
