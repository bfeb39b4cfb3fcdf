"""Tests of the signal extractors, and their shared offset assertions."""

from __future__ import annotations

from crawlers.listing import Entity


def check_offsets(text: str, entities: list[Entity]) -> None:
    for item in entities:
        assert text[item.start : item.end] == item.text


def normalized(text: str, entities: list[Entity], label: str | None = None) -> list[str | None]:
    check_offsets(text, entities)
    return [item.normalized for item in entities if label is None or item.label == label]
