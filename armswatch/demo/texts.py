"""Sentence templates for synthetic offer texts (loaded from `texts.yaml` beside this module)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

TEXTS_FILE = Path(__file__).with_name("texts.yaml")


@dataclass(frozen=True)
class FamilyTexts:
    intro: tuple[str, ...]
    detail: tuple[str, ...]
    closing: tuple[str, ...]


@cache
def _document() -> dict[str, Any]:
    loaded = yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise ValueError(f"{TEXTS_FILE} must hold a mapping")
    return loaded


@cache
def family_texts(family: str, language: str) -> FamilyTexts:
    entry = _document()["families"][family][language]
    return FamilyTexts(
        intro=tuple(entry["intro"]), detail=tuple(entry["detail"]), closing=tuple(entry["closing"])
    )


def shipping_sentences(language: str) -> tuple[str, ...]:
    return tuple(_document()["shipping"][language])


def forum_price_sentence(language: str) -> str:
    return str(_document()["forum_price"][language])


def forum_replies(language: str) -> tuple[str, ...]:
    return tuple(_document()["forum_replies"][language])


def vendor_about(family: str) -> str:
    return str(_document()["vendor_about"][family])
