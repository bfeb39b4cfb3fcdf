"""E-mail addresses (plain, onion, obfuscated) and messenger handles in eight languages."""

from __future__ import annotations

import pytest

from extractors.signals import contacts
from tests.extractors.signals import normalized

ONION = "vendor@mail2torjgmxgexntbrmhvgluavhj7ouul5yar6ylbvjkxwqf6ixkwyd.onion"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mail: John.Doe@Protonmail.com.", "john.doe@protonmail.com"),
        (f"onion mail {ONION}", ONION),
        ("Kontakt: gunsmith [at] protonmail [dot] com", "gunsmith@protonmail.com"),
        ("contacto: armas(at)tutanota.de", "armas@tutanota.de"),
        ("contactez-moi: vendeur at protonmail dot com", "vendeur@protonmail.com"),
    ],
)
def test_emails(text: str, expected: str) -> None:
    found = contacts.find(text, "description")
    assert normalized(text, found, "EMAIL") == [expected]


def test_no_email_from_ordinary_at() -> None:
    assert contacts.find("sold at shop.com today, meet at noon", "t") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("telegram: arms_dealer", "telegram:arms_dealer"),
        ("Contact me on Telegram @Arms_Dealer", "telegram:arms_dealer"),
        ("пиши в тг @oruzhie_msk", "telegram:oruzhie_msk"),
        ("телега: @oruzhie_msk", "telegram:oruzhie_msk"),
        ("https://t.me/gunshop_eu", "telegram:gunshop_eu"),
        ("wickr me: ghostdealer", "wickr:ghostdealer"),
        ("Wickr: Armas.ES", "wickr:armas.es"),
        ("jabber: dealer@jabber.ccc.de", "xmpp:dealer@jabber.ccc.de"),
        ("xmpp:dealer@xmpp.is", "xmpp:dealer@xmpp.is"),
        ("Signal: +49 170 1234567", "signal:+491701234567"),
        ("signal: gunsmith.01", "signal:gunsmith.01"),
        ("Threema ID: ABCD1234", "threema:ABCD1234"),
        ("WhatsApp +34 612 345 678", "whatsapp:+34612345678"),
        ("https://wa.me/4915112345678", "whatsapp:+4915112345678"),
        ("Kontakt: @waffen_de", "unknown:waffen_de"),
        ("contatto @armi_it", "unknown:armi_it"),
        ("связь: @stvol_ru", "unknown:stvol_ru"),
    ],
)
def test_messengers(text: str, expected: str) -> None:
    found = contacts.find(text, "description")
    assert normalized(text, found, "MESSENGER") == [expected]


def test_session_id_and_offsets() -> None:
    session = "05" + "a1b2" * 16
    text = f"Session ID: {session}."
    found = contacts.find(text, "t")
    assert normalized(text, found) == [f"session:{session}"]
    assert found[0].start == text.index("05")
    assert contacts.find("sha " + "05" + "ab" * 33, "t") == []


def test_xmpp_is_not_also_an_email() -> None:
    text = "jabber: dealer@jabber.ccc.de or mail seller@example.org"
    found = contacts.find(text, "t")
    assert sorted((item.label, item.normalized) for item in found) == [
        ("EMAIL", "seller@example.org"),
        ("MESSENGER", "xmpp:dealer@jabber.ccc.de"),
    ]


def test_no_handle_without_cue() -> None:
    assert contacts.find("Telegram only, no PM. Thanks @everyone", "t") == []
