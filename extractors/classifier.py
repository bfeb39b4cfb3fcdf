"""The listing classifier: from entities and their context, what a listing offers.

Context rules, title first, because sellers name what they sell in the title and list extras
after 'with', '+', 'mit', 'con'...:

1. A confounder phrase ('AK-47 Kush', 'glue gun', 'fake firearm licence') or confounder context
   (strain, pills, purity, periodical, game skin) with no other firearm evidence makes the
   listing `none`; the firearm words inside it are dropped from its entities.
2. In the title, a manual or print file about firearms, then a conversion device, decides.
3. A non-lethal marker (airsoft, blank, gas, replica; a blank-gun maker) makes it
   `other_weapon`, unless a cue says it was converted to live fire (then it is a firearm).
4. Otherwise the first component or ammunition not listed as an extra decides; then a firearm;
   then calibres alone (ammunition); then other weapons.
5. With nothing in the title, the description decides the same way, with a lower score.

Every decision comes with reasons naming the words and fields that made it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from crawlers.listing import Annotations, Category, Entity
from extractors.context_phrases import CONFOUNDER_LABEL, CONTEXT_LABEL, CUE_LABEL

HIDDEN_LABELS = frozenset({CONFOUNDER_LABEL, CONTEXT_LABEL, CUE_LABEL})
FIREARM_RELATED: frozenset[str] = frozenset(
    {"firearm", "essential_component", "conversion_device", "ammunition", "3d_printed", "manual",
     "accessory"}
)  # fmt: skip
GUN_LABELS = frozenset({"MODEL", "FIREARM_TYPE", "MAKE"})
STRONG_GUN_LABELS = frozenset({"MODEL", "FIREARM_TYPE"})
FIREARM_WORD_LABELS = frozenset(
    {"MODEL", "MAKE", "FIREARM_TYPE", "COMPONENT", "CALIBRE", "AMMUNITION", "QUANTITY"}
)
HARD_EVIDENCE = frozenset({"COMPONENT", "AMMUNITION", "FIREARM_TYPE", "CALIBRE", "PRINT_FILE"})
NOT_FIREARM_KINDS = frozenset({"non_lethal"})
DOCUMENTS = frozenset({"MANUAL", "PRINT_FILE"})
GENERIC_TYPES = frozenset({"firearm", "weapon"})
GUN_NAME_LABELS = frozenset({"MAKE", "MODEL"})
STRONG_CONTEXT = 4  # context weight that outweighs ammunition, calibre and accessory words
CONVERTED = "converted"
COMPONENT_CATEGORIES: dict[str, Category] = {
    "essential_component": "essential_component",
    "conversion_device": "conversion_device",
    "accessory": "accessory",
}
# "900g", "1 L", "1oz": goods sold by weight or volume are not guns
WEIGHT_OR_VOLUME = re.compile(
    r"\b\d+(?:[.,]\d+)?\s?(?:g|gr|grams?|kg|mg|ug|ml|l|oz|ozt)\b", re.IGNORECASE
)
# words after which a title lists extras: "Glock 19 with 2 mags", "AK + 300 rounds"
EXTRAS = re.compile(
    r"(?:^|\s)(?:with|w/|incl\.?|including|plus|\+|&|mit|inkl\.?|samt|con|incluye|avec|"
    r"с|со|в комплекте|com|incluso|inclusa|met|inclusief|und|y|et|e|and|x\d+|\d+x)(?=\s|$)",
    re.IGNORECASE,
)


def is_generic(entity: Entity) -> bool:
    """'gun', 'weapon', 'Waffe', 'оружие': too loose alone ('Top Gun', 'glue gun', 'weapons
    of the mind'); they support other evidence but never decide."""
    return entity.label == "FIREARM_TYPE" and entity.normalized in GENERIC_TYPES


@dataclass(frozen=True)
class Evidence:
    """The entities of one field in text order, and the context phrases found there."""

    field: str
    text: str
    entities: tuple[Entity, ...]
    contexts: tuple[Entity, ...] = ()

    # (the class's own `field` hides dataclasses.field here)
    specific: tuple[Entity, ...] = dataclasses.field(init=False, repr=False, compare=False)
    context_kinds: dict[str, list[str]] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Precomputes what the rules ask many times: the entities without generic words
        ('gun', 'Waffe'), and the kinds of the context phrases by label."""
        specific = tuple(entity for entity in self.entities if not is_generic(entity))
        kinds: dict[str, list[str]] = {}
        for entity in self.contexts:
            kinds.setdefault(entity.label, []).append(entity.normalized or "")
        object.__setattr__(self, "specific", specific)
        object.__setattr__(self, "context_kinds", kinds)

    def having(self, *labels: str) -> list[Entity]:
        """Entities of these labels, generic words ('gun', 'Waffe') left out."""
        return [entity for entity in self.specific if entity.label in labels]

    def components(self, group: str) -> list[Entity]:
        return [
            entity
            for entity in self.having("COMPONENT")
            if (entity.normalized or "").startswith(f"{group}/")
        ]

    def kinds(self, label: str = CONTEXT_LABEL) -> list[str]:
        return list(self.context_kinds.get(label, ()))

    def is_extra(self, entity: Entity, *, since_previous: bool = False) -> bool:
        """Whether the entity follows an 'extras' word after other firearm evidence (the first
        entity of the field, or the one just before it)."""
        earlier = [e for e in self.entities if e.end <= entity.start and not is_generic(e)]
        if not earlier:
            return False
        after = earlier[-1] if since_previous else earlier[0]
        return EXTRAS.search(self.text[after.end : entity.start]) is not None


@dataclass(frozen=True)
class Makes:
    """What the classifier knows about makes: which only make guns that are not firearms."""

    non_lethal: frozenset[str] = frozenset()
    non_lethal_models: frozenset[str] = frozenset()


@dataclass
class Decision:
    category: Category = "none"
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    confounded: bool = False


def _quote(entity: Entity) -> str:
    meaning = f" = {entity.normalized}" if entity.normalized else ""
    return f'{entity.field} "{entity.text}" ({entity.label}{meaning})'


def classify(
    title: Evidence,
    description: Evidence,
    makes: Makes = Makes(),
    site: frozenset[str] = frozenset(),
) -> Annotations:
    """Decide from title and description; `site` holds the cues of the site's category."""
    decision = _decide(title, description, makes, site)
    entities = [*title.entities, *description.entities]
    if decision.category == "other_weapon":  # the scope of a crossbow, the mag of an airsoft gun
        entities = [entity for entity in entities if entity.label != "COMPONENT"]
    if decision.confounded:
        entities = [entity for entity in entities if entity.label not in FIREARM_WORD_LABELS]
    return Annotations(
        firearm_related=decision.category in FIREARM_RELATED,
        category=decision.category,
        score=round(min(max(decision.score, 0.0), 1.0), 3),
        reasons=decision.reasons,
        entities=entities,
    )


def _decide(title: Evidence, description: Evidence, makes: Makes, site: frozenset[str]) -> Decision:
    if "site_firearms" not in site and "site_ammunition" not in site:
        decision = _confounded(title, description, "site_drugs" in site)
        if decision is not None:
            return decision
    decision = _documents(title, description, "site_documents" in site) or _conversion(title)
    if decision is not None:
        return decision
    non_lethal = _non_lethal(title, description, makes)
    if non_lethal is not None:
        return non_lethal
    decision = _head(title, description, 0.9)
    if decision is None and len(_firearm_words(description, generic=True)) >= 2:
        decision = _head(description, title, 0.7)  # one loose word in a long text is not enough
    return decision or _by_site_category(site, title, description)


def _by_site_category(site: frozenset[str], title: Evidence, description: Evidence) -> Decision:
    """With no decisive words, the market's own category makes a listing a weak lead, unless
    its words say it is something else (drugs, pills, purity, ...)."""
    other_goods = title.kinds() + description.kinds() + title.kinds(CONFOUNDER_LABEL)
    weighed = WEIGHT_OR_VOLUME.search(title.text)
    if "site_not_firearms" not in site and not other_goods and not weighed:
        if "site_ammunition" in site:
            return Decision("ammunition", 0.55, ["only the site's category names ammunition"])
        if "site_firearms" in site:
            return Decision("firearm", 0.55, ["only the site's category names firearms"])
    return Decision("none", 0.05, ["no firearm, component or ammunition words found"])


def _confounded(title: Evidence, description: Evidence, drug_site: bool) -> Decision | None:
    guns_in_title = [e for e in title.having("FIREARM_TYPE", "CALIBRE") if _is_strong(e)]
    if drug_site and not guns_in_title:
        return Decision("none", 0.1, ["confounder: the site files it under drugs"], confounded=True)
    return _confounded_by_words(title, description)


def _confounded_by_words(title: Evidence, description: Evidence) -> Decision | None:
    """A drug, pill, periodical, tool or jewellery listing that merely names a gun.

    A confounder phrase ('glue gun') or a few context words confound unless firearm evidence
    stands outside them; many context words (title words count twice) outweigh everything but
    strong evidence: a model, a specific gun type, an essential part or a conversion device.
    """
    phrases = title.kinds(CONFOUNDER_LABEL) + description.kinds(CONFOUNDER_LABEL)
    if title.having("OTHER_WEAPON", "NON_LETHAL"):
        return None  # a knife or a spray sold by the millilitre is still a weapon
    if NOT_FIREARM_KINDS & set(phrases):
        return None  # a non-lethal item: decided with the other non-lethal markers
    by_weight = ["drug"] if WEIGHT_OR_VOLUME.search(title.text) else []
    words = title.kinds() + description.kinds() + by_weight
    weight = 2 * len(title.kinds() + by_weight) + len(description.kinds())
    if not phrases and weight < 2:
        return None
    everything = (*title.entities, *description.entities)
    if any(entity.label in DOCUMENTS for entity in everything) and set(words) <= {"publication"}:
        return None  # a manual or print file is a publication about guns
    hard = [e for e in everything if _is_hard(e, publication="publication" in words)]
    if hard and weight < STRONG_CONTEXT:
        return None
    if any(_is_strong(entity) for entity in hard):
        return None
    kinds = sorted(set(phrases or words))
    reason = f"confounder: {', '.join(kinds)} context"
    names = [entity for entity in everything if entity.label in GUN_NAME_LABELS]
    if names:
        reason += f" around {_quote(names[0])}"
    return Decision("none", 0.1, [reason], confounded=True)


def _is_hard(entity: Entity, *, publication: bool) -> bool:
    if entity.label not in HARD_EVIDENCE or is_generic(entity):
        return False
    if entity.normalized == "accessory/magazine":
        return False  # the periodical, the warehouse, the shop
    return not (publication and entity.label in {"COMPONENT", "FIREARM_TYPE"})


def _is_strong(entity: Entity) -> bool:
    if entity.label == "CALIBRE":
        return True
    if entity.label == "COMPONENT":
        return not (entity.normalized or "").startswith("accessory/")
    return entity.label == "FIREARM_TYPE" and not is_generic(entity)


def _documents(title: Evidence, description: Evidence, documents_site: bool) -> Decision | None:
    """Manuals and 3D-print files about firearms, named in the title (or filed by the site
    under books and guides, with firearm words in the title)."""
    subject = [
        entity
        for entity in _firearm_words(title) + _firearm_words(description)
        if not (entity.normalized or "").startswith("accessory/")
    ]
    subject += title.having("NON_LETHAL")
    kinds: tuple[tuple[str, Category], ...] = (("PRINT_FILE", "3d_printed"), ("MANUAL", "manual"))
    for label, category in kinds:
        found = [e for e in title.having(label) if not title.is_extra(e, since_previous=True)]
        if found and (subject or CONVERTED in title.kinds(CUE_LABEL)):
            reasons = [_quote(found[0])] + ([_quote(subject[0])] if subject else [])
            return Decision(category, 0.9, reasons)
    about_guns = [
        entity
        for entity in title.entities
        if entity.label in FIREARM_WORD_LABELS - {"QUANTITY"}
        and entity.normalized != "weapon"
        and not (entity.normalized or "").startswith("accessory/")
    ]
    publication = "publication" in title.kinds() + description.kinds()
    if documents_site and about_guns and not publication:
        return Decision("manual", 0.75, [f"a book or guide: {_quote(about_guns[0])}"])
    return None


def _conversion(title: Evidence) -> Decision | None:
    devices = title.components("conversion_device")
    if devices:
        return Decision("conversion_device", 0.95, [_quote(devices[0])])
    return None


def _non_lethal(title: Evidence, description: Evidence, makes: Makes) -> Decision | None:
    named = title.having("MAKE", "MODEL") + description.having("MAKE", "MODEL")
    markers = title.having("NON_LETHAL") + [
        entity
        for entity in named
        if (entity.label == "MAKE" and entity.normalized in makes.non_lethal)
        or (entity.label == "MODEL" and entity.normalized in makes.non_lethal_models)
    ]
    phrases = NOT_FIREARM_KINDS & set(title.kinds(CONFOUNDER_LABEL))
    if not markers and not phrases:
        return None
    if CONVERTED in title.kinds(CUE_LABEL):
        return Decision("firearm", 0.85, ["a non-lethal gun converted to live fire"])
    why = _quote(markers[0]) if markers else "a non-lethal item"
    return Decision("other_weapon", 0.1, [f"not a firearm: {why}"])


def _head(evidence: Evidence, other: Evidence, strength: float) -> Decision | None:
    """What one field says the listing offers, or None when it says nothing."""
    head = _first_offered(evidence)
    if head is not None:
        return _head_decision(head, evidence, strength)
    guns = evidence.having(*GUN_LABELS)
    if guns:
        score = strength + (0.05 if evidence.having("CALIBRE") else 0.0)
        return Decision("firearm", score, [_quote(guns[0])])
    calibres = evidence.having("CALIBRE") if evidence.field == "title" else []
    if calibres:
        return Decision("ammunition", strength - 0.1, [f"calibres only: {_quote(calibres[0])}"])
    others = evidence.having("OTHER_WEAPON")
    if others:
        return Decision("other_weapon", 0.15, [_quote(others[0])])
    return None


def _head_decision(head: Entity, evidence: Evidence, strength: float) -> Decision:
    category: Category = "ammunition"
    if head.label == "COMPONENT":
        group = (head.normalized or "accessory/").split("/")[0]
        category = COMPONENT_CATEGORIES.get(group, "accessory")
    bonus = 0.05 if evidence.having("MODEL", "CALIBRE") else 0.0
    return Decision(category, strength + bonus, [_quote(head)])


def _first_offered(evidence: Evidence) -> Entity | None:
    """The component or ammunition the field offers (not an extra, not a feature of a gun)."""
    strong_gun = evidence.having(*STRONG_GUN_LABELS)
    gun_start = strong_gun[0].start if strong_gun else len(evidence.text)

    def offered(entity: Entity) -> bool:
        return not evidence.is_extra(entity)

    for entity in evidence.having("AMMUNITION"):
        if offered(entity) and entity.start < gun_start:
            return entity
    gun_with_calibre = bool(strong_gun and evidence.having("CALIBRE"))
    for entity in evidence.having("COMPONENT"):
        accessory = (entity.normalized or "").startswith("accessory/")
        is_feature = accessory and gun_with_calibre and entity.start > gun_start
        if offered(entity) and not is_feature:
            return entity
    if evidence.field == "title" and evidence.having("CALIBRE"):
        for entity in evidence.having("QUANTITY"):
            if offered(entity) and entity.start < gun_start:
                return entity
    return None


def _firearm_words(evidence: Evidence, *, generic: bool = False) -> list[Entity]:
    labels = ("MODEL", "MAKE", "FIREARM_TYPE", "COMPONENT", "CALIBRE", "AMMUNITION")
    if generic:
        return [entity for entity in evidence.entities if entity.label in labels]
    return evidence.having(*labels)


def evidence_of(field_name: str, text: str, entities: Sequence[Entity]) -> Evidence:
    """The evidence of one field: entities (none inside a confounder phrase) and contexts."""
    ordered = sorted(entities, key=lambda entity: (entity.start, -entity.end))
    hidden = tuple(entity for entity in ordered if entity.label in HIDDEN_LABELS)
    confounders = [entity for entity in hidden if entity.label == CONFOUNDER_LABEL]
    visible = tuple(
        entity
        for entity in ordered
        if entity.label not in HIDDEN_LABELS
        and not any(c.start <= entity.start and entity.end <= c.end for c in confounders)
    )
    return Evidence(field_name, text, visible, hidden)
