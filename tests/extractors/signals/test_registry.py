"""The registry and `extract_signals`: ordering, selection, PGP armor filtering."""

from __future__ import annotations

import pytest

from extractors.signals import SIGNAL_EXTRACTORS, extract_signals
from tests.extractors.signals import check_offsets

TEXT = (
    "Glock 19, serial removed, 500 rds, $850 or 0.012 BTC. Ships from Germany, stealth. "
    "telegram: glock_dealer. BTC 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
)


def test_registry_names() -> None:
    assert set(SIGNAL_EXTRACTORS) == {
        "crypto",
        "pgp",
        "contacts",
        "shipping",
        "serial",
        "quantities",
    }


def test_all_signals_sorted_with_offsets() -> None:
    found = extract_signals(TEXT, "description")
    check_offsets(TEXT, found)
    assert [item.start for item in found] == sorted(item.start for item in found)
    assert {item.label for item in found} == {
        "SERIAL", "QUANTITY", "PRICE", "SHIPS_FROM", "SHIPPING_METHOD", "MESSENGER",
        "CRYPTO_ADDRESS",
    }  # fmt: skip
    assert all(item.field == "description" for item in found)


def test_only_and_unknown() -> None:
    assert {item.label for item in extract_signals(TEXT, "title", only=["crypto"])} == {
        "CRYPTO_ADDRESS"
    }
    with pytest.raises(ValueError, match="unknown"):
        extract_signals(TEXT, "title", only=["nope"])
    assert extract_signals("", "title") == []


def test_nothing_inside_pgp_armor() -> None:
    armor = (
        "-----BEGIN PGP MESSAGE-----\n\nhQEMA 500 rds x20 $450 no serial\n=abcd\n"
        "-----END PGP MESSAGE-----"
    )
    assert extract_signals(f"{armor} 50 rds", "t")[0].text == "50 rds"
    assert len(extract_signals(armor, "t")) == 0
