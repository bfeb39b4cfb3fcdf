"""A listing's text cut into plain runs and the entities the extractors found in it, so a page
can wrap each entity in `<mark>` (the template escapes every run; nothing here is markup).

An entity's `start`/`end` are character offsets into its `field` (title or description). An
entity whose offsets fall outside the text, or cut across one marked already, is not marked
on its own: an entity inside a marked one is named in that mark's title instead, so nested
finds (a calibre inside a model name) still show. Each mark's title says the label, the
normalized value and the classifier's reasons that quote the entity.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from crawlers.listing import Entity


@dataclass(frozen=True)
class Run:
    """A stretch of a field's text; `entities` is empty for plain text."""

    text: str
    entities: tuple[Entity, ...] = ()
    reasons: tuple[str, ...] = ()  # the classifier's reasons that quote these entities

    @property
    def marked(self) -> bool:
        return bool(self.entities)

    @property
    def label(self) -> str:
        return self.entities[0].label if self.entities else ""

    @property
    def title(self) -> str:
        """The mark's tooltip: each entity's label and meaning, then the reasons."""
        lines = [describe(entity) for entity in self.entities]
        lines += [f"classifier: {reason}" for reason in self.reasons]
        return "\n".join(lines)


def describe(entity: Entity) -> str:
    """`MODEL = glock 19`, or the label alone when the entity has no normalized value."""
    return f"{entity.label} = {entity.normalized}" if entity.normalized else entity.label


def cites(reason: str, entity: Entity) -> bool:
    """Whether a classifier reason quotes `entity` (it writes `field "text" (LABEL ...`)."""
    return f'{entity.field} "{entity.text}" ({entity.label}' in reason


def runs(
    text: str, field: str, entities: Iterable[Entity], reasons: Sequence[str] = ()
) -> list[Run]:
    """`text` as plain runs and marked runs, in order; joined they give `text` back."""
    marks = _marks(text, [entity for entity in entities if entity.field == field])
    found: list[Run] = []
    position = 0
    for start, end, group in marks:
        if start > position:
            found.append(Run(text[position:start]))
        quoted = tuple(r for r in reasons if any(cites(r, entity) for entity in group))
        found.append(Run(text[start:end], tuple(group), quoted))
        position = end
    if position < len(text) or not found:
        found.append(Run(text[position:]))
    return found


def _marks(text: str, entities: list[Entity]) -> list[tuple[int, int, list[Entity]]]:
    """Non-overlapping (start, end, entities) spans: the longest entity first at each start;
    entities inside a span join it, entities cutting across one are left out."""
    valid = [e for e in entities if 0 <= e.start < e.end <= len(text)]
    valid.sort(key=lambda entity: (entity.start, -entity.end))
    spans: list[tuple[int, int, list[Entity]]] = []
    for entity in valid:
        if spans and entity.start < spans[-1][1]:
            _, end, group = spans[-1]
            if entity.end <= end and entity not in group:
                group.append(entity)
            continue
        spans.append((entity.start, entity.end, [entity]))
    return spans
