"""Compile the backend-neutral query tree (`index.query`) into Elasticsearch query DSL.

The tree already carries the embedded backend's semantics (fields resolved, values typed,
keywords lowercased, date math evaluated); this module only maps each node onto the
document of `documents.py`:

- full text goes to the `folded.*` fields, the query text folded and tokenised in Python the
  same way as the indexed text: a word or phrase is a `match_phrase` of its tokens, a proximity
  phrase an unordered `span_near`, a trailing `*` a phrase whose last token is a prefix, and an
  inner wildcard a `wildcard` on single tokens
- scores come only from full-text terms that count for a match (not under NOT, not wildcard
  patterns), weighted per field as the embedded backend's bm25 weights; every other clause
  scores 0, so filter-only matches rank after text matches (then by `last_seen`)
- negations are `must_not` (a missing value is "not matching", as the NULL-safe SQL is)
- a stem term is a `match_phrase` on `stemmed.<field>.<route>` for every stemming route, with
  the query text stemmed as the listings of that route were (`documents.folded_stems`); stem
  terms filter and do not score (as in the embedded backend, where bm25 sees no stems)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from index.elasticsearch.documents import (
    es_field,
    es_value,
    folded_field,
    folded_stems,
    folded_tokens,
    stemmed_field,
)
from index.fields import IndexField, lookup_field
from index.query.nodes import (
    AllOf,
    AnyOf,
    Exists,
    KeywordMatch,
    MatchAll,
    MatchNone,
    Negation,
    QueryNode,
    RangeMatch,
    TextMatch,
    ValueMatch,
)
from index.query.terms import fold_token
from index.sqlite.schema import FTS_COLUMN_WEIGHTS
from index.stemming import ROUTES

Dsl = dict[str, Any]


@dataclass(frozen=True)
class CompiledSearch:
    query: Dsl
    # full-text terms that count for a match: ranked, and marked in highlights
    positive_text: tuple[TextMatch, ...]


@dataclass
class _Compiler:
    positive_text: list[TextMatch] = field(default_factory=list)

    def compile(self, node: QueryNode, positive: bool) -> Dsl:
        if isinstance(node, MatchAll):
            return _unscored({"match_all": {}})
        if isinstance(node, MatchNone):
            return {"match_none": {}}
        if isinstance(node, AllOf):
            return {"bool": {"must": [self.compile(part, positive) for part in node.parts]}}
        if isinstance(node, AnyOf):
            parts = [self.compile(part, positive) for part in node.parts]
            return {"bool": {"should": parts, "minimum_should_match": 1}}
        if isinstance(node, Negation):
            inner = self.compile(node.part, not positive)
            return {"bool": {"filter": [{"match_all": {}}], "must_not": [inner]}}
        if isinstance(node, TextMatch):
            return self._text(node, positive)
        return _unscored(_field_condition(node))

    def _text(self, node: TextMatch, positive: bool) -> Dsl:
        if node.stemmed:
            return _unscored(_stem_query(node))
        if node.mode == "pattern":
            return _unscored(_any_field(node, _token_pattern))
        if positive:
            self.positive_text.append(node)
        return _any_field(node, _text_query)


def compile_search(node: QueryNode) -> CompiledSearch:
    compiler = _Compiler()
    query = compiler.compile(node, positive=True)
    return CompiledSearch(query, tuple(compiler.positive_text))


def _unscored(query: Dsl) -> Dsl:
    return {"constant_score": {"filter": query, "boost": 0.0}}


def _any_field(node: TextMatch, per_field: Any) -> Dsl:
    weighted = len(node.fields) > 1
    queries = [
        per_field(node, folded_field(name), FTS_COLUMN_WEIGHTS[name] if weighted else 1.0)
        for name in node.fields
    ]
    if len(queries) == 1:
        return queries[0]
    return {"bool": {"should": queries, "minimum_should_match": 1}}


def _text_query(node: TextMatch, path: str, boost: float) -> Dsl:
    tokens = folded_tokens(node.text)
    if not tokens:
        return {"match_none": {}}
    if node.mode == "prefix":
        return _prefix_phrase(tokens, path, boost)
    if node.mode == "phrase" and node.slop and len(tokens) > 1:
        clauses = [{"span_term": {path: token}} for token in tokens]
        return {
            "span_near": {
                "clauses": clauses,
                "slop": int(node.slop),
                "in_order": False,
                "boost": boost,
            }
        }
    phrase = {"query": " ".join(tokens), "analyzer": "whitespace", "boost": boost}
    return {"match_phrase": {path: phrase}}


def _prefix_phrase(tokens: list[str], path: str, boost: float) -> Dsl:
    *words, last = tokens
    prefix = {"prefix": {path: {"value": last, "boost": boost}}}
    if not words:
        return prefix
    clauses: list[Dsl] = [{"span_term": {path: token}} for token in words]
    clauses.append({"span_multi": {"match": {"prefix": {path: {"value": last}}}}})
    return {"span_near": {"clauses": clauses, "slop": 0, "in_order": True, "boost": boost}}


def _stem_query(node: TextMatch) -> Dsl:
    stems = {route: folded_stems(node.text, route) for route in ROUTES}
    phrases = [
        {"match_phrase": {stemmed_field(name, route): {"query": stems[route]}}}
        for name in node.fields
        for route in ROUTES
        if stems[route]
    ]
    return {"bool": {"should": phrases, "minimum_should_match": 1}}


def _token_pattern(node: TextMatch, path: str, boost: float) -> Dsl:
    return {"wildcard": {path: {"value": fold_token(node.text), "boost": boost}}}


def _field_condition(node: KeywordMatch | ValueMatch | RangeMatch | Exists) -> Dsl:
    field = _field(node.field)
    path = es_field(field.name)
    if isinstance(node, Exists):
        return {"exists": {"field": path}}
    if isinstance(node, KeywordMatch):
        if node.pattern:
            return {"wildcard": {path: {"value": glob_to_wildcard(node.value)}}}
        return {"term": {path: node.value}}
    if isinstance(node, ValueMatch):
        if field.kind == "keyword_list":
            raise ValueError(f"{field.name} holds keywords, not {node.value!r}")
        return {"term": {path: node.value}}
    bounds: Dsl = {}
    if node.low is not None:
        bounds["gte" if node.include_low else "gt"] = es_value(node.low)
    if node.high is not None:
        bounds["lte" if node.include_high else "lt"] = es_value(node.high)
    return {"range": {path: bounds}}


def glob_to_wildcard(glob: str) -> str:
    """A keyword GLOB pattern (`QueryWord.glob`: `[x]` is a literal x) as an ES wildcard."""
    out: list[str] = []
    position = 0
    while position < len(glob):
        character = glob[position]
        if character == "[" and position + 2 < len(glob) and glob[position + 2] == "]":
            literal = glob[position + 1]
            out.append("\\" + literal if literal in "*?\\" else literal)
            position += 3
            continue
        out.append("\\\\" if character == "\\" else character)
        position += 1
    return "".join(out)


def _field(name: str) -> IndexField:
    found = lookup_field(name)
    if found is None:
        raise ValueError(f"unknown field {name!r}")
    return found
