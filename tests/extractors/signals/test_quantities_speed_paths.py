"""The fast path of `quantities` (lowercased text) finds what the `Triggered` path finds."""

from __future__ import annotations

import pytest

from extractors.signals import quantities


def test_no_letter_currency_ends_another() -> None:
    # the reversed-text scan takes one currency per digit
    words = quantities.LETTER_CURRENCIES
    assert not [(a, b) for a in words for b in words if a != b and a.endswith(b)]


@pytest.mark.parametrize(
    "text",
    [
        "US$USD 1,000 pcs",
        "РУБ.   US$руб ٥٠1,000",
        "7.62x39 р.US$𝟝 and x20",
        "50 рублей, рублей 50, 3 boxes, caja de 50, Коробка 20",
        "Preis: 300 Euro, 2 Stk, 10x, lot of 3",
    ],
)
def test_fast_path_matches_triggered_path(text: str) -> None:
    lower = quantities.prefilter_text(text)
    assert lower is not None
    scans = [quantities.PRICES, quantities.MULTIPLIERS, quantities.CONTAINERS_FOUND]
    for scan in [*scans, quantities._unit_scan(frozenset())]:
        fast = [(start, end, match.groups()[1:]) for start, end, match in scan.spans(text, lower)]
        slow = [(start, end, match.groups()) for start, end, match in scan.spans(text, None)]
        assert [item[:2] for item in fast] == [item[:2] for item in slow]


def test_oddly_folding_text_takes_the_triggered_path() -> None:
    # "ſ" folds onto "s" for `re` but not for str.lower(): units match it, stems do not
    text = "$450 ſet of 5, 20 rdſ"
    assert quantities.prefilter_text(text) is None
    found = [(item.text, item.normalized) for item in quantities.find(text, "t")]
    assert found == [("$450", "450 USD"), ("20 rdſ", "20")]
