"""Parts shipped in separate parcels: listings of guns or their parts whose title, description
or shipping methods say the goods go out split into several parcels, in en, de, es, fr or ru.

Two sources of phrases: the shipping extractor's `split_shipment` method words
(`extractors.signals.shipping`: "split shipping", "in mehreren Paketen", "en plusieurs colis",
"несколькими посылками", ...) and the phrases below that it lacks ("separate parcels", "in
getrennten Paketen", "en paquetes separados", "en colis séparés", "отдельными посылками").
Findings are per actor, with the listings and the phrases that matched, and the post or
courier methods the listings name beside them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from crawlers.listing import Listing
from extractors.signals import shipping
from intel.patterns.model import ARMS_CATEGORIES, Finding, ReportInput, category_of

NAME = "separate_parcels"
PHRASES = [
    r"separate\s+(?:parcels?|packages?|boxes|shipments|envelopes)", r"shipped\s+in\s+parts",
    r"split\s+(?:shipping|shipments?|delivery)", r"sent\s+separately", r"shipped\s+separately",
    r"getrennten?\s+(?:paketen|päckchen|sendungen|briefen)", r"separaten?\s+paketen",
    r"einzeln\s+(?:verschickt|versendet)",
    r"(?:paquetes|env[ií]os|cajas)\s+separad[oa]s", r"por\s+separado\s+en\s+varios\s+paquetes",
    r"colis\s+s[ée]par[ée]s", r"envois\s+s[ée]par[ée]s", r"exp[ée]di[ée]e?s?\s+s[ée]par[ée]ment",
    r"отдельн\w+\s+посылк\w*", r"разными\s+посылками", r"в\s+разных\s+посылках",
]  # fmt: skip
PHRASE = re.compile(rf"(?<!\w)(?:{'|'.join(PHRASES)})(?!\w)", re.IGNORECASE)
CARRIER_CLASSES = ("post", "courier")


@dataclass(frozen=True, kw_only=True)
class SeparateParcelsFinding(Finding):
    actor: str
    phrases: tuple[str, ...]  # as written in the listings
    methods: tuple[str, ...]  # post / courier, when the listings name them


def separate_parcels(data: ReportInput) -> list[Finding]:
    """Listings of guns or parts that ship 'in separate parcels', per actor."""
    by_actor: dict[str, list[tuple[Listing, list[str]]]] = defaultdict(list)
    for listing in data.listings:
        if category_of(listing) not in ARMS_CATEGORIES or not data.window.overlaps(listing):
            continue
        phrases = split_phrases(listing)
        if phrases:
            actor = data.actor_of(listing) or f"{listing.market}/(no vendor)"
            by_actor[actor].append((listing, phrases))
    return [_finding(actor, found) for actor, found in sorted(by_actor.items())]


def split_phrases(listing: Listing) -> list[str]:
    """The phrases in the listing's texts that say it ships split into several parcels."""
    found: list[str] = []
    for text in _texts(listing):
        matched = [match.group(0) for match in PHRASE.finditer(text)]
        matched += [
            entity.text
            for entity in shipping.find(text, "text")
            if entity.label == "SHIPPING_METHOD" and entity.normalized == "split_shipment"
        ]
        found.extend(phrase for phrase in matched if phrase not in found)
    return found


def _texts(listing: Listing) -> list[str]:
    return [listing.title, listing.description, *listing.shipping_methods]


def _carriers(listing: Listing) -> set[str]:
    classes: set[str] = set()
    for text in _texts(listing):
        for entity in shipping.find(text, "text"):
            if entity.label == "SHIPPING_METHOD" and entity.normalized in CARRIER_CLASSES:
                classes.add(entity.normalized)
    return classes


def _finding(actor: str, found: list[tuple[Listing, list[str]]]) -> SeparateParcelsFinding:
    phrases = tuple(sorted({phrase for _, matched in found for phrase in matched}))
    methods = tuple(sorted({m for listing, _ in found for m in _carriers(listing)}))
    by = f" by {' or '.join(methods)}" if methods else ""
    quoted = ", ".join(f"'{phrase}'" for phrase in phrases)
    return SeparateParcelsFinding(
        report=NAME,
        subject=actor,
        explanation=(
            f"{actor} ships guns or parts in separate parcels{by} in {len(found)} listing(s): "
            f"{quoted}"
        ),
        listing_ids=tuple(sorted(listing.id for listing, _ in found)),
        actor=actor,
        phrases=phrases,
        methods=methods,
    )
