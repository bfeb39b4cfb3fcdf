"""PGP key blocks (valid, HTML-flattened, corrupted) and written fingerprints."""

from __future__ import annotations

import warnings

import pytest

from extractors.signals import pgp
from tests.extractors.signals import normalized

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pgpy
    from pgpy.constants import EllipticCurveOID, HashAlgorithm, KeyFlags, PubKeyAlgorithm


@pytest.fixture(scope="module")
def key() -> tuple[str, str]:
    """(armored public key, its fingerprint as 40 uppercase hex)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        private = pgpy.PGPKey.new(PubKeyAlgorithm.EdDSA, EllipticCurveOID.Ed25519)
        uid = pgpy.PGPUID.new("Vendor", email="vendor@example.org")
        private.add_uid(uid, usage={KeyFlags.Sign}, hashes=[HashAlgorithm.SHA256])
    return str(private.pubkey), str(private.fingerprint).replace(" ", "")


def test_armored_key(key: tuple[str, str]) -> None:
    armored, fingerprint = key
    text = f"My key:\n{armored.strip()}\nThanks"
    found = pgp.find(text, "description")
    assert normalized(text, found) == [fingerprint]
    assert found[0].label == "PGP_KEY"
    assert found[0].text.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    assert found[0].text.endswith("-----END PGP PUBLIC KEY BLOCK-----")


def test_html_flattened_key_with_headers(key: tuple[str, str]) -> None:
    armored, fingerprint = key
    lines = armored.strip().splitlines()
    flat = " ".join([lines[0], "Version: GnuPG v2", *[line for line in lines[1:] if line]])
    found = pgp.find(f"pgp: {flat} end", "description")
    assert [(item.label, item.normalized) for item in found] == [("PGP_KEY", fingerprint)]


def test_corrupted_block_is_invalid(key: tuple[str, str]) -> None:
    armored, _ = key
    lines = armored.splitlines()
    lines[3] = lines[3][:10] + ("A" if lines[3][10] != "A" else "B") + lines[3][11:]
    found = pgp.find("\n".join(lines), "t")
    assert [(item.label, item.normalized) for item in found] == [("PGP_KEY_INVALID", None)]
    garbage = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nnot a key\n-----END PGP PUBLIC KEY BLOCK-----"
    assert [item.label for item in pgp.find(garbage, "t")] == ["PGP_KEY_INVALID"]


def test_written_fingerprints() -> None:
    text = (
        "Fingerprint: 7E3F 6387 E87B 77F1 0EFD  860E AA74 BB29 F367 1FA2\n"
        "Отпечаток ключа: 0x7e3f6387e87b77f10efd860eaa74bb29f3671fa2\n"
        "sha1 7E3F6387E87B77F10EFD860EAA74BB29F3671FA2"
    )
    found = pgp.find(text, "t")
    assert normalized(text, found, "PGP_FINGERPRINT") == [
        "7E3F6387E87B77F10EFD860EAA74BB29F3671FA2",
        "7E3F6387E87B77F10EFD860EAA74BB29F3671FA2",
    ]
    assert found[0].text == "7E3F 6387 E87B 77F1 0EFD  860E AA74 BB29 F367 1FA2"


def test_armor_spans_cover_signatures() -> None:
    text = "hi -----BEGIN PGP SIGNATURE-----\nabc\n-----END PGP SIGNATURE----- bye"
    assert pgp.armor_spans(text) == [(3, text.index(" bye"))]
