"""PGP public keys and fingerprints written in listing text.

Finds ASCII-armored public key blocks (`-----BEGIN PGP PUBLIC KEY BLOCK-----` … `-----END …`),
also when a page was flattened from HTML (extra spaces, missing blank line after the headers,
`<br>`-stripped lines joined by spaces). Each block is parsed with pgpy: a parsable block is a
`PGP_KEY` normalized to the primary key's fingerprint (40 uppercase hex); a block that cannot be
decoded, whose armor checksum (CRC-24) does not match, or that pgpy rejects is a
`PGP_KEY_INVALID` with no normalized value, so analysts still see it.

Fingerprints written as text ("Fingerprint: 1234 5678 …", 40 hex digits, contiguous or in
groups of 4) are `PGP_FINGERPRINT`, normalized to 40 uppercase hex. Forty contiguous hex digits
without a fingerprint cue word are rejected: they are usually SHA-1 hashes.

`armor_spans` gives the spans of every armored PGP block (keys, signatures, messages) so other
extractors can skip the base64 inside them.
"""

from __future__ import annotations

import base64
import binascii
import re
import warnings

from crawlers.listing import Entity
from extractors.signals._base import (
    GATES,
    Span,
    Triggered,
    alternation,
    entity,
    inside,
    literal_prefix,
    prefilter_text,
    scanned,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pgpy
    from pgpy.types import Armorable

KEY_BLOCK = re.compile(
    r"-{3,}\s*BEGIN PGP PUBLIC KEY BLOCK\s*-{3,}(?P<body>.*?)"
    r"-{3,}\s*END PGP PUBLIC KEY BLOCK\s*-{3,}",
    re.DOTALL | re.IGNORECASE,
)
ARMOR_BLOCK = re.compile(
    r"-{3,}\s*BEGIN PGP (?P<kind>[A-Z ,/0-9]+?)\s*-{3,}.*?-{3,}\s*END PGP (?P=kind)\s*-{3,}",
    re.DOTALL,
)
CUES = [
    r"fingerprint", r"fpr", r"fingerabdruck", r"huella(?:\s+digital)?", r"empreinte",
    r"отпечаток(?:\s+ключа)?", r"impronta(?:\s+digitale)?", r"impressão\s+digital",
    r"vingerafdruck", r"vingerafdruk", r"pgp\s+fp",
]  # fmt: skip
FINGERPRINT_CUED = re.compile(
    rf"(?:{alternation(CUES)})\s*[:=\-]?\s*(?:0x)?"
    r"(?P<hex>(?:[0-9A-Fa-f]{4}[ \t]{0,2}){9}[0-9A-Fa-f]{4})(?![0-9A-Za-z])",
    re.IGNORECASE,
)
FINGERPRINT_GROUPED = re.compile(
    r"(?P<hex>[0-9A-Fa-f]{4}[ \t]{1,2}(?:[0-9A-Fa-f]{4}[ \t]{1,2}){8}[0-9A-Fa-f]{4})(?![0-9A-Za-z])"
)
CUED = Triggered(FINGERPRINT_CUED, [literal_prefix(cue) for cue in CUES])
_HEADER_LINE = re.compile(r"^[A-Za-z][A-Za-z-]*:\s.*$", re.MULTILINE)
_CRC_TAIL = re.compile(r"^(?P<data>[A-Za-z0-9+/]*={0,2})(?P<crc>=[A-Za-z0-9+/]{4})?$")
_BASE64_TOKEN = re.compile(r"^[A-Za-z0-9+/=]+$")
_MAX_START_TRIES = 6
# Gate (lowercased text): a key block needs "pgp", a cued fingerprint a cue word, a grouped
# one ten 4-hex groups (the last nine each after a space or tab), unrolled: `re` tries it
# at every space and tab, faster without a repeated group.
GATE = GATES.gate(["pgp", *(literal_prefix(cue) for cue in CUES)])
GROUPS = re.compile(r"[ \t]" + r"[0-9a-f]{4}[ \t]{1,2}" * 8 + r"[0-9a-f]{4}")
_GROUPS_LENGTH = 1 + 8 * 5 + 4  # the shortest match


def grouped_hex(lower: str) -> bool:
    """True when the lowercased text holds ten 4-hex groups as a grouped fingerprint has."""
    return len(lower) >= _GROUPS_LENGTH and GROUPS.search(lower) is not None


def may_contain(text: str) -> bool:
    """False only when the text cannot hold a PGP entity."""
    lower, prefilter, held = scanned(text)
    return prefilter is None or bool(held & GATE) or grouped_hex(lower)


def find(text: str, field: str) -> list[Entity]:
    """PGP_KEY / PGP_KEY_INVALID for armored key blocks, PGP_FINGERPRINT for written ones."""
    return find_unfiltered(text, field) if may_contain(text) else []


def find_unfiltered(text: str, field: str) -> list[Entity]:
    """`find` for a text that `may_contain` let through."""
    found: list[Entity] = []
    blocks: list[Span] = []
    if "PGP" in text or "pgp" in text:
        for match in KEY_BLOCK.finditer(text):
            blocks.append(match.span())
            fingerprint = key_fingerprint(match.group("body"))
            label = "PGP_KEY" if fingerprint else "PGP_KEY_INVALID"
            found.append(entity(label, text, *match.span(), field, fingerprint))
    grouped = [m for m in FINGERPRINT_GROUPED.finditer(text) if not _inside_word(text, m.start())]
    for match in [*CUED.finditer(text), *grouped]:
        start, end = match.span("hex")
        if inside(blocks, start, end):
            continue
        blocks.append((start, end))
        hex_digits = re.sub(r"\s", "", match.group("hex")).upper()
        found.append(entity("PGP_FINGERPRINT", text, start, end, field, hex_digits))
    return found


def _inside_word(text: str, start: int) -> bool:
    return start > 0 and text[start - 1].isalnum()


def armor_spans(text: str) -> list[Span]:
    """Spans of all armored PGP blocks (keys, signatures, messages) in the text."""
    lower = prefilter_text(text)
    if lower is not None and "pgp" not in lower:  # only "p", "g" and "P", "G" case-map to them
        return []
    if "BEGIN PGP" not in text.upper():
        return []
    spans = [match.span() for match in ARMOR_BLOCK.finditer(text)]
    spans.extend(match.span() for match in KEY_BLOCK.finditer(text))
    return spans


def key_fingerprint(body: str) -> str | None:
    """The primary key fingerprint of an armor body (headers + base64 + CRC), or None."""
    body = body.strip()
    if "\n" in body:
        body = _HEADER_LINE.sub(" ", body)
    tokens = body.split()
    first = max((i + 1 for i, token in enumerate(tokens) if ":" in token), default=0)
    for start in range(first, min(first + _MAX_START_TRIES, len(tokens))):
        if not all(_BASE64_TOKEN.match(token) for token in tokens[start:]):
            continue
        fingerprint = _parse_base64("".join(tokens[start:]))
        if fingerprint:
            return fingerprint
    return None


def _parse_base64(joined: str) -> str | None:
    parts = _CRC_TAIL.match(joined)
    if parts is None or not parts.group("data"):
        return None
    try:
        data = base64.b64decode(parts.group("data"), validate=True)
    except (binascii.Error, ValueError):
        return None
    crc = parts.group("crc")
    if crc and int.from_bytes(base64.b64decode(crc[1:]), "big") != Armorable.crc24(data):
        return None
    return _pgpy_fingerprint(data)


def _pgpy_fingerprint(data: bytes) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            key, _ = pgpy.PGPKey.from_blob(data)
    except Exception:  # pgpy raises many exception types on malformed packets
        return None
    fingerprint = str(key.fingerprint).replace(" ", "").upper()
    return fingerprint if len(fingerprint) == 40 else None
