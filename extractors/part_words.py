"""Part words that name a component only next to a gun name or a count.

'frame', 'mag', 'магазин' (also 'shop'), 'caricatore' (also 'charger') or 'ствол' (also slang
for a gun) are too common to be entities alone. Next to an anchor they are parts:

- after a make or model, within a few tokens, skipping calibres: 'Glock 19 Gen5 frame',
  'Сайга-12 12 кал с магазином';
- before one: 'Frame Glock', 'Магазины на АК-74', 'Carrello completo per Glock 17';
- after a count: '17 round mag', '2 магазина';
- next to an 80% lower: 'Lower 80% + gabarit'.

A part word that another rule read as a generic gun word ('ствол') becomes the part.
"""

from __future__ import annotations

from collections.abc import Iterator

from spacy.attrs import LIKE_NUM
from spacy.tokens import Doc

GUN_NAME_LABELS = frozenset({"MAKE", "MODEL"})
AFTER_NAME = 4  # tokens
BEFORE_NAME = 3
AFTER_COUNT = 2
SKIPPED_LABELS = frozenset({"CALIBRE"})
ANCHOR_PARTS = frozenset({"conversion_device/80_percent_lower"})  # "80% lower + jig"
REPLACEABLE_LABELS = frozenset({"FIREARM_TYPE"})

Match = tuple[int, int, str, str]  # token start, token end, label, normalized


def with_part_words(doc: Doc, entities: list[Match], part_at: dict[int, str]) -> list[Match]:
    """The entities plus COMPONENT matches for part words next to an anchor.

    `part_at` maps the token index of each part word in the doc to the component it names.
    """
    owner = {index: match for match in entities for index in range(match[0], match[1])}
    parts: dict[int, str] = {}
    for start, end, before, after in _anchors(doc, entities, owner):
        for index in _after(doc, end, after, owner):
            if index in part_at:
                parts[index] = part_at[index]
                break
        for index in range(start - 1, max(start - 1 - before, -1), -1):
            if index in owner:
                break
            if index in part_at:
                parts[index] = part_at[index]
                break
    if not parts:
        return entities
    replaced = {owner[index] for index in parts if index in owner}
    kept = [match for match in entities if match not in replaced]
    found = [(index, index + 1, "COMPONENT", part) for index, part in parts.items()]
    return sorted([*kept, *found])


def _anchors(
    doc: Doc, entities: list[Match], owner: dict[int, Match]
) -> Iterator[tuple[int, int, int, int]]:
    """(start, end, reach before, reach after) of every gun name and count."""
    for start, end, label, normalized in entities:
        if label in GUN_NAME_LABELS or normalized in ANCHOR_PARTS:
            yield start, end, BEFORE_NAME, AFTER_NAME
    for index, is_number in enumerate(doc.to_array(LIKE_NUM).tolist()):
        if is_number and index not in owner:
            yield index, index + 1, 0, AFTER_COUNT


def _after(doc: Doc, end: int, reach: int, owner: dict[int, Match]) -> Iterator[int]:
    """Token indexes after an anchor, jumping over calibres, stopping at other entities."""
    index, steps = end, 0
    while index < len(doc) and steps < reach:
        match = owner.get(index)
        if match is not None and match[2] in SKIPPED_LABELS:
            index = match[1]
            continue
        if match is not None and not (match[2] in REPLACEABLE_LABELS and match[1] - match[0] == 1):
            return
        yield index
        if match is not None:
            return
        index += 1
        steps += 1
