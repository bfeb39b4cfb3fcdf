"""Crypto addresses: checksums, BIP-173/BIP-350 vectors, EIP-55, Monero, no false positives."""

from __future__ import annotations

import base58
import bech32
import pytest
from Crypto.Hash import keccak

from extractors.signals import crypto
from tests.extractors.signals import normalized

GENESIS = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
MONERO_GENERAL_FUND = (
    "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
)  # fmt: skip
EIP55 = [
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]
BIP350_VALID = [
    "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
    "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
    "BC1SW50QGDZ25J",
    "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
]
BIP350_INVALID = [
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",  # bech32 for v1
    "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",  # bech32 for v16
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",  # bech32m for v0
    "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",  # bad char
    "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",  # witness v17
    "bc1pw5dgrnzv",  # program of 1 byte
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",  # 41 bytes
    "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",  # v0 with 16 bytes
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",  # padding > 4 bits
    "bc1gmk9yu",  # empty data
    "bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj",  # BIP-173 v2 with a bech32 checksum
]


def mutate(address: str, position: int) -> str:
    """The address with one character replaced by another of the same alphabet and case."""
    char = address[position]
    replacement = "2" if char != "2" else "3"
    if char.isalpha():
        replacement = ("b" if char.lower() != "b" else "c") if char.islower() else "C"
        replacement = replacement if replacement != char else "D"
    return address[:position] + replacement + address[position + 1 :]


def monero_address(network: int, extra: bytes = b"") -> str:
    body = bytes([network]) + bytes(range(1, 33)) + bytes(range(101, 133)) + extra
    checksum = keccak.new(digest_bits=256, data=body).digest()[:4]
    return crypto.monero_b58encode(body + checksum)


def test_genesis_address_with_offsets_in_text() -> None:
    text = f"Pay to ({GENESIS}), thanks."
    found = crypto.find(text, "description")
    assert normalized(text, found) == [f"btc:{GENESIS}"]
    assert (found[0].start, found[0].end, found[0].field) == (8, 8 + len(GENESIS), "description")


def test_p2sh_and_mutations() -> None:
    p2sh = base58.b58encode_check(b"\x05" + bytes(20)).decode()
    assert normalized(p2sh, crypto.find(p2sh, "t")) == [f"btc:{p2sh}"]
    for position in (5, 17, len(GENESIS) - 1):
        assert crypto.find(mutate(GENESIS, position), "t") == []


@pytest.mark.parametrize("address", BIP350_VALID)
def test_bip350_valid_segwit(address: str) -> None:
    text = f"btc: {address}."
    assert normalized(text, crypto.find(text, "t")) == [f"btc:{address.lower()}"]


@pytest.mark.parametrize("address", BIP350_INVALID)
def test_bip350_invalid_segwit(address: str) -> None:
    assert crypto.find(f"btc: {address}", "t") == []


def test_segwit_mutation_rejected() -> None:
    taproot = BIP350_VALID[-1]
    assert (
        crypto.find(taproot[:20] + ("q" if taproot[20] != "q" else "p") + taproot[21:], "t") == []
    )


def test_litecoin_base58_and_bech32() -> None:
    legacy = base58.b58encode_check(b"\x30" + bytes(range(20))).decode()
    p2sh = base58.b58encode_check(b"\x32" + bytes(range(20))).decode()
    segwit = bech32.encode("ltc", 0, list(range(20)))
    assert legacy.startswith("L") and p2sh.startswith("M") and segwit
    text = f"LTC: {legacy}, {p2sh}; {segwit}"
    assert normalized(text, crypto.find(text, "t")) == [
        f"ltc:{legacy}",
        f"ltc:{p2sh}",
        f"ltc:{segwit}",
    ]
    assert crypto.find(mutate(legacy, 10), "t") == []


@pytest.mark.parametrize("address", EIP55)
def test_eip55_examples(address: str) -> None:
    text = f"ETH:{address}!"
    found = crypto.find(text, "t")
    assert normalized(text, found) == [f"eth:{address}"]
    assert found[0].start == 4


def test_eth_unchecksummed_and_bad_checksum() -> None:
    lower, upper = EIP55[0].lower(), "0x" + EIP55[0][2:].upper()
    assert normalized(lower, crypto.find(lower, "t")) == [f"eth:{EIP55[0]}"]
    assert normalized(upper, crypto.find(upper, "t")) == [f"eth:{EIP55[0]}"]
    wrong_case = EIP55[0][:-1] + EIP55[0][-1].upper()
    assert crypto.find(wrong_case, "t") == []


def test_monero_general_fund_and_generated() -> None:
    text = f"XMR only: {MONERO_GENERAL_FUND}"
    assert normalized(text, crypto.find(text, "t")) == [f"xmr:{MONERO_GENERAL_FUND}"]
    standard, subaddress = monero_address(18), monero_address(42)
    integrated = monero_address(19, bytes(8))
    assert (standard[0], subaddress[0], len(standard), len(integrated)) == ("4", "8", 95, 106)
    text = f"{standard} / {subaddress} / {integrated}"
    assert normalized(text, crypto.find(text, "t")) == [
        f"xmr:{standard}",
        f"xmr:{subaddress}",
        f"xmr:{integrated}",
    ]
    assert crypto.monero_b58decode(MONERO_GENERAL_FUND) is not None
    assert crypto.find(mutate(MONERO_GENERAL_FUND, 40), "t") == []


def test_no_false_positives_on_hashes_and_armor() -> None:
    tx_hash = "0x" + "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed" + "ab" * 12
    sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    armor = (
        "-----BEGIN PGP SIGNATURE-----\n\n"
        f"iQEzBAEBCAAdFiEE\n{GENESIS}\n0x{'ab' * 20}\n=abcd\n-----END PGP SIGNATURE-----"
    )
    blob = "aGVsbG8gd29ybGQ" * 8
    assert crypto.find(f"tx {tx_hash} sha256 {sha256} {blob}\n{armor}", "t") == []
