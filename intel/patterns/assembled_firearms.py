"""Components offered separately that together make a firearm: the parts of one kit (a pistol's
frame, slide and barrel; an AR's lower and upper receiver; a rifle's receiver, barrel and bolt;
a revolver's frame, cylinder and barrel) of the same model, from one actor, in two or more
listings of essential components.

Parts and models come from the extractor's entities: `COMPONENT` normalized
`essential_component/<part>` and `MODEL` normalized to the model's name. Without an actor
mapping, the actor is the vendor (`market/handle`); with one, the parts one actor sells under
several handles or on several markets come together.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from crawlers.listing import Listing
from intel.patterns.model import Finding, ReportInput, category_of, normalized_entities

NAME = "assembled_firearms"
PART_PREFIX = "essential_component/"
# kit name -> the parts it needs, each a set of parts any of which will do
KITS: dict[str, tuple[frozenset[str], ...]] = {
    "pistol": (frozenset({"frame"}), frozenset({"slide"}), frozenset({"barrel"})),
    "ar_platform": (frozenset({"lower_receiver"}), frozenset({"upper_receiver"})),
    "rifle": (
        frozenset({"receiver"}),
        frozenset({"barrel"}),
        frozenset({"bolt", "bolt_carrier_group"}),
    ),
    "revolver": (frozenset({"frame"}), frozenset({"cylinder"}), frozenset({"barrel"})),
}


@dataclass(frozen=True, kw_only=True)
class AssembledFirearmFinding(Finding):
    actor: str
    model: str
    kit: str
    parts: dict[str, tuple[str, ...]]  # part -> the listings offering it


def assembled_firearms(data: ReportInput) -> list[Finding]:
    """Frame + slide + barrel (or another full kit) of one model from one actor."""
    offers: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for listing in data.listings:
        actor = data.actor_of(listing)
        if actor is None or category_of(listing) != "essential_component":
            continue
        if not data.window.overlaps(listing):
            continue
        for model in normalized_entities(listing, "MODEL"):
            for part in _parts(listing):
                offers[(actor, model)][part].add(listing.id)
    findings: list[Finding] = []
    for (actor, model), parts in sorted(offers.items()):
        for kit, needs in KITS.items():
            found = _kit(parts, needs)
            if found is not None:
                findings.append(_finding(actor, model, kit, found))
    return findings


def _parts(listing: Listing) -> list[str]:
    return [
        value.removeprefix(PART_PREFIX)
        for value in normalized_entities(listing, "COMPONENT")
        if value.startswith(PART_PREFIX)
    ]


def _kit(
    parts: dict[str, set[str]], needs: tuple[frozenset[str], ...]
) -> dict[str, tuple[str, ...]] | None:
    """Part -> listings for each need the offers meet, or None when one is unmet or all the
    parts come from one single listing (a kit sold whole is not parts sold separately)."""
    found: dict[str, tuple[str, ...]] = {}
    for need in needs:
        offered = sorted(part for part in need if parts.get(part))
        if not offered:
            return None
        for part in offered:
            found[part] = tuple(sorted(parts[part]))
    listings = {listing for ids in found.values() for listing in ids}
    return found if len(listings) >= 2 else None


def _finding(
    actor: str, model: str, kit: str, parts: dict[str, tuple[str, ...]]
) -> AssembledFirearmFinding:
    listed = "; ".join(f"{part} in {len(ids)} listing(s)" for part, ids in parts.items())
    return AssembledFirearmFinding(
        report=NAME,
        subject=f"{actor}: {model}",
        explanation=(
            f"{actor} offers every part of a {model} ({kit.replace('_', ' ')} kit) "
            f"separately: {listed}"
        ),
        listing_ids=tuple(sorted({i for ids in parts.values() for i in ids})),
        actor=actor,
        model=model,
        kit=kit,
        parts=parts,
    )
