"""Turn a Lucene query string into the backend-neutral query tree.

Semantics (shared by every backend):

- Bare terms search the free-text fields (title, description, vendor handle, category path).
- Terms next to each other must all match: `glock 19` means `glock AND 19` (implicit AND).
- AND binds tighter than OR; the implicit AND binds loosest: `glock 19 OR 17` is
  `glock AND (19 OR 17)`. Use parentheses when in doubt. Operators are upper case.
- `NOT x` and `-x` exclude; `+x` is the same as `x`. A query of only exclusions matches
  everything else.
- `field:value` matches one field; `field:(a OR b)` applies the field to a group.
- Keyword fields compare exactly but case-insensitively (`ships_to:de` == `ships_to:DE`).
- Boosts (`^2`) are accepted and ignored; fuzzy (`~`) and regular expressions are rejected.
"""

from __future__ import annotations

from datetime import UTC, datetime

from luqum.tree import (
    AndOperation,
    BaseGroup,
    Boost,
    From,
    Fuzzy,
    Item,
    Not,
    OrOperation,
    Phrase,
    Plus,
    Prohibit,
    Proximity,
    Range,
    Regex,
    SearchField,
    To,
    UnknownOperation,
    Word,
)

from index.errors import QuerySyntaxError, UnknownFieldError
from index.fields import IndexField, known_field_names, lookup_field, suggest_field
from index.query.leaves import LeafBuilder
from index.query.nodes import AllOf, AnyOf, MatchAll, MatchNone, Negation, QueryNode
from index.query.syntax import parse_lucene
from index.query.terms import QueryWord, unquote_phrase

_MATCH_ALL_QUERIES = frozenset({"", "*", "*:*"})
# levels of the query tree (groups, operators, NOT/-/+, field:): a deeper query overflows the
# recursion here, SQLite's SQL parser (past ~40) and Elasticsearch's query depth limit (30)
MAX_NESTING = 20
_FOREIGN_OPERATORS = {"&&": "AND", "||": "OR"}


def build_query(query: str, *, now: datetime | None = None) -> QueryNode:
    """The query tree of a Lucene query; raises QuerySyntaxError or UnknownFieldError."""
    if query.strip() in _MATCH_ALL_QUERIES:
        return MatchAll()
    builder = _TreeBuilder(query, now or datetime.now(UTC))
    node = builder.build(parse_lucene(query), None)
    return MatchNone() if node is None else node


class _TreeBuilder:
    def __init__(self, query: str, now: datetime) -> None:
        self.query = query
        self.leaves = LeafBuilder(query, now)
        self.depth = 0

    def build(self, item: Item, field: IndexField | None) -> QueryNode | None:
        if self.depth >= MAX_NESTING:
            message = (
                f"the query nests more than {MAX_NESTING} levels deep (parentheses, AND/OR,"
                " NOT, -, +); simplify it"
            )
            raise self._error(message, item)
        self.depth += 1
        try:
            return self._node(item, field)
        finally:
            self.depth -= 1

    def _node(self, item: Item, field: IndexField | None) -> QueryNode | None:
        if isinstance(item, AndOperation | UnknownOperation):
            return _all_of([self.build(child, field) for child in item.children])
        if isinstance(item, OrOperation):
            return _any_of([self.build(child, field) for child in item.children])
        if isinstance(item, Not | Prohibit):
            inner = self.build(item.a, field)
            return None if inner is None else Negation(inner)
        if isinstance(item, Plus):
            return self.build(item.a, field)
        if isinstance(item, BaseGroup):
            return self.build(item.expr, field)
        if isinstance(item, Boost):
            return self.build(item.expr, field)
        if isinstance(item, SearchField):
            return self._search_field(item, field)
        return self._leaf(item, field)

    def _leaf(self, item: Item, field: IndexField | None) -> QueryNode | None:
        if isinstance(item, Word):
            self._reject_foreign_operator(item)
            return self.leaves.word(item.value, field, item.pos)
        if isinstance(item, Phrase):
            return self.leaves.phrase(unquote_phrase(item.value), field, item.pos)
        if isinstance(item, Proximity):
            slop = _slop(item.degree)
            return self.leaves.phrase(unquote_phrase(item.term.value), field, item.pos, slop)
        if isinstance(item, Range | From | To):
            return self._range(item, field)
        if isinstance(item, Fuzzy):
            raise self._error("fuzzy search (~) is not supported", item)
        if isinstance(item, Regex):
            raise self._error("regular expressions (/.../) are not supported", item)
        raise self._error(f"unsupported query element {str(item)!r}", item)

    def _search_field(self, item: SearchField, outer: IndexField | None) -> QueryNode | None:
        if outer is not None:
            raise self._error(f"field {item.name!r} inside the field {outer.name!r}", item)
        if item.name == "*":
            return self.build(item.expr, None)
        field = lookup_field(item.name)
        if field is None:
            raise self._unknown_field(item)
        return self.build(item.expr, field)

    def _range(self, item: Range | From | To, field: IndexField | None) -> QueryNode:
        if field is None:
            raise self._error("a range needs a field, e.g. price.amount_usd:[100 TO 500]", item)
        if isinstance(item, Range):
            low, high = self._bound(item.low), self._bound(item.high)
            return self.leaves.range(field, low, high, item.include_low, item.include_high)
        if isinstance(item, From):
            return self.leaves.range(field, self._bound(item.a), None, item.include, True)
        return self.leaves.range(field, None, self._bound(item.a), True, item.include)

    def _bound(self, item: Item) -> tuple[str, int | None] | None:
        """A range bound as (text, position); None for `*`."""
        if isinstance(item, Phrase):
            return unquote_phrase(item.value), item.pos
        if isinstance(item, Prohibit) and isinstance(item.a, Word):
            return f"-{item.a.value}", item.pos
        if isinstance(item, Word):
            return None if item.value == "*" else (QueryWord.parse(item.value).chars, item.pos)
        raise self._error(f"invalid range bound {str(item)!r}", item)

    def _reject_foreign_operator(self, item: Word) -> None:
        value: str = item.value
        if value in _FOREIGN_OPERATORS:
            raise self._error(f"use {_FOREIGN_OPERATORS[value]} instead of {value}", item)
        if value.startswith("!"):
            raise self._error("use NOT or - instead of !", item)

    def _unknown_field(self, item: SearchField) -> UnknownFieldError:
        suggestion = suggest_field(item.name)
        hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
        known = ", ".join(known_field_names())
        message = f"unknown field {item.name!r}{hint}; known fields: {known}"
        return UnknownFieldError(self.query, message, item.pos)

    def _error(self, message: str, item: Item) -> QuerySyntaxError:
        return QuerySyntaxError(self.query, message, item.pos)


def _all_of(parts: list[QueryNode | None]) -> QueryNode | None:
    kept = tuple(part for part in parts if part is not None)
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else AllOf(kept)


def _any_of(parts: list[QueryNode | None]) -> QueryNode | None:
    kept = tuple(part for part in parts if part is not None)
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else AnyOf(kept)


def _slop(degree: object) -> int:
    try:
        return max(0, int(float(str(degree))))
    except ValueError:
        return 0
