"""Prices with a currency and counts with a unit, in eight languages."""

from __future__ import annotations

import pytest

from extractors.signals import quantities
from tests.extractors.signals import normalized


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$450", "450 USD"),
        ("only 450 USD!", "450 USD"),
        ("0.012 BTC", "0.012 BTC"),
        ("0,05 BTC", "0.05 BTC"),
        ("1.200 €", "1200 EUR"),
        ("€ 1 200,00", "1200 EUR"),
        ("3500 руб", "3500 RUB"),
        ("1,250.50$", "1250.5 USD"),
        ("2.5 XMR", "2.5 XMR"),
        ("US$ 99", "99 USD"),
        ("Preis: 300 Euro", "300 EUR"),
    ],
)
def test_prices(text: str, expected: str) -> None:
    found = quantities.find(f"Price: {text}", "description")
    assert normalized(f"Price: {text}", found, "PRICE") == [expected]


def test_no_price_without_currency() -> None:
    assert normalized("9mm, 17 round magazine, 2019", quantities.find("2019", "t"), "PRICE") == []


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("50 rds", "50"),
        ("1000 rounds", "1000"),
        ("1,000 rounds", "1000"),
        ("x20", "20"),
        ("20x", "20"),
        ("10 pcs", "10"),
        ("100 Schuss", "100"),
        ("50 Patronen", "50"),
        ("caja de 50", "50"),
        ("boîte de 50", "50"),
        ("50 патронов", "50"),
        ("scatola da 50", "50"),
        ("doos van 50", "50"),
        ("caixa de 50", "50"),
        ("lot of 3", "3"),
    ],
)
def test_quantities(text: str, count: str) -> None:
    sentence = f"9mm ammo, {text}."
    found = quantities.find(sentence, "t")
    assert normalized(sentence, found, "QUANTITY") == [count]


@pytest.mark.parametrize("text", ["7.62x39", "4x scope", "30 minutes", "Glock 19"])
def test_no_quantity(text: str) -> None:
    assert quantities.find(text, "t") == []


def test_extra_units() -> None:
    text = "5 Gewehre"
    assert quantities.find(text, "t") == []
    assert normalized(text, quantities.find(text, "t", units=["gewehre"])) == ["5"]
