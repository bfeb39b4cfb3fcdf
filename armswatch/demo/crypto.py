"""Synthetic but syntactically valid crypto addresses and PGP key blocks for demo vendors.

Everything is derived from a seed string with SHA-256, so the same vendor always shows the
same addresses. Bitcoin addresses carry valid checksums (base58check P2PKH and bech32
P2WPKH), Monero addresses a valid Keccak checksum; Ethereum addresses are lowercase hex
(unchecksummed). Nothing here belongs to anyone.
"""

from __future__ import annotations

import base64
import hashlib

from Crypto.Hash import keccak

from extractors.signals.crypto import monero_b58encode

B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _digest(seed: str, label: str, length: int) -> bytes:
    """`length` deterministic bytes for (seed, label)."""
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(f"{label}\x1f{seed}\x1f{counter}".encode()).digest()
        counter += 1
    return out[:length]


def base58_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    chars = []
    while number:
        number, remainder = divmod(number, 58)
        chars.append(B58_ALPHABET[remainder])
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + "".join(reversed(chars))


def base58check_encode(payload: bytes) -> str:
    checksum = hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    return base58_encode(payload + checksum)


def base58check_decode(address: str) -> bytes:
    """The payload of a base58check string; raises ValueError on a bad checksum."""
    number = 0
    for char in address:
        number = number * 58 + B58_ALPHABET.index(char)
    leading = len(address) - len(address.lstrip("1"))
    raw = b"\0" * leading + number.to_bytes((number.bit_length() + 7) // 8, "big")
    payload, checksum = raw[:-4], raw[-4:]
    if hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] != checksum:
        raise ValueError(f"bad base58check checksum in {address!r}")
    return payload


def btc_p2pkh(seed: str) -> str:
    """A legacy Bitcoin address (starts with 1) with a valid checksum."""
    return base58check_encode(b"\x00" + _digest(seed, "p2pkh", 20))


def _bech32_polymod(values: list[int]) -> int:
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for index, generator in enumerate(_BECH32_GENERATOR):
            if (top >> index) & 1:
                checksum ^= generator
    return checksum


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(char) >> 5 for char in hrp] + [0] + [ord(char) & 31 for char in hrp]


def _to_five_bits(data: bytes) -> list[int]:
    accumulator, bits, out = 0, 0, []
    for byte in data:
        accumulator = (accumulator << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            out.append((accumulator >> bits) & 31)
    if bits:
        out.append((accumulator << (5 - bits)) & 31)
    return out


def bech32_verify(address: str) -> bool:
    hrp, _, data = address.lower().rpartition("1")
    values = [BECH32_CHARSET.index(char) for char in data]
    return _bech32_polymod(_hrp_expand(hrp) + values) == 1


def btc_bech32(seed: str, hrp: str = "bc") -> str:
    """A native SegWit (P2WPKH, witness v0) address with a valid bech32 checksum."""
    data = [0, *_to_five_bits(_digest(seed, "p2wpkh", 20))]
    polymod = _bech32_polymod([*_hrp_expand(hrp), *data, 0, 0, 0, 0, 0, 0]) ^ 1
    checksum = [(polymod >> 5 * (5 - index)) & 31 for index in range(6)]
    return hrp + "1" + "".join(BECH32_CHARSET[value] for value in data + checksum)


def xmr_address(seed: str) -> str:
    """A Monero standard address (network byte 18, so it starts with 4; 95 characters) with a
    valid Keccak-256 checksum over deterministic key bytes."""
    data = b"\x12" + _digest(seed, "xmr", 64)
    checksum = keccak.new(digest_bits=256, data=data).digest()[:4]
    return monero_b58encode(data + checksum)


def eth_address(seed: str) -> str:
    return "0x" + _digest(seed, "eth", 20).hex()


def _crc24(data: bytes) -> int:
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def pgp_fingerprint(seed: str) -> str:
    """The v4 fingerprint of the seed's key (SHA-1 of the key packet), in groups of four."""
    hexed = hashlib.sha1(_pgp_key_packet(seed)).hexdigest().upper()
    return " ".join(hexed[index : index + 4] for index in range(0, 40, 4))


def _mpi(number: int) -> bytes:
    """An OpenPGP multiprecision integer: bit count, then the big-endian bytes."""
    return number.bit_length().to_bytes(2, "big") + number.to_bytes(
        (number.bit_length() + 7) // 8, "big"
    )


def _pgp_key_packet(seed: str) -> bytes:
    """A v4 RSA public-key packet (old-format header, two-byte length) of a 2048-bit modulus.

    The modulus is deterministic filler with the top and bottom bits set: the packet parses
    (pgpy reads it and gives the same fingerprint); nobody holds a private key for it.
    """
    modulus = int.from_bytes(_digest(seed, "pgp", 256), "big") | (1 << 2047) | 1
    created = (
        1_600_000_000 + int.from_bytes(_digest(seed, "pgp-time", 4), "big") % 10**8
    ).to_bytes(4, "big")
    body = b"\x04" + created + b"\x01" + _mpi(modulus) + _mpi(65537)
    return b"\x99" + len(body).to_bytes(2, "big") + body


def pgp_public_key_block(seed: str) -> str:
    """An ASCII-armoured block of the seed's public-key packet (no user id, no signatures)."""
    body = _pgp_key_packet(seed)
    encoded = base64.b64encode(body).decode("ascii")
    lines = [encoded[index : index + 64] for index in range(0, len(encoded), 64)]
    crc = base64.b64encode(_crc24(body).to_bytes(3, "big")).decode("ascii")
    return "\n".join(
        [
            "-----BEGIN PGP PUBLIC KEY BLOCK-----",
            "",
            *lines,
            "=" + crc,
            "-----END PGP PUBLIC KEY BLOCK-----",
        ]
    )
