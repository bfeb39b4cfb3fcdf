"""Compile the query tree to an SQL condition on a row table, with bound parameters only.

The same query compiles for the current listings or their earlier versions (a `TableSet`).
Full-text terms become `listings.seq IN (SELECT rowid FROM listings_fts WHERE listings_fts
MATCH ?)`, so AND / OR / NOT compose exactly in SQL. A stem term matches the stem table once
per distinct stemming of its text, each time among the rows of the routes that stem it so.
Every condition is NULL-safe (true or false, never NULL), so `NOT price.amount_usd:<500`
also finds listings without a price.
The FTS5 expressions of the terms that count for a match (not under a NOT) are collected
for ranking (bm25) and highlighting.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from index.fields import FREE_TEXT_FIELDS, IndexField, lookup_field
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
from index.sqlite.columns import SqlValue, field_column, sql_value
from index.sqlite.fts_expressions import any_of, fts_expression
from index.sqlite.tables import LISTING_TABLES, TableSet
from index.stemming import stems_by_route

# terms of one AND / OR list joined at one level of SQL brackets (see `_joined`)
_GROUP_SIZE = 32
# a wildcard pattern expands to at most this many distinct indexed tokens
MAX_PATTERN_EXPANSIONS = 4096
_PATTERN_MATCH = (
    "{rows}.seq IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ("
    "SELECT ? || coalesce(group_concat('\"' || replace(term, '\"', '\"\"') || '\"', ' OR '),"
    " '\"\"') || ')' FROM (SELECT term FROM {terms} WHERE term GLOB ?{bounds}"
    f" LIMIT {MAX_PATTERN_EXPANSIONS})))"
)


@dataclass(frozen=True)
class SqlCondition:
    sql: str
    params: tuple[SqlValue, ...] = ()


@dataclass(frozen=True)
class CompiledQuery:
    where: SqlCondition
    # FTS5 expression of the positive full-text terms (for bm25 and highlights), if any
    rank_match: str | None
    tables: TableSet = LISTING_TABLES


@dataclass
class _Compiler:
    tables: TableSet
    ranked: list[str] = field(default_factory=list)

    def compile(self, node: QueryNode, positive: bool) -> SqlCondition:
        if isinstance(node, MatchAll):
            return SqlCondition("1")
        if isinstance(node, MatchNone):
            return SqlCondition("0")
        if isinstance(node, AllOf | AnyOf):
            joiner = " AND " if isinstance(node, AllOf) else " OR "
            parts = [self.compile(part, positive) for part in node.parts]
            return SqlCondition(
                _joined([p.sql for p in parts], joiner),
                tuple(param for p in parts for param in p.params),
            )
        if isinstance(node, Negation):
            inner = self.compile(node.part, not positive)
            return SqlCondition(f"NOT ({inner.sql})", inner.params)
        if isinstance(node, TextMatch):
            return self._text(node, positive)
        return _field_condition(node, self.tables)

    def _text(self, node: TextMatch, positive: bool) -> SqlCondition:
        if node.stemmed:
            return _stem_match(node, self.tables)
        if node.mode == "pattern":
            return _token_pattern(node, self.tables)
        expression = fts_expression(node)
        if positive:
            self.ranked.append(expression)
        tables = self.tables
        return SqlCondition(
            f"{tables.rows}.seq IN (SELECT rowid FROM {tables.fts} WHERE {tables.fts} MATCH ?)",
            (expression,),
        )


def compile_query(node: QueryNode, tables: TableSet = LISTING_TABLES) -> CompiledQuery:
    compiler = _Compiler(tables)
    where = compiler.compile(node, positive=True)
    return CompiledQuery(where, any_of(compiler.ranked), tables)


def _joined(conditions: list[str], joiner: str) -> str:
    """`(a OR b OR ...)` in bracketed groups: SQLite nests each further term one level deeper
    and gives up at depth 1000, so `vendor:(a OR b OR ...)` with a thousand handles would fail."""
    while len(conditions) > _GROUP_SIZE:
        conditions = [
            "(" + joiner.join(conditions[start : start + _GROUP_SIZE]) + ")"
            for start in range(0, len(conditions), _GROUP_SIZE)
        ]
    return "(" + joiner.join(conditions) + ")"


def _stem_match(node: TextMatch, tables: TableSet) -> SqlCondition:
    """Rows whose stems (on their own route) match the node's text stemmed on that route."""
    parts: list[str] = []
    params: list[SqlValue] = []
    for stems, routes in stems_by_route(node.text).items():
        if not stems:
            continue
        marks = ", ".join("?" * len(routes))
        parts.append(
            f"{tables.rows}.seq IN (SELECT rowid FROM {tables.stems} "
            f"WHERE {tables.stems} MATCH ? AND route IN ({marks}))"
        )
        params += [fts_expression(TextMatch(node.fields, stems, node.mode)), *routes]
    if not parts:
        return SqlCondition("0")
    return SqlCondition("(" + " OR ".join(parts) + ")", tuple(params))


def _token_pattern(node: TextMatch, tables: TableSet) -> SqlCondition:
    """A wildcard word, expanded in SQL to the indexed tokens it matches, OR-ed in one MATCH."""
    pattern = fold_token(node.text)
    literal_prefix = _literal_prefix(pattern)
    bounds = ""
    params: list[SqlValue] = [_column_filter(node.fields) + "(", pattern]
    if literal_prefix:  # lets the vocabulary seek instead of scanning every token
        bounds = " AND term >= ? AND term < ?"
        params += [literal_prefix, literal_prefix[:-1] + chr(ord(literal_prefix[-1]) + 1)]
    sql = _PATTERN_MATCH.format(rows=tables.rows, fts=tables.fts, terms=tables.terms, bounds=bounds)
    return SqlCondition(sql, tuple(params))


def _column_filter(fields: tuple[str, ...]) -> str:
    if set(fields) == set(FREE_TEXT_FIELDS):
        return ""
    if not set(fields) <= set(FREE_TEXT_FIELDS):
        raise ValueError(f"not full-text columns: {fields}")
    return "{" + " ".join(fields) + "} : "


def _literal_prefix(pattern: str) -> str:
    """The characters before the first wildcard."""
    for position, character in enumerate(pattern):
        if character in "*?":
            return pattern[:position]
    return pattern


def _field_condition(
    node: KeywordMatch | ValueMatch | RangeMatch | Exists, tables: TableSet
) -> SqlCondition:
    field = _field(node.field)
    if isinstance(node, Exists):
        return _exists(field, tables)
    if field.kind == "keyword_list":
        return _keyword_rows(node, field, tables)
    column = f"{tables.rows}.{field_column(field.name)}"
    if isinstance(node, KeywordMatch):
        if node.pattern:
            return SqlCondition(f"({column} IS NOT NULL AND {column} GLOB ?)", (node.value,))
        return SqlCondition(f"{column} IS ?", (node.value,))
    if isinstance(node, ValueMatch):
        return SqlCondition(f"{column} IS ?", (sql_value(node.value),))
    bounds, params = _range_bounds(column, node)
    return SqlCondition(f"({column} IS NOT NULL{bounds})", params)


def _keyword_rows_sql(tables: TableSet, condition: str) -> str:
    return f"{tables.rows}.seq IN (SELECT seq FROM {tables.keywords} WHERE field = ?{condition})"


def _keyword_rows(
    node: KeywordMatch | ValueMatch | RangeMatch, field: IndexField, tables: TableSet
) -> SqlCondition:
    if isinstance(node, KeywordMatch):
        operator = "GLOB" if node.pattern else "="
        return SqlCondition(
            _keyword_rows_sql(tables, f" AND value {operator} ?"), (field.name, node.value)
        )
    if isinstance(node, RangeMatch):
        bounds, params = _range_bounds("value", node)
        return SqlCondition(_keyword_rows_sql(tables, bounds), (field.name, *params))
    raise ValueError(f"{field.name} holds keywords, not {node.value!r}")


def _range_bounds(column: str, node: RangeMatch) -> tuple[str, tuple[SqlValue, ...]]:
    sql = ""
    params: list[SqlValue] = []
    for value, operator in (
        (node.low, ">=" if node.include_low else ">"),
        (node.high, "<=" if node.include_high else "<"),
    ):
        if value is not None:
            sql += f" AND {column} {operator} ?"
            params.append(sql_value(value))
    return sql, tuple(params)


def _exists(field: IndexField, tables: TableSet) -> SqlCondition:
    if field.kind == "text" and field.name in FREE_TEXT_FIELDS:
        return SqlCondition(
            f"{tables.rows}.seq IN (SELECT rowid FROM {tables.fts} WHERE {field.name} <> '')"
        )
    if field.kind == "keyword_list":
        return SqlCondition(_keyword_rows_sql(tables, ""), (field.name,))
    return SqlCondition(f"{tables.rows}.{field_column(field.name)} IS NOT NULL")


def _field(name: str) -> IndexField:
    field = lookup_field(name)
    if field is None:
        raise ValueError(f"unknown field {name!r}")
    return field
