"""Vendor resolution: vendors (handle + market) linked into actors, every link explained.

Strong links: two vendors that show the same strong identifier (`identifiers.STRONG_KINDS`:
a PGP key fingerprint, a crypto address, an e-mail address, a messenger handle) are one actor;
actors are the connected components of the strong links and the analysts' `link` decisions,
less the links an analyst `unlink`ed. An identifier shown by more than `COMMON_VENDORS`
vendors links nobody (a market's escrow address, a key pasted into a guide): it is listed as
common instead. Each link keeps its evidence: the identifier and, per vendor, the listings
and profile pages that show it, first and last seen.

Suggestions: pairs of vendors not in one actor with weak signals (`intel.weak_signals`),
combined into one confidence as a noisy-or: 1 - prod(1 - score) over the pair's reasons, so
each independent signal raises it and none alone reaches 1. A pair an analyst unlinked is
never suggested again.

An actor's id is `A` + 8 hex of the SHA-1 of its smallest member (market:handle): the same
members always give the same id, and adding a member keeps it unless that member sorts first.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from intel.components import components
from intel.decisions import Decision, Pair
from intel.identifiers import STRONG_KINDS
from intel.vendor_records import Identifier, Sighting, VendorKey, VendorRecord
from intel.weak_signals import Reason, pair, weak_reasons

COMMON_VENDORS = 5


@dataclass(frozen=True)
class Evidence:
    """One identifier two vendors share, and where each shows it."""

    identifier: Identifier
    first: Sighting
    second: Sighting


@dataclass(frozen=True)
class Link:
    """Two vendors of one actor (`first` <= `second`): the shared identifiers, and the
    analyst's decision when one links (or unlinked) them."""

    first: VendorKey
    second: VendorKey
    evidence: tuple[Evidence, ...] = ()
    decision: Decision | None = None

    @property
    def pair(self) -> Pair:
        return (self.first, self.second)


@dataclass(frozen=True)
class Suggestion:
    first: VendorKey
    second: VendorKey
    confidence: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Actor:
    id: str
    members: tuple[VendorKey, ...]
    links: tuple[Link, ...]


@dataclass(frozen=True)
class Resolution:
    vendors: Mapping[VendorKey, VendorRecord]
    actors: tuple[Actor, ...]  # of two vendors or more
    suggestions: tuple[Suggestion, ...]  # highest confidence first
    rejected: tuple[Link, ...]  # strong links an analyst unlinked
    common: tuple[Identifier, ...]  # shown by too many vendors to link anyone
    decisions: Mapping[Pair, Decision] = field(default_factory=dict)

    def actor_of(self, key: VendorKey) -> Actor | None:
        return next((actor for actor in self.actors if key in actor.members), None)


def vendor_actors(resolution: Resolution) -> dict[str, str]:
    """Each vendor of an actor, keyed as the pattern reports key vendors (`market/handle`,
    case-folded: `intel.patterns.model.vendor_key`), mapped to the actor: its id and members,
    as `A78ec5039 (Iron Board:nordic_steel, Obsidian Bazaar:nordicsteel)`."""
    mapping = {}
    for actor in resolution.actors:
        label = f"{actor.id} ({', '.join(map(str, actor.members))})"
        for member in actor.members:
            mapping[f"{member.market}/{member.handle}".casefold()] = label
    return mapping


def actor_id(members: Iterable[VendorKey]) -> str:
    return "A" + hashlib.sha1(str(min(members)).encode()).hexdigest()[:8]


def confidence(reasons: Iterable[Reason]) -> float:
    """Noisy-or of the reasons' scores, rounded to two decimals."""
    doubt = 1.0
    for reason in reasons:
        doubt *= 1.0 - reason.score
    return round(1.0 - doubt, 2)


def strong_links(
    vendors: Mapping[VendorKey, VendorRecord],
) -> tuple[dict[Pair, list[Evidence]], list[Identifier]]:
    """Evidence per linked pair, and the identifiers too common to link anyone."""
    showing: dict[Identifier, list[VendorKey]] = defaultdict(list)
    for key in sorted(vendors):
        for identifier in vendors[key].identifiers:
            if identifier.kind in STRONG_KINDS:
                showing[identifier].append(key)
    links: dict[Pair, list[Evidence]] = defaultdict(list)
    common: list[Identifier] = []
    for identifier, keys in sorted(showing.items()):
        if len(keys) > COMMON_VENDORS:
            common.append(identifier)
            continue
        for index, first in enumerate(keys):
            for second in keys[index + 1 :]:
                seen = (
                    vendors[first].identifiers[identifier],
                    vendors[second].identifiers[identifier],
                )
                links[(first, second)].append(Evidence(identifier, *seen))
    return dict(links), common


def resolve(
    vendors: Mapping[VendorKey, VendorRecord], decisions: Mapping[Pair, Decision]
) -> Resolution:
    """Actors, suggestions and rejected links of the vendors, under the analysts' decisions."""
    evidence, common = strong_links(vendors)
    links: dict[Pair, Link] = {key: Link(*key, tuple(found)) for key, found in evidence.items()}
    rejected: list[Link] = []
    for key, decision in sorted(decisions.items()):
        if not all(vendor in vendors for vendor in key):
            continue  # a vendor no longer in the index
        if decision.verdict == "unlink":
            if key in links:
                rejected.append(Link(*key, links.pop(key).evidence, decision))
        else:
            links[key] = Link(*key, tuple(evidence.get(key, ())), decision)
    actors = _actors(links.values())
    return Resolution(
        vendors=vendors,
        actors=actors,
        suggestions=_suggestions(vendors, actors, decisions),
        rejected=tuple(rejected),
        common=tuple(common),
        decisions=dict(decisions),
    )


def _actors(links: Iterable[Link]) -> tuple[Actor, ...]:
    kept = list(links)
    actors = []
    for group in components(link.pair for link in kept):
        members = tuple(sorted(group))
        own = sorted((link for link in kept if link.first in group), key=_link_order)
        actors.append(Actor(actor_id(members), members, tuple(own)))
    return tuple(sorted(actors, key=lambda actor: actor.members))


def _link_order(link: Link) -> Pair:
    return link.pair


def _suggestions(
    vendors: Mapping[VendorKey, VendorRecord],
    actors: Iterable[Actor],
    decisions: Mapping[Pair, Decision],
) -> tuple[Suggestion, ...]:
    actor_of = {key: actor.id for actor in actors for key in actor.members}
    found = []
    for (first, second), reasons in weak_reasons(dict(vendors)).items():
        same_actor = first in actor_of and actor_of.get(first) == actor_of.get(second)
        if same_actor or pair(first, second) in decisions:
            continue  # linked already, or decided either way
        if all(reason.kind == "shipping" for reason in reasons):
            continue
        ordered = tuple(sorted(reasons, key=lambda reason: -reason.score))
        found.append(Suggestion(first, second, confidence(ordered), ordered))
    return tuple(sorted(found, key=lambda s: (-s.confidence, s.first, s.second)))
