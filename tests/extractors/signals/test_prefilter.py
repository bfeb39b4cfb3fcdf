"""The per-extractor pre-filters never skip a text that holds a signal."""

from __future__ import annotations

import pytest

from extractors.signals import (
    SIGNAL_EXTRACTORS,
    contacts,
    crypto,
    extract_signals,
    pgp,
    quantities,
    serial,
)
from extractors.signals._base import may_match, prefilter_text

BTC = "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"


@pytest.mark.parametrize(
    ("text", "label", "normalized"),
    [
        (f"pay to {BTC}", "CRYPTO_ADDRESS", f"btc:{BTC}"),
        (BTC, "CRYPTO_ADDRESS", f"btc:{BTC}"),
        ("SHIPS FROM GERMANY", "SHIPS_FROM", "DE"),
        ("Отправка из России", "SHIPS_FROM", "RU"),
        ("ОТПРАВКА ИЗ РОССИИ", "SHIPS_FROM", "RU"),
        ("SERIAL NUMBER REMOVED", "SERIAL", "serial/removed"),
        ("номер спилен", "SERIAL", "serial/removed"),
        ("Чистый", "SERIAL", "serial/untraceable"),
        ("NO PAPERWORK", "SERIAL", "serial/untraceable"),
        ("TELEGRAM: @GunShop01", "MESSENGER", "telegram:gunshop01"),
        ("пиши в тг @handle_one", "MESSENGER", "telegram:handle_one"),
        ("name [AT] proton [DOT] me", "EMAIL", "name@proton.me"),
        ("450 USD", "PRICE", "450 USD"),
        ("X20", "QUANTITY", "20"),
    ],
)
def test_signal_is_found_through_the_prefilter(text: str, label: str, normalized: str) -> None:
    found = {(item.label, item.normalized) for item in extract_signals(text, "description")}
    assert (label, normalized) in found


def test_fingerprint_upper_case_cue() -> None:
    hex_groups = " ".join(["ABCD"] * 10)
    found = extract_signals(f"FINGERPRINT: {hex_groups}", "description")
    assert [item.label for item in found] == ["PGP_FINGERPRINT"]


def test_text_without_cues_is_skipped() -> None:
    text = "Glock 17 holster, black, like new"
    assert not may_match(text, crypto.MAY_CONTAIN)
    assert not may_match(text, pgp.MAY_CONTAIN)
    assert not may_match(text, contacts.MAY_CONTAIN)
    assert not may_match(text, serial.MAY_CONTAIN)
    assert may_match(text, quantities.MAY_CONTAIN)  # has a digit


def test_oddly_folding_characters_bypass_the_prefilters() -> None:
    # case-insensitive `re` matches the long s with "s", str.lower() does not
    assert prefilter_text("no \u017ferial") is None
    assert may_match("no \u017ferial", serial.MAY_CONTAIN)
    assert SIGNAL_EXTRACTORS["serial"]("no \u017ferial", "title")


@pytest.mark.parametrize("word", serial.UNTRACEABLE + serial.NOUNS + serial.CODE_NOUNS)
def test_serial_prefilter_covers_every_phrase(word: str) -> None:
    import re

    sample = re.sub(r"\\s[+*]?|\[\\s-\]\+?|\[\\s-\]", " ", word)
    sample = re.sub(r"\(\?:([^|)]*)[^)]*\)[?*]?|\[([^\]])[^\]]*\]|\\w\*|\\.|[?+]", r"\1\2", sample)
    assert serial.MAY_CONTAIN.search(sample.lower()), (word, sample)
