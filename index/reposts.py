"""Re-posts: a listing posted again under a new id by the same vendor with nearly the same text.

Each listing's text (title and description, lowercased, split into words) becomes a set of
word shingles (`SHINGLE_WORDS` words in a row) and a MinHash signature of them (datasketch,
`NUM_PERM` permutations, a fixed seed, so the same texts always give the same estimate). A
new listing is compared with the other listings of the same vendor (handle, case-insensitive)
on the same source that the index held before the crawl; the estimated Jaccard similarity of
the shingle sets must reach `SIMILARITY_THRESHOLD` (0.9). The most similar one (then the
latest seen) is linked: new id -> old id, with the similarity and when, in the history file.

Why 0.9: a re-post that keeps the text, or adds or drops a word at either end (one shingle
of ~40 in a typical listing: about 0.97), stays above it, as does one changed word in a text
of 60 words or more (a changed word replaces three shingles); distinct offers of one vendor
made from the same templates reach about 0.82 in the demo catalog (short digital-goods
texts), and 256 permutations keep the estimate within about 0.025 of the truth (one standard
deviation), so those stay below. Listings without a vendor are never linked: the vendor is
what makes two similar texts the same offer rather than two sellers copying one template.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

from datasketch import MinHash

from crawlers.listing import Listing
from index.backend import IndexBackend
from index.fields import normalize_keyword
from index.history_store import RepostLink
from index.removals import phrase, source_query

SIMILARITY_THRESHOLD = 0.9
SHINGLE_WORDS = 3
NUM_PERM = 256
_SEED = 1
_WORD = re.compile(r"\w+")


def shingles(listing: Listing) -> set[str]:
    """The word shingles of a listing's title and description (the words themselves when the
    text is shorter than a shingle)."""
    words = _WORD.findall(f"{listing.title} {listing.description}".lower())
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words)} if words else set()
    return {
        " ".join(words[start : start + SHINGLE_WORDS])
        for start in range(len(words) - SHINGLE_WORDS + 1)
    }


def signature(listing: Listing) -> MinHash:
    minhash = MinHash(num_perm=NUM_PERM, seed=_SEED)
    minhash.update_batch([shingle.encode("utf-8") for shingle in sorted(shingles(listing))])
    return minhash


def similarity(first: MinHash, second: MinHash) -> float:
    """The estimated Jaccard similarity of two signatures' shingle sets."""
    return float(first.jaccard(second))


def vendor_key(listing: Listing) -> str | None:
    """The vendor as the index compares it (trimmed, lowercase); None without one."""
    if listing.vendor is None:
        return None
    return normalize_keyword(listing.vendor.handle) or None


class Candidate(NamedTuple):
    """An earlier listing a new one may re-post: what comparing with it needs."""

    id: str
    last_seen: datetime
    signature: MinHash


def best_match(
    listing: Listing, candidates: Sequence[Candidate], when: datetime
) -> RepostLink | None:
    """The link from `listing` to the most similar candidate at or above the threshold."""
    others = [other for other in candidates if other.id != listing.id]
    if listing.vendor is None or not others:
        return None  # no signature to make: most new listings of a first crawl
    mine = signature(listing)
    scored = [(similarity(mine, other.signature), other.last_seen, other.id) for other in others]
    qualified = [entry for entry in scored if entry[0] >= SIMILARITY_THRESHOLD]
    if not qualified:
        return None
    score, _, old_id = max(qualified)
    return RepostLink(
        new_id=listing.id,
        old_id=old_id,
        source=listing.source,
        vendor=listing.vendor.handle,
        similarity=round(score, 4),
        linked_at=when,
    )


class RepostFinder:
    """Links new listings to the earlier listings they re-post, over one crawl.

    The candidates of a vendor are the vendor's listings on the source that the index held
    before the crawl: they are read and signed once, the first time the crawl meets a new
    listing of that vendor, and kept for the rest of the crawl (listings new in the crawl
    never become candidates), so each batch costs its own listings, not the vendor's all.
    `held_before`: when the crawl began; a finder that reads the index behind the crawl (the
    history worker) leaves out the listings first seen since, which the crawl made."""

    def __init__(self, index: IndexBackend, held_before: datetime | None = None) -> None:
        self.index = index
        self.held_before = held_before
        self._candidates: dict[tuple[str, str], list[Candidate]] = {}

    def links(self, new_ids: Iterable[str], exclude: set[str], when: datetime) -> list[RepostLink]:
        """Links from each new listing to the earlier listing it re-posts, if any; `exclude`:
        the ids new in this crawl (two offers first seen together are two offers)."""
        groups: dict[tuple[str, str], list[Listing]] = defaultdict(list)
        for listing in self.index.get_many(new_ids).values():
            vendor = vendor_key(listing)
            if vendor is not None:
                groups[(listing.source, vendor)].append(listing)
        links: list[RepostLink] = []
        for key, listings in sorted(groups.items()):
            candidates = self._vendor_candidates(key, exclude)
            found = (best_match(listing, candidates, when) for listing in listings)
            links.extend(link for link in found if link is not None)
        return links

    def _vendor_candidates(self, key: tuple[str, str], exclude: set[str]) -> list[Candidate]:
        if key not in self._candidates:
            source, vendor = key
            query = f"{source_query(source)} AND vendor:{phrase(vendor)}"
            self._candidates[key] = [
                Candidate(other.id, other.last_seen, signature(other))
                for other in self.index.scan_listings(query, sort="oldest")
                if other.id not in exclude and self._held(other)
            ]
        return self._candidates[key]

    def _held(self, listing: Listing) -> bool:
        return self.held_before is None or listing.first_seen < self.held_before
