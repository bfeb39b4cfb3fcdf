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
    shipping,
)
from extractors.signals._base import prefilter_text

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
    for module in (crypto, pgp, contacts, serial, shipping, quantities):
        assert not module.may_contain(text), module.__name__


def test_oddly_folding_characters_bypass_the_prefilters() -> None:
    # case-insensitive `re` matches the long s with "s", str.lower() does not
    assert prefilter_text("no \u017ferial") is None
    assert serial.may_contain("no \u017ferial")
    assert SIGNAL_EXTRACTORS["serial"]("no \u017ferial", "title")


@pytest.mark.parametrize("word", serial.UNTRACEABLE + serial.NOUNS + serial.CODE_NOUNS)
def test_serial_prefilter_covers_every_phrase(word: str) -> None:
    import re

    sample = re.sub(r"\\s[+*]?|\[\\s-\]\+?|\[\\s-\]", " ", word)
    sample = re.sub(r"\(\?:([^|)]*)[^)]*\)[?*]?|\[([^\]])[^\]]*\]|\\w\*|\\.|[?+]", r"\1\2", sample)
    assert serial.may_contain(sample), (word, sample)
    assert serial.may_contain(sample.upper()), (word, sample)


def _samples(pattern: str) -> list[str]:
    """Texts matching a simple regex alternative (each optional part with and without)."""
    import re

    pattern = (
        re.sub(r"\\s[+*]?|\[\\s-\][+?]?", " ", pattern).replace("\\w*", "").replace("\\w+", "x")
    )
    pattern = pattern.replace("\\w{0,2}", "").replace("['’]", "'")
    texts = [pattern]
    while any("[" in text or "(" in text or "?" in text for text in texts):
        expanded: list[str] = []
        for text in texts:
            group = re.search(r"\(\?:((?:[^()]|\([^()]*\))*)\)(\??)", text)
            chars = re.search(r"\[([^\]]+)\](\??)", text)
            optional = re.search(r"(.)\?", text)
            if group:
                options = re.split(r"\|(?![^(]*\))", group.group(1))
                options += [""] if group.group(2) else []
                expanded += [text[: group.start()] + o + text[group.end() :] for o in options]
            elif chars:
                options = list(chars.group(1)) + ([""] if chars.group(2) else [])
                expanded += [text[: chars.start()] + o + text[chars.end() :] for o in options]
            elif optional:
                head, tail = text[: optional.start()], text[optional.end() :]
                expanded += [head + optional.group(1) + tail, head + tail]
            else:
                expanded.append(text)
        texts = expanded
    return texts


SHIPPING_PHRASES = [
    *shipping.FROM_CUES,
    *shipping.TO_CUES,
    *shipping.WORLDWIDE_PHRASES,
    *(word for words in shipping.METHOD_WORDS.values() for word in words),
]


@pytest.mark.parametrize("phrase", SHIPPING_PHRASES)
def test_shipping_gate_covers_every_phrase(phrase: str) -> None:
    for sample in _samples(phrase):
        for text in (sample, sample.upper(), sample.title(), f"foo {sample}"):
            assert shipping.may_contain(text), (phrase, text)


@pytest.mark.parametrize(
    ("text", "label", "normalized"),
    [
        ("Ships in a box", None, None),
        ("bla bla, shipping from Germany", "SHIPS_FROM", "DE"),
        ("VERSAND NACH DEUTSCHLAND", "SHIPS_TO", "DE"),
        ("доставка в Россию", "SHIPS_TO", "RU"),
        ("ДОСТАВКА ПО ВСЕМУ МИРУ", "SHIPS_TO", "WW"),
        ("в разобранном виде", "SHIPPING_METHOD", "disassembled"),
        ("only pickup", "SHIPPING_METHOD", "pickup"),
        ("Envío a España", "SHIPS_TO", "ES"),
        ("EXPÉDIÉ DEPUIS LA FRANCE", "SHIPS_FROM", "FR"),
        ("Versand weltweit", "SHIPS_TO", "WW"),
        ("10 pcs", "QUANTITY", "10"),
        ("10PCS", "QUANTITY", "10"),
        ("50 ПАТРОНОВ", "QUANTITY", "50"),
        ("lot: x12", "QUANTITY", "12"),
        ("12X", "QUANTITY", "12"),
        ("BOX OF 50", "QUANTITY", "50"),
        ("коробка 50", "QUANTITY", "50"),
        ("caja   de   25", "QUANTITY", "25"),
        ("450$", "PRICE", "450 USD"),
        ("US$ 450", "PRICE", "450 USD"),
        ("450 US$", "PRICE", "450 USD"),
        ("3500 руб", "PRICE", "3500 RUB"),
        ("0.012 BTC", "PRICE", "0.012 BTC"),
        ("€ 1 200,00", "PRICE", "1200 EUR"),
        ("price 200 zł", "PRICE", "200 PLN"),
        ("wickr: GunShop", "MESSENGER", "wickr:gunshop"),
        ("name (AT) proton (DOT) me", "EMAIL", "name@proton.me"),
        ("session 05" + "ab" * 32, "MESSENGER", "session:05" + "ab" * 32),
        ("FPR " + " ".join(["ABCD"] * 10), "PGP_FINGERPRINT", "ABCD" * 10),
        (" ".join(["abcd"] * 10), "PGP_FINGERPRINT", "ABCD" * 10),
    ],
)
def test_gates_keep_signals(text: str, label: str | None, normalized: str | None) -> None:
    found = {(item.label, item.normalized) for item in extract_signals(text, "description")}
    if label is None:
        assert found == set()
    else:
        assert (label, normalized) in found, found


def test_quantity_gate_needs_a_number_next_to_a_unit() -> None:
    assert not quantities.may_contain("Makarov pistol, 2019 edition, boxes included")
    assert quantities.may_contain("Makarov pistol, 2019 edition, 2 boxes")
    assert quantities.may_contain("comes with 5", units=["gewehre"])


def test_shipping_gate_ignores_short_words() -> None:
    assert not shipping.may_contain("Glock 19 in la caja, en el estado de new")
