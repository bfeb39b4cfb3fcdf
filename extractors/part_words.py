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
from spacy.tokens import Doc, Span

GUN_NAME_LABELS = frozenset({"MAKE", "MODEL"})
AFTER_NAME = 4  # tokens
BEFORE_NAME = 3
AFTER_COUNT = 2
SKIPPED_LABELS = frozenset({"CALIBRE"})
ANCHOR_PARTS = frozenset({"conversion_device/80_percent_lower"})  # "80% lower + jig"
REPLACEABLE_LABELS = frozenset({"FIREARM_TYPE"})


def with_part_words(doc: Doc, entities: list[Span], words: dict[str, str]) -> list[Span]:
    """The entities plus COMPONENT spans for part words next to an anchor."""
    if not words:
        return entities
    owner = {index: span for span in entities for index in range(span.start, span.end)}
    parts: dict[int, str] = {}
    for start, end, before, after in _anchors(doc, entities, owner):
        for index in _after(doc, end, after, owner):
            if doc[index].norm_ in words:
                parts[index] = words[doc[index].norm_]
                break
        for index in range(start - 1, max(start - 1 - before, -1), -1):
            if index in owner:
                break
            if doc[index].norm_ in words:
                parts[index] = words[doc[index].norm_]
                break
    if not parts:
        return entities
    replaced = {id(owner[index]) for index in parts if index in owner}
    kept = [span for span in entities if id(span) not in replaced]
    found = [Span(doc, i, i + 1, label="COMPONENT", kb_id=part) for i, part in parts.items()]
    return sorted([*kept, *found], key=lambda span: span.start)


def _anchors(
    doc: Doc, entities: list[Span], owner: dict[int, Span]
) -> Iterator[tuple[int, int, int, int]]:
    """(start, end, reach before, reach after) of every gun name and count."""
    for span in entities:
        if span.label_ in GUN_NAME_LABELS or span.kb_id_ in ANCHOR_PARTS:
            yield span.start, span.end, BEFORE_NAME, AFTER_NAME
    for index, is_number in enumerate(doc.to_array(LIKE_NUM).tolist()):
        if is_number and index not in owner:
            yield index, index + 1, 0, AFTER_COUNT


def _after(doc: Doc, end: int, reach: int, owner: dict[int, Span]) -> Iterator[int]:
    """Token indexes after an anchor, jumping over calibres, stopping at other entities."""
    index, steps = end, 0
    while index < len(doc) and steps < reach:
        span = owner.get(index)
        if span is not None and span.label_ in SKIPPED_LABELS:
            index = span.end
            continue
        if span is not None and not (span.label_ in REPLACEABLE_LABELS and len(span) == 1):
            return
        yield index
        if span is not None:
            return
        index += 1
        steps += 1
