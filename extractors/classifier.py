"""The listing classifier: from entities and their context, what a listing offers.

Context rules, title first, because sellers name what they sell in the title and list extras
after 'with', '+', 'mit', 'con'...:

1. A non-lethal marker in the title (airsoft, blank, gas, replica) or a maker of blank guns
   makes it `other_weapon`, not firearm related.
2. A confounder context (drug strain, pills, purity, periodical, game skin) with no firearm
   evidence beyond a make or model name ('AK-47 Kush', 'Glock' pills) makes it `none`.
3. In the title, a conversion device wins; print files and manuals about firearms come next;
   then the first component, ammunition or accessory not listed as an extra; then a firearm.
4. With nothing in the title, the description decides the same way, with a lower score.

Every decision comes with reasons naming the words and fields that made it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from crawlers.listing import Annotations, Category, Entity
from extractors.context_phrases import CONFOUNDER_LABEL, CONTEXT_LABEL

HIDDEN_LABELS = frozenset({CONFOUNDER_LABEL, CONTEXT_LABEL})

FIREARM_RELATED: frozenset[str] = frozenset(
    {"firearm", "essential_component", "conversion_device", "ammunition", "3d_printed", "manual",
     "accessory"}
)  # fmt: skip
GUN_LABELS = frozenset({"MODEL", "FIREARM_TYPE", "MAKE"})
STRONG_GUN_LABELS = frozenset({"MODEL", "FIREARM_TYPE"})
NOT_FIREARM_CONTEXTS = frozenset({"non_lethal"})
COMPONENT_CATEGORIES = {
    "essential_component": "essential_component",
    "conversion_device": "conversion_device",
    "accessory": "accessory",
}
# words after which a title lists extras: "Glock 19 with 2 mags", "AK + 300 rounds"
EXTRAS = re.compile(
    r"(?:^|\s)(?:with|w/|incl\.?|including|plus|\+|&|mit|inkl\.?|samt|con|incluye|avec|"
    r"с|со|в комплекте|com|incluso|inclusa|met|inclusief|und|y|et|e|and|x\d+|\d+x)(?=\s|$)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Evidence:
    """The entities of one field in text order, and the context phrases found there."""

    field: str
    text: str
    entities: tuple[Entity, ...]
    contexts: tuple[Entity, ...] = ()

    def context_kinds(self, label: str = CONTEXT_LABEL) -> list[str]:
        return [entity.normalized or "" for entity in self.contexts if entity.label == label]

    def having(self, *labels: str) -> list[Entity]:
        return [entity for entity in self.entities if entity.label in labels]

    def components(self, group: str) -> list[Entity]:
        return [
            entity
            for entity in self.having("COMPONENT")
            if (entity.normalized or "").startswith(f"{group}/")
        ]


@dataclass(frozen=True)
class Makes:
    """What the classifier needs to know about makes: which make guns that are not firearms."""

    non_lethal: frozenset[str] = frozenset()
    non_lethal_models: frozenset[str] = frozenset()


@dataclass
class Decision:
    category: Category = "none"
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)


def _quote(entity: Entity) -> str:
    meaning = f" = {entity.normalized}" if entity.normalized else ""
    return f'{entity.field} "{entity.text}" ({entity.label}{meaning})'


def _is_extra(evidence: Evidence, entity: Entity) -> bool:
    """Whether the entity follows an 'extras' word after some other firearm evidence."""
    before = evidence.text[: entity.start]
    earlier = [e for e in evidence.entities if e.end <= entity.start]
    return bool(earlier) and EXTRAS.search(before[earlier[0].end :]) is not None


def classify(title: Evidence, description: Evidence, makes: Makes = Makes()) -> Annotations:
    decision = _decide(title, description, makes)
    entities = [*title.entities, *description.entities]
    return Annotations(
        firearm_related=decision.category in FIREARM_RELATED,
        category=decision.category,
        score=round(min(max(decision.score, 0.0), 1.0), 3),
        reasons=decision.reasons,
        entities=entities,
    )


def _decide(title: Evidence, description: Evidence, makes: Makes) -> Decision:
    non_lethal = _non_lethal(title, description, makes)
    if non_lethal is not None:
        return non_lethal
    confounded = _confounded(title, description)
    if confounded is not None:
        return confounded
    in_title = _head(title, description, strength=0.9)
    if in_title is not None:
        return in_title
    in_description = _head(description, title, strength=0.7)
    if in_description is not None:
        return in_description
    return Decision("none", 0.05, ["no firearm, component or ammunition words found"])


def _non_lethal(title: Evidence, description: Evidence, makes: Makes) -> Decision | None:
    named = title.having("MAKE", "MODEL") + description.having("MAKE", "MODEL")
    markers = title.having("NON_LETHAL") + [
        entity
        for entity in named
        if (entity.label == "MAKE" and entity.normalized in makes.non_lethal)
        or (entity.label == "MODEL" and entity.normalized in makes.non_lethal_models)
    ]
    if markers:
        return Decision("other_weapon", 0.1, [f"not a firearm: {_quote(markers[0])}"])
    if NOT_FIREARM_CONTEXTS & set(title.context_kinds(CONFOUNDER_LABEL)):
        return Decision("other_weapon", 0.1, ["not a firearm: a non-lethal confounder phrase"])
    return None


def _confounded(title: Evidence, description: Evidence) -> Decision | None:
    """A drug, pill, periodical or game listing that merely names a gun."""
    phrases = title.context_kinds(CONFOUNDER_LABEL) + description.context_kinds(CONFOUNDER_LABEL)
    words = title.context_kinds() + description.context_kinds()
    if not phrases and not title.context_kinds() and len(words) < 2:
        return None
    hard = [
        entity
        for entity in title.entities + description.entities
        if entity.label in {"COMPONENT", "AMMUNITION", "FIREARM_TYPE", "CALIBRE", "PRINT_FILE"}
        and not (entity.label == "COMPONENT" and "publication" in words)
    ]
    if hard and not phrases:
        return None
    kinds = sorted(set(phrases or words))
    reason = f"confounder: {', '.join(kinds)} context"
    names = title.having("MAKE", "MODEL") + description.having("MAKE", "MODEL")
    if names:
        reason += f" around {_quote(names[0])}"
    return Decision("none", 0.1, [reason])


def _head(evidence: Evidence, other: Evidence, strength: float) -> Decision | None:
    """What the field says the listing offers, or None when it says nothing."""
    conversion = evidence.components("conversion_device")
    if conversion:
        return Decision("conversion_device", strength + 0.05, [_why(conversion[0])])
    gun_anywhere = _gun_words(evidence) + _gun_words(other)
    printed_or_manual: tuple[tuple[str, Category], ...] = (
        ("PRINT_FILE", "3d_printed"),
        ("MANUAL", "manual"),
    )
    for label, category in printed_or_manual:
        found = evidence.having(label)
        if found and gun_anywhere:
            return Decision(category, strength, [_why(found[0]), _why(gun_anywhere[0])])
    head = _first_offered(evidence)
    if head is not None:
        return head_decision(head, evidence, strength)
    guns = [entity for entity in evidence.entities if entity.label in GUN_LABELS]
    if guns:
        score = strength + (0.05 if evidence.having("CALIBRE") else 0.0)
        return Decision("firearm", score, [_why(guns[0])])
    return None


def head_decision(head: Entity, evidence: Evidence, strength: float) -> Decision:
    if head.label == "COMPONENT":
        group = (head.normalized or "accessory/").split("/")[0]
        category: Category = COMPONENT_CATEGORIES.get(group, "accessory")  # type: ignore[assignment]
    elif head.label == "OTHER_WEAPON":
        return Decision("other_weapon", 0.15, [_why(head)])
    else:
        category = "ammunition"
    bonus = 0.05 if evidence.having("MODEL", "CALIBRE") else 0.0
    return Decision(category, strength + bonus, [_why(head)])


def _first_offered(evidence: Evidence) -> Entity | None:
    """The first component, ammunition or other weapon that is not listed as an extra."""
    strong_gun = [entity for entity in evidence.entities if entity.label in STRONG_GUN_LABELS]
    for entity in evidence.entities:
        if entity.label == "COMPONENT" and not _is_extra(evidence, entity):
            return entity
        offered_first = not strong_gun or strong_gun[0].start > entity.start
        if _is_ammunition(entity, evidence) and not _is_extra(evidence, entity) and offered_first:
            return entity
        if entity.label == "OTHER_WEAPON" and not strong_gun:
            return entity
    return None


def _is_ammunition(entity: Entity, evidence: Evidence) -> bool:
    if entity.label == "AMMUNITION":
        return True
    return entity.label == "QUANTITY" and bool(evidence.having("CALIBRE"))


def _gun_words(evidence: Evidence) -> list[Entity]:
    return evidence.having("MODEL", "MAKE", "FIREARM_TYPE", "COMPONENT", "CALIBRE")


def _why(entity: Entity) -> str:
    return f"{_quote(entity)}"


def evidence_of(field_name: str, text: str, entities: Sequence[Entity]) -> Evidence:
    """The evidence of one field from all its entities, context phrases included."""
    ordered = sorted(entities, key=lambda entity: (entity.start, -entity.end))
    return Evidence(
        field_name,
        text,
        tuple(entity for entity in ordered if entity.label not in HIDDEN_LABELS),
        tuple(entity for entity in ordered if entity.label in HIDDEN_LABELS),
    )
