"""The faster pre-filter tests decide exactly as the plain regexes they stand for."""

from __future__ import annotations

import random
import re

import pytest

from extractors.signals import SIGNAL_EXTRACTORS, crypto, extract_signals, pgp
from extractors.signals._base import gates, lowered, prefilter_text, scanned

LONG_RUN = re.compile(r"[0-9a-z]{26}")
GROUPS = re.compile(r"[ \t](?:[0-9a-f]{4}[ \t]{1,2}){8}[0-9a-f]{4}")
EDGES = [
    "",
    "a" * 25,
    "a" * 26,
    "\ud800" + "a" * 26,
    "é" + "0" * 26 + "ж",
    " " + "abcd " * 8 + "abcd",
    "abcd " * 9 + "abcd",
    " " + "abcd\t\t" * 8 + "abc",
    " " + "abcd   " * 8 + "abcd",
]


def _random_texts(count: int) -> list[str]:
    rng = random.Random(7)
    rare = "0123456789abcdefgz \t\u00e9\u0436x-:"
    return [
        "".join(
            rng.choice(rare) if rng.random() < 0.3 else rng.choice("0123456789abcdef ")
            for _ in range(rng.randint(0, 80))
        )
        for _ in range(count)
    ]


@pytest.mark.parametrize("lower", EDGES + _random_texts(5000))
def test_long_run_and_grouped_hex_as_their_regexes(lower: str) -> None:
    assert crypto.long_run(lower) == (LONG_RUN.search(lower) is not None)
    assert pgp.grouped_hex(lower) == (GROUPS.search(lower) is not None)


@pytest.mark.parametrize("text", ["Glock 19 İstanbul", "no \u017ferial", "SHIPS FROM Germany", ""])
def test_scanned_is_the_lowered_text_and_its_gates(text: str) -> None:
    lower, prefilter, held = scanned(text)
    assert lower == lowered(text)
    assert prefilter == prefilter_text(text)
    assert held == gates(text)


def test_skipped_extractors_would_have_found_nothing() -> None:
    text = "Ships from Germany, 500 rds $450, pgp fingerprint: " + " ".join(["ABCD"] * 10)
    expected = sorted(
        (item for find in SIGNAL_EXTRACTORS.values() for item in find(text, "t")),
        key=lambda item: (item.start, item.end, item.label),
    )
    assert extract_signals(text, "t") == expected
