"""The parsed query as a small backend-neutral tree.

The builder turns a Lucene query string into these nodes, with field names resolved, values
typed (numbers, booleans, dates with date math evaluated) and keyword values lowercased.
Each backend compiles the tree its own way (SQL for SQLite, query DSL for Elasticsearch).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

TextMode = Literal["words", "phrase", "prefix", "pattern"]
RangeValue = float | datetime | str


@dataclass(frozen=True)
class MatchAll:
    """`*`, `*:*` or an empty query."""


@dataclass(frozen=True)
class MatchNone:
    """A query that can match nothing (e.g. only terms without any word characters)."""


@dataclass(frozen=True)
class AllOf:
    parts: tuple[QueryNode, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[QueryNode, ...]


@dataclass(frozen=True)
class Negation:
    part: QueryNode


@dataclass(frozen=True)
class TextMatch:
    """Full-text match in `fields` (text columns) of `text`.

    - words: one query word; its tokens (AR-15 -> ar, 15) must appear as a phrase
    - phrase: a quoted phrase; with `slop`, its tokens within `slop` words of each other
    - prefix: one word with a trailing `*`; the last token is a prefix
    - pattern: a word with `?` or an inner/leading `*`, matched against single indexed
      tokens (lowercased, diacritics removed), GLOB-style

    `stemmed` matches by Snowball stems in each listing's language (words and exact phrases
    only; see `index.stemming`) instead of by the words themselves.
    """

    fields: tuple[str, ...]
    text: str
    mode: TextMode = "words"
    slop: int | None = None
    stemmed: bool = False


@dataclass(frozen=True)
class KeywordMatch:
    """Exact (lowercased) keyword value, or a GLOB-style pattern with `*` and `?`."""

    field: str
    value: str
    pattern: bool = False


@dataclass(frozen=True)
class ValueMatch:
    """Equality on a number or bool field."""

    field: str
    value: float | bool


@dataclass(frozen=True)
class RangeMatch:
    """A range on a number, date or keyword field; a missing bound is open."""

    field: str
    low: RangeValue | None = None
    high: RangeValue | None = None
    include_low: bool = True
    include_high: bool = True


@dataclass(frozen=True)
class Exists:
    """`field:*`: the field has a (non-empty) value."""

    field: str


QueryNode = (
    MatchAll
    | MatchNone
    | AllOf
    | AnyOf
    | Negation
    | TextMatch
    | KeywordMatch
    | ValueMatch
    | RangeMatch
    | Exists
)
