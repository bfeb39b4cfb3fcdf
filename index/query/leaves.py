"""Leaf terms of a query (a word, a phrase, a range bound) turned into typed query nodes.

A `None` result means the term has nothing to match on (e.g. a bare `&`, which has no word
characters); the builder drops such terms, as an analyser drops punctuation.
"""

from __future__ import annotations

from datetime import datetime

from index.errors import QuerySyntaxError
from index.fields import FREE_TEXT_FIELDS, STEMMED_FIELDS, IndexField, normalize_keyword
from index.query.dates import DateSpan, parse_date
from index.query.nodes import (
    AllOf,
    Exists,
    KeywordMatch,
    MatchAll,
    QueryNode,
    RangeMatch,
    RangeValue,
    TextMatch,
    TextMode,
    ValueMatch,
)
from index.query.terms import QueryWord, has_tokens, parse_bool, parse_number

KEYWORD_KINDS = ("keyword", "keyword_list")


class LeafBuilder:
    """Builds leaf nodes for one query; errors point into that query."""

    def __init__(self, query: str, now: datetime) -> None:
        self.query = query
        self.now = now

    def error(self, message: str, position: int | None) -> QuerySyntaxError:
        return QuerySyntaxError(self.query, message, position)

    # words and phrases

    def word(self, raw: str, field: IndexField | None, position: int | None) -> QueryNode | None:
        word = QueryWord.parse(raw)
        if field is None or field.kind == "text":
            return self._text_word(word, field)
        if field.kind == "stemmed":
            if word.has_wildcards:
                raise self.error(
                    f"{field.name} matches words by their stems, without wildcards; "
                    "use title: or description: for wildcard searches",
                    position,
                )
            return _stemmed(field, word.chars, "words")
        if word.is_match_all:
            return Exists(field.name)
        if field.kind in KEYWORD_KINDS:
            if word.has_wildcards:
                return KeywordMatch(field.name, word.glob(), pattern=True)
            return KeywordMatch(field.name, normalize_keyword(word.chars))
        if word.has_wildcards:
            raise self.error(f"wildcards need a text or keyword field, not {field.name}", position)
        return self.value(word.chars, field, position)

    def phrase(
        self, text: str, field: IndexField | None, position: int | None, slop: int | None = None
    ) -> QueryNode | None:
        if field is None or field.kind == "text":
            if not has_tokens(text):
                return None
            return TextMatch(_text_fields(field), text, "phrase", slop)
        if field.kind == "stemmed":
            if slop is not None:
                raise self.error(f"proximity (~) is not supported on {field.name}", position)
            return _stemmed(field, text, "phrase")
        if slop is not None:
            raise self.error(f"proximity (~) needs a text field, not {field.name}", position)
        if field.kind in KEYWORD_KINDS:
            return KeywordMatch(field.name, normalize_keyword(text))
        return self.value(text, field, position)

    def _text_word(self, word: QueryWord, field: IndexField | None) -> QueryNode | None:
        fields = _text_fields(field)
        if word.is_match_all:
            return MatchAll() if field is None else Exists(field.name)
        prefix = word.prefix
        if prefix is not None:
            return TextMatch(fields, prefix, "prefix") if has_tokens(prefix) else None
        if not word.has_wildcards:
            return TextMatch(fields, word.chars) if has_tokens(word.chars) else None
        pieces: list[QueryNode] = [
            TextMatch(fields, piece, "pattern" if any(c in "*?" for c in piece) else "words")
            for piece in word.token_patterns()
            if set(piece) != {"*"}
        ]
        if not pieces:
            return MatchAll() if field is None else Exists(field.name)
        return pieces[0] if len(pieces) == 1 else AllOf(tuple(pieces))

    # typed values

    def value(self, text: str, field: IndexField, position: int | None) -> QueryNode:
        if field.kind == "number":
            return ValueMatch(field.name, self._number(text, field, position))
        if field.kind == "bool":
            flag = parse_bool(text)
            if flag is None:
                raise self.error(f"{field.name} is true or false, not {text!r}", position)
            return ValueMatch(field.name, flag)
        span = self._date(text, field, position)
        return RangeMatch(field.name, span.start, span.stop or span.start, True, not span.stop)

    def _number(self, text: str, field: IndexField, position: int | None) -> float:
        number = parse_number(text)
        if number is None:
            raise self.error(f"{field.name} takes a number, not {text!r}", position)
        return number

    def _date(self, text: str, field: IndexField, position: int | None) -> DateSpan:
        span = parse_date(text, self.now)
        if span is None:
            raise self.error(
                f"{field.name} takes a date (2024-05-17, 2024-05-17T10:30:00, now-7d), "
                f"not {text!r}",
                position,
            )
        return span

    # ranges

    def range(
        self,
        field: IndexField,
        low: tuple[str, int | None] | None,
        high: tuple[str, int | None] | None,
        include_low: bool,
        include_high: bool,
    ) -> QueryNode:
        """A range; `low`/`high` are (text, position) or None for an open (`*`) end."""
        if field.kind == "stemmed":
            raise self.error(f"ranges need a number, date or keyword field, not {field.name}", None)
        low_value, include_low = self._bound(field, low, include_low, upper=False)
        high_value, include_high = self._bound(field, high, include_high, upper=True)
        if low_value is None and high_value is None:
            return Exists(field.name)
        return RangeMatch(field.name, low_value, high_value, include_low, include_high)

    def _bound(
        self, field: IndexField, bound: tuple[str, int | None] | None, inclusive: bool, upper: bool
    ) -> tuple[RangeValue | None, bool]:
        if bound is None:
            return None, inclusive
        text, position = bound
        if field.kind == "number":
            return self._number(text, field, position), inclusive
        if field.kind in KEYWORD_KINDS:
            return normalize_keyword(text), inclusive
        if field.kind == "date":
            return _date_bound(self._date(text, field, position), inclusive, upper)
        raise self.error(f"ranges need a number, date or keyword field, not {field.name}", position)


def _text_fields(field: IndexField | None) -> tuple[str, ...]:
    return FREE_TEXT_FIELDS if field is None else (field.name,)


def _stemmed(field: IndexField, text: str, mode: TextMode) -> TextMatch | None:
    if not has_tokens(text):
        return None
    return TextMatch(STEMMED_FIELDS[field.name], text, mode, stemmed=True)


def _date_bound(span: DateSpan, inclusive: bool, upper: bool) -> tuple[datetime, bool]:
    """A date span as one range bound: `<= day` takes in the whole day, `> day` starts after it."""
    if span.stop is None:
        return span.start, inclusive
    if upper:
        return (span.stop, False) if inclusive else (span.start, False)
    return (span.start, True) if inclusive else (span.stop, True)
