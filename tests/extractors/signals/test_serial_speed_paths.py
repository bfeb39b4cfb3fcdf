"""The fast path of `serial` (windows near gate words, lowercased text) finds what the
`Triggered` path finds."""

from __future__ import annotations

import random
import re

import pytest

from extractors.signals import serial
from extractors.signals._base import prefilter_text

TRICKY = [
    "SN: ABC123, sn: abc123, Sn: AbC123, S/N 12345 intact, SN AB-1",
    "serial number removed off, it's serial removed; l'removed serial, removed off it's serial",
    "removed out of serial  \t number; obliterated,,, serial; ground it serial",
    "Stripped AR-15 lower, unserialized / un-serial / non-serialized / serial-less",
    "clean, no papers - clean no  papers - off paper - off-paper - no paperwork",
    "not registered, nicht registriert, sin registrar, non déclarée, не зарегистрирован, ЧИСТЫЙ",
    "ghost gun, Ghost Recon game, ghost polymer 80 frame, ghost",
    "with serial, mit Seriennummer, con número de serie, с номером, номер спилен, без номера",
    "serial: great, номер телефона 89001234567, Serial No. XK-99, numero de serie 1234",
    "seri seri serial_number _serial serialx 'serial' «serial» serial\u00a0removed",
]


def _fast(text: str) -> list[tuple[int, int, str]]:
    lower = prefilter_text(text)
    assert lower is not None
    return list(serial._spans(text, lower, serial.GATE))


def _triggered(text: str) -> list[tuple[int, int, str]]:
    return [(*match.span(), serial._status(match)) for match in serial.TRIGGERED.finditer(text)]


@pytest.mark.parametrize("text", TRICKY)
def test_fast_path_matches_triggered_path(text: str) -> None:
    for variant in (text, text.upper(), text.title()):
        assert _fast(variant) == _triggered(variant)


def test_fast_path_on_random_phrase_mixes() -> None:
    words = [word for words in serial.WORD_LISTS for word in words]
    literal = [re.sub(r"\\s[+*]?|\[[^\]]*\][+?]?|[()?:+*|\\]|\{[^}]*\}\??", " ", w) for w in words]
    fillers = ["it's", "l'", "off", "out", "ABC123", "ab-12", "№", "-", ",", "'", "\t", "\n", "x"]
    pieces = literal + fillers
    rng = random.Random(7)
    for _ in range(3000):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        text = "".join(char.upper() if rng.random() < 0.3 else char for char in text)
        if prefilter_text(text) is not None:
            assert _fast(text) == _triggered(text), text


def test_every_gate_word_has_a_window_depth() -> None:
    assert set(serial.DEPTHS) == set(serial.GATE_WORDS)
    bits = list(serial.WORD_GATES.values())
    assert all(bit & (bit - 1) == 0 and serial.GATE & bit for bit in bits)  # one bit each
    assert len(set(bits)) == len(bits)


def test_upper_case_number_is_checked_in_the_text() -> None:
    found = [(item.text, item.normalized) for item in serial.find("sn: abc123, SN: ABC123", "t")]
    assert found == [("SN: ABC123", "serial/present")]


def test_oddly_folding_text_takes_the_triggered_path() -> None:
    text = "no \u017ferial, serial removed"
    assert prefilter_text(text) is None
    found = [(item.text, item.normalized) for item in serial.find(text, "t")]
    assert found == [("no \u017ferial", "serial/none"), ("serial removed", "serial/removed")]
