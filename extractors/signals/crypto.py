"""Cryptocurrency addresses (label CRYPTO_ADDRESS), accepted only when their checksum holds.

Finds, with normalized forms:

* Bitcoin base58check P2PKH / P2SH (version byte 0x00 / 0x05) → `btc:<address>`;
* Bitcoin native segwit, `bc1…`: bech32 for witness version 0 and bech32m (BIP-350) for
  versions 1–16, with the BIP-173/BIP-141 program-length rules → `btc:<lowercase address>`;
* Litecoin base58check (version 0x30 `L…`, 0x32 `M…`) and segwit `ltc1…` → `ltc:<address>`
  (`3…` addresses, version 0x05, are shared with Bitcoin and reported as `btc:`);
* Ethereum `0x` + 40 hex: all-lower or all-upper case is accepted as unchecksummed, mixed case
  must pass EIP-55 → `eth:<EIP-55 checksummed form>`;
* Monero standard (`4…`, 95 chars), subaddress (`8…`, 95 chars) and integrated (`4…`, 106 chars)
  addresses: Monero block base58, network byte 18 / 42 / 19, Keccak-256 checksum → `xmr:<address>`.

Rejects strings that only look like addresses (any changed character breaks the checksum),
longer hex strings such as 64-hex transaction hashes, and anything inside armored PGP blocks.

The installed `bech32` package (1.2.0) implements bech32 only; the bech32m constant check
(BIP-350: the polymod must equal 0x2bc830a3 instead of 1) is done here on top of its
`bech32_polymod`, `bech32_hrp_expand` and `convertbits`.
"""

from __future__ import annotations

import re

import base58
from bech32 import CHARSET, bech32_hrp_expand, bech32_polymod, convertbits
from Crypto.Hash import keccak

from crawlers.listing import Entity
from extractors.signals._base import GATES, Triggered, entity, inside, scanned
from extractors.signals.pgp import armor_spans

LABEL = "CRYPTO_ADDRESS"
BECH32_CONST = 1
BECH32M_CONST = 0x2BC830A3
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_CLASS = "[1-9A-HJ-NP-Za-km-z]"
_EDGE_BEFORE = r"(?<![A-Za-z0-9])"
_EDGE_AFTER = r"(?![A-Za-z0-9])"

CANDIDATES = re.compile(
    _EDGE_BEFORE
    + "(?:"
    + rf"(?P<xmr>[48]{_B58_CLASS}{{94}}(?:{_B58_CLASS}{{11}})?)"
    + r"|(?P<segwit>(?:bc|BC|ltc|LTC)1[02-9ac-hj-np-zAC-HJ-NP-Z]{6,87})"
    + r"|(?P<eth>0x[0-9a-fA-F]{40})"
    + rf"|(?P<b58>[13LM]{_B58_CLASS}{{25,34}})"
    + ")"
    + _EDGE_AFTER
)
BASE58_VERSIONS = {0x00: "btc", 0x05: "btc", 0x30: "ltc", 0x32: "ltc"}
SEGWIT_HRPS = {"bc": "btc", "ltc": "ltc"}
MONERO_NETWORKS = {18: 69, 42: 69, 19: 77}  # network byte → decoded length (bytes)
_MONERO_BLOCK_CHARS = (0, 2, 3, 5, 6, 7, 9, 10, 11)  # encoded size of a 0..8-byte block
TRIGGERED = Triggered(CANDIDATES, ["1", "3", "4", "8", "l", "m", "bc1", "ltc1", "0x"])
_B58_INDEX = {char: index for index, char in enumerate(_B58)}
# Gate (lowercased text): every candidate starts with a segwit prefix, or is a run of 26+
# letters and digits, found as a run in the UTF-8 bytes with those mapped to "a" (faster than
# a regex, which would try to match at every letter).
GATE = GATES.gate(["bc1", "ltc1"])
_RUN_LENGTH = 26
_RUN_BYTES = bytes(
    ord("a") if chr(byte) in "0123456789abcdefghijklmnopqrstuvwxyz" else ord(" ")
    for byte in range(256)
)


def long_run(lower: str) -> bool:
    """True when the lowercased text holds a run of 26 ASCII digits and lowercase letters."""
    if len(lower) < _RUN_LENGTH:
        return False
    utf8 = lower.encode("utf-8", "surrogatepass")  # non-ASCII: bytes of 0x80 and up only
    return b"a" * _RUN_LENGTH in utf8.translate(_RUN_BYTES)


def may_contain(text: str) -> bool:
    """False only when the text cannot hold a CRYPTO_ADDRESS entity."""
    lower, prefilter, held = scanned(text)
    return prefilter is None or bool(held & GATE) or long_run(lower)


def find(text: str, field: str) -> list[Entity]:
    """Every checksum-valid cryptocurrency address in the text."""
    return find_unfiltered(text, field) if may_contain(text) else []


def find_unfiltered(text: str, field: str) -> list[Entity]:
    """`find` for a text that `may_contain` let through."""
    found: list[Entity] = []
    skip = armor_spans(text)
    for match in TRIGGERED.finditer(text):
        kind = match.lastgroup
        if kind is None or (skip and inside(skip, *match.span())):
            continue
        normalized = _VALIDATORS[kind](match.group(kind))
        if normalized:
            found.append(entity(LABEL, text, *match.span(), field, normalized))
    return found


def base58_address(address: str) -> str | None:
    """`btc:`/`ltc:` + address for a valid base58check Bitcoin or Litecoin address."""
    try:
        payload = base58.b58decode_check(address)
    except ValueError:
        return None
    coin = BASE58_VERSIONS.get(payload[0]) if len(payload) == 21 else None
    return f"{coin}:{address}" if coin else None


def segwit_address(address: str) -> str | None:
    """`btc:`/`ltc:` + lowercase address for a valid BIP-173/BIP-350 segwit address."""
    if len(address) > 90 or (address.lower() != address and address.upper() != address):
        return None
    lower = address.lower()
    hrp, _, data_part = lower.rpartition("1")
    coin = SEGWIT_HRPS.get(hrp)
    if coin is None or len(data_part) < 7 or any(c not in CHARSET for c in data_part):
        return None
    data = [CHARSET.index(c) for c in data_part]
    constant = bech32_polymod(bech32_hrp_expand(hrp) + data)
    version, program = data[0], convertbits(data[1:-6], 5, 8, False)
    if program is None or version > 16 or not 2 <= len(program) <= 40:
        return None
    if version == 0 and (constant != BECH32_CONST or len(program) not in (20, 32)):
        return None
    if version > 0 and constant != BECH32M_CONST:
        return None
    return f"{coin}:{lower}"


def eth_address(address: str) -> str | None:
    """`eth:` + EIP-55 form; mixed-case input must already be EIP-55 checksummed."""
    digits = address[2:]
    checksummed = eip55(digits)
    if digits not in (digits.lower(), digits.upper()) and digits != checksummed[2:]:
        return None
    return f"eth:{checksummed}"


def eip55(hex_digits: str) -> str:
    """The EIP-55 mixed-case checksum form (with 0x) of 40 hex digits."""
    lower = hex_digits.lower()
    digest = keccak.new(digest_bits=256, data=lower.encode("ascii")).hexdigest()
    return "0x" + "".join(
        char.upper() if char.isalpha() and int(nibble, 16) >= 8 else char
        for char, nibble in zip(lower, digest, strict=False)
    )


def monero_address(address: str) -> str | None:
    """`xmr:` + address for a valid Monero standard, subaddress or integrated address."""
    data = monero_b58decode(address)
    if data is None or MONERO_NETWORKS.get(data[0]) != len(data):
        return None
    if (data[0] == 42) != address.startswith("8"):
        return None
    checksum = keccak.new(digest_bits=256, data=data[:-4]).digest()[:4]
    return f"xmr:{address}" if checksum == data[-4:] else None


def monero_b58decode(encoded: str) -> bytes | None:
    """Monero base58: 11-character blocks of 8 bytes, a shorter last block; None if invalid."""
    out = bytearray()
    for offset in range(0, len(encoded), 11):
        block = encoded[offset : offset + 11]
        if len(block) not in _MONERO_BLOCK_CHARS:
            return None
        size = _MONERO_BLOCK_CHARS.index(len(block))
        value = 0
        for char in block:
            value = value * 58 + _B58_INDEX[char]
        if value >= 1 << (8 * size):
            return None
        out += value.to_bytes(size, "big")
    return bytes(out)


def monero_b58encode(data: bytes) -> str:
    """Monero base58 encoding (the inverse of `monero_b58decode`)."""
    chars: list[str] = []
    for offset in range(0, len(data), 8):
        block = data[offset : offset + 8]
        value = int.from_bytes(block, "big")
        width = _MONERO_BLOCK_CHARS[len(block)]
        encoded = ""
        while value:
            value, digit = divmod(value, 58)
            encoded = _B58[digit] + encoded
        chars.append(encoded.rjust(width, _B58[0]))
    return "".join(chars)


_VALIDATORS = {
    "xmr": monero_address,
    "segwit": segwit_address,
    "eth": eth_address,
    "b58": base58_address,
}
