"""`extract_signals_many` gives, item by item, exactly what `extract_signals` gives."""

from __future__ import annotations

import pytest

from extractors.signals import extract_signals, extract_signals_many

BTC = "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"
TEXTS = [
    "",
    "Glock 17 holster, black, like new",
    f"{BTC}",
    f"pay to {BTC}",
    "ships from Germany",
    "SHIPS FROM GERMANY, Austria and France. Ships to: EU",
    "Versand nach DE/AT/CH\x00ships from Poland",
    "\x00ships to Spain\x00",
    "450 USD\x00x20",
    "serial number removed\x00",
    "telegram: @GunShop01 or name [at] proton [dot] me",
    "box of 50\n\nworldwide shipping by DHL",
    "no \u017ferial",
    "12x",
]


def test_batch_equals_one_call_per_item() -> None:
    items = [(text, field) for text in TEXTS for field in ("title", "description")]
    assert extract_signals_many(items) == [extract_signals(text, field) for text, field in items]


def test_matches_at_the_edges_of_neighbouring_texts() -> None:
    items = [("ships to", "title"), ("Germany", "title"), ("450", "title"), ("USD", "title")]
    assert extract_signals_many(items) == [[], [], [], []]
    assert [item.normalized for item in extract_signals_many([("ships to Germany", "t")])[0]] == [
        "DE"
    ]


def test_empty_batch_and_empty_texts() -> None:
    assert extract_signals_many([]) == []
    assert extract_signals_many([("", "title"), ("", "description")]) == [[], []]


def test_only_and_unknown_extractors() -> None:
    items = [("450 USD, ships from Germany", "description")]
    assert extract_signals_many(items, ["quantities"]) == [
        extract_signals(items[0][0], items[0][1], ["quantities"])
    ]
    with pytest.raises(ValueError, match="unknown signal extractors"):
        extract_signals_many(items, ["nope"])
    with pytest.raises(ValueError, match="unknown signal extractors"):
        extract_signals_many([], ["nope"])
