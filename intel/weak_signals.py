"""Weak signals that two vendors may be one actor, each a `Reason` with its own score.

* `handle`: the handles are alike once case, digits and `_ . -` are set aside (rapidfuzz
  ratio of the normalized handles >= `HANDLE_MIN_SIMILARITY`, both at least
  `HANDLE_MIN_LENGTH` letters); score `HANDLE_WEIGHT` x similarity x min(1, letters /
  `HANDLE_FULL_LENGTH`): "krauttactical" says more than "marcel". A normalized handle that
  more than `STOCK_VENDORS` vendors use ("angler65", "angler_72", ...) is a common word, left
  out. All pairs are compared (thousands of vendors are millions of pairs, cheap for
  rapidfuzz's `cdist`, done in row chunks to bound memory).
* `photo`: the same product photo, perceptual hashes within `PHASH_MAX_DISTANCE` bits;
  score `PHOTO_WEIGHT` less `PHOTO_STEP` per differing bit. Candidates come from five bands of
  the 64-bit hash (two hashes 4 bits apart agree on at least one band), never all pairs. A
  photo that more than `STOCK_VENDORS` vendors show is a stock or placeholder image and says
  nothing about who took it.
* `text`: near-identical listing text, MinHash of word shingles as `index.reposts` signs
  them, candidates from MinHash LSH, estimated Jaccard >= `index.reposts.SIMILARITY_THRESHOLD`;
  score `TEXT_WEIGHT` x similarity. Texts at least `TEMPLATE_SIMILARITY` alike, chained, that
  more than `STOCK_VENDORS` vendors post are a template or a copied advert, ignored.
* `contact_handle`: the same handle after a contact word with no app named; `CONTACT_WEIGHT`.
* `shipping`: the same shipping profile (ships from, ships to, methods) used by at most
  `RARE_SHIPPING_VENDORS` vendors; `SHIPPING_WEIGHT`. It only supports another reason: alone it
  never makes a suggestion.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from datasketch import MinHash, MinHashLSH
from rapidfuzz import fuzz, process

from index.reposts import NUM_PERM, SIMILARITY_THRESHOLD, similarity
from intel.components import components
from intel.vendor_records import VendorKey, VendorRecord

Pair = tuple[VendorKey, VendorKey]
HANDLE_MIN_SIMILARITY = 0.85
HANDLE_MIN_LENGTH = 4
HANDLE_WEIGHT = 0.45
HANDLE_FULL_LENGTH = 10  # a shorter handle (a first name, a word) says less
PHASH_MAX_DISTANCE = 4
PHOTO_WEIGHT = 0.5
PHOTO_STEP = 0.05
TEXT_WEIGHT = 0.4
TEMPLATE_SIMILARITY = 0.8
CONTACT_WEIGHT = 0.4
SHIPPING_WEIGHT = 0.15
STOCK_VENDORS = 3
RARE_SHIPPING_VENDORS = 5
_BANDS = ((0, 13), (13, 26), (26, 39), (39, 52), (52, 64))
_HANDLE_NOISE = re.compile(r"[\s_.\-0-9]+")
_HANDLE_CHUNK = 2000


@dataclass(frozen=True)
class Reason:
    """One weak signal between two vendors: what it is, its score, the listings that show it."""

    kind: str  # handle, photo, text, contact_handle, shipping
    detail: str
    score: float
    listings: tuple[str, ...] = ()


def pair(first: VendorKey, second: VendorKey) -> Pair:
    return (first, second) if first <= second else (second, first)


def normalized_handle(handle: str) -> str:
    """Lowercase, without digits, spaces and `_ . -`: "Nordic_Steel77" -> "nordicsteel"."""
    return _HANDLE_NOISE.sub("", handle.casefold())


def weak_reasons(vendors: dict[VendorKey, VendorRecord]) -> dict[Pair, list[Reason]]:
    """Every pair of vendors with at least one weak signal, shipping added where it agrees."""
    reasons: dict[Pair, list[Reason]] = defaultdict(list)
    for found in (handle_reasons(vendors), photo_reasons(vendors), text_reasons(vendors)):
        for key, reason in found.items():
            reasons[key].append(reason)
    for key, reason in contact_reasons(vendors).items():
        reasons[key].append(reason)
    for key, reason in shipping_reasons(vendors, reasons).items():
        reasons[key].append(reason)
    return dict(reasons)


def handle_reasons(vendors: dict[VendorKey, VendorRecord]) -> dict[Pair, Reason]:
    everyone = sorted(vendors)
    named: dict[str, list[VendorKey]] = defaultdict(list)
    for key in everyone:
        named[normalized_handle(vendors[key].handle)].append(key)
    keys = [key for keys in named.values() if len(keys) <= STOCK_VENDORS for key in keys]
    names = [normalized_handle(vendors[key].handle) for key in keys]
    cutoff = round(HANDLE_MIN_SIMILARITY * 100)
    found: dict[Pair, Reason] = {}
    for start in range(0, len(keys), _HANDLE_CHUNK):
        rows = names[start : start + _HANDLE_CHUNK]
        scores = process.cdist(rows, names, scorer=fuzz.ratio, score_cutoff=cutoff)
        for row, column in zip(*scores.nonzero(), strict=True):
            first, second = start + int(row), int(column)
            if first >= second or min(len(names[first]), len(names[second])) < HANDLE_MIN_LENGTH:
                continue
            alike = float(scores[row, column]) / 100
            a, b = vendors[keys[first]], vendors[keys[second]]
            detail = f"handles {a.handle!r} and {b.handle!r} alike ({alike:.2f})"
            length = min(len(names[first]), len(names[second]), HANDLE_FULL_LENGTH)
            score = HANDLE_WEIGHT * alike * length / HANDLE_FULL_LENGTH
            found[pair(keys[first], keys[second])] = Reason("handle", detail, score)
    return found


def photo_reasons(vendors: dict[VendorKey, VendorRecord]) -> dict[Pair, Reason]:
    shown: dict[int, dict[VendorKey, set[str]]] = defaultdict(lambda: defaultdict(set))
    for key, record in vendors.items():
        for listing in record.listings:
            for phash in listing.phashes:
                shown[int(phash, 16)][key].add(listing.id)
    matches = _near_photos(shown)
    crowded = {
        h for h, near in matches.items() if len(_vendors_near(h, near, shown)) > STOCK_VENDORS
    }
    best: dict[Pair, tuple[int, set[str]]] = {}
    for first, near in matches.items():
        if first in crowded:
            continue
        for second, distance in near.items():
            for a, a_ids in shown[first].items():
                for b, b_ids in shown[second].items():
                    if a != b:
                        _keep_closest(best, pair(a, b), distance, a_ids | b_ids)
    return {
        key: Reason(
            "photo",
            f"the same photo (perceptual hashes {distance} bits apart)",
            PHOTO_WEIGHT - PHOTO_STEP * distance,
            tuple(sorted(ids)),
        )
        for key, (distance, ids) in best.items()
    }


def _near_photos(shown: dict[int, dict[VendorKey, set[str]]]) -> dict[int, dict[int, int]]:
    """Each hash's neighbours within `PHASH_MAX_DISTANCE` (itself at 0), from the bands."""
    buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
    for phash in shown:
        for band, (low, high) in enumerate(_BANDS):
            buckets[(band, (phash >> low) & ((1 << (high - low)) - 1))].append(phash)
    near: dict[int, dict[int, int]] = {phash: {phash: 0} for phash in shown}
    for bucket in buckets.values():
        for index, first in enumerate(bucket):
            for second in bucket[index + 1 :]:
                distance = (first ^ second).bit_count()
                if distance <= PHASH_MAX_DISTANCE:
                    near[first][second] = near[second][first] = distance
    return near


def _vendors_near(
    phash: int, near: dict[int, int], shown: dict[int, dict[VendorKey, set[str]]]
) -> set[VendorKey]:
    return {vendor for other in near for vendor in shown[other]} | set(shown[phash])


def _keep_closest(
    best: dict[Pair, tuple[int, set[str]]], key: Pair, distance: int, ids: set[str]
) -> None:
    kept = best.get(key)
    if kept is None or distance < kept[0]:
        best[key] = (distance, set(ids) | (kept[1] if kept else set()))
    else:
        kept[1].update(ids)


def text_reasons(vendors: dict[VendorKey, VendorRecord]) -> dict[Pair, Reason]:
    owner: dict[str, VendorKey] = {}
    signatures: dict[str, MinHash] = {}
    for key, record in vendors.items():
        for listing in record.listings:
            if listing.signature is not None and listing.id not in owner:
                owner[listing.id], signatures[listing.id] = key, listing.signature
    matches = _near_texts(signatures)  # down to TEMPLATE_SIMILARITY
    crowded = {
        listing_id
        for group in components((first, second) for first, second, _ in matches)
        if len({owner[listing_id] for listing_id in group}) > STOCK_VENDORS
        for listing_id in group
    }  # a template or an advert copied around: not one vendor's text
    best: dict[Pair, tuple[float, set[str]]] = {}
    for first, second, score in matches:
        near = score >= SIMILARITY_THRESHOLD
        if near and owner[first] != owner[second] and first not in crowded:
            vendors_pair = pair(owner[first], owner[second])
            kept, ids = best.get(vendors_pair, (0.0, set()))
            best[vendors_pair] = (max(kept, score), ids | {first, second})
    return {
        key: Reason(
            "text",
            f"near-identical listing text ({score:.2f})",
            TEXT_WEIGHT * score,
            tuple(sorted(ids)),
        )
        for key, (score, ids) in best.items()
    }


def _near_texts(signatures: dict[str, MinHash]) -> list[tuple[str, str, float]]:
    """(listing, listing, similarity) of the texts at least `TEMPLATE_SIMILARITY` alike, each
    pair once (LSH at the lower threshold also misses fewer pairs just above the higher)."""
    lsh = MinHashLSH(threshold=TEMPLATE_SIMILARITY, num_perm=NUM_PERM)
    for listing_id, signature in signatures.items():
        lsh.insert(listing_id, signature)
    matches = []
    for listing_id, mine in signatures.items():
        for other in lsh.query(mine):
            if listing_id < other:
                score = similarity(mine, signatures[other])
                if score >= TEMPLATE_SIMILARITY:
                    matches.append((listing_id, other, score))
    return matches


def contact_reasons(vendors: dict[VendorKey, VendorRecord]) -> dict[Pair, Reason]:
    """Pairs showing the same unnamed contact handle (one shown by few vendors)."""
    showing: dict[str, list[VendorKey]] = defaultdict(list)
    for key, record in vendors.items():
        for identifier in record.identifiers:
            if identifier.kind == "contact_handle":
                showing[identifier.value].append(key)
    found: dict[Pair, Reason] = {}
    for value, keys in showing.items():
        if len(keys) > STOCK_VENDORS:
            continue
        for index, first in enumerate(keys):
            for second in keys[index + 1 :]:
                ids = _listings_showing(vendors, (first, second), "contact_handle", value)
                detail = f"the same contact handle {value}"
                found[pair(first, second)] = Reason("contact_handle", detail, CONTACT_WEIGHT, ids)
    return found


def _listings_showing(
    vendors: dict[VendorKey, VendorRecord], keys: Iterable[VendorKey], kind: str, value: str
) -> tuple[str, ...]:
    ids: set[str] = set()
    for key in keys:
        for identifier, sighting in vendors[key].identifiers.items():
            if (identifier.kind, identifier.value) == (kind, value):
                ids |= sighting.listing_ids
    return tuple(sorted(ids))


def shipping_reasons(
    vendors: dict[VendorKey, VendorRecord], candidates: Iterable[Pair]
) -> dict[Pair, Reason]:
    """For pairs that have another reason: a rare shipping profile they share."""
    profiles = {
        key: {listing.shipping for listing in record.listings if listing.shipping}
        for key, record in vendors.items()
    }
    users: dict[object, int] = defaultdict(int)
    for shown in profiles.values():
        for profile in shown:
            users[profile] += 1
    found: dict[Pair, Reason] = {}
    for first, second in candidates:
        shared = [
            p for p in profiles[first] & profiles[second] if users[p] <= RARE_SHIPPING_VENDORS
        ]
        if shared:
            detail = f"the same shipping profile {min(shared)}"
            found[(first, second)] = Reason("shipping", detail, SHIPPING_WEIGHT)
    return found
