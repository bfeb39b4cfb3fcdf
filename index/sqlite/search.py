"""Searching the SQLite index: counting, ordered hits, facets and highlights.

Ordering:
- relevance: bm25 over the positive full-text terms (title counts most); listings matched
  only by filters follow, newest `last_seen` first (which is the whole order when the query
  has no full-text terms)
- newest / oldest: by `first_seen`
- price_asc / price_desc: by `price.amount_usd`, listings without one last
Ties are broken by id (and version, among earlier versions), so paging is stable. The query
says which tables it reads (`CompiledQuery.tables`): current listings or earlier versions.
"""

from __future__ import annotations

import html
import sqlite3
from collections.abc import Mapping, Sequence

from crawlers.listing import Listing
from index.backend import (
    FacetBucket,
    SearchHit,
    SearchResult,
    SortOrder,
    check_page,
    check_sort,
)
from index.fields import FREE_TEXT_FIELDS, IndexField, facet_field
from index.sqlite.columns import HIGHLIGHT_END, HIGHLIGHT_START, SqlValue, field_column
from index.sqlite.facet_columns import FacetColumn, FacetColumnCache, matching_seqs
from index.sqlite.schema import FTS_COLUMN_WEIGHTS
from index.sqlite.tables import TableSet
from index.sqlite.where import CompiledQuery

FACET_SIZE = 20
MATCH_ALL = "1"  # the condition `*` compiles to
_MATCHES = "temp.facet_matches"  # the matching seqs, while a search counts its facets
SNIPPET_TOKENS = 32
_HIGHLIGHTED_FIELDS = ("title", "description")


def order_by(tables: TableSet, sort: SortOrder) -> str:
    """The ORDER BY terms of a sort order on a table set (ValueError for an unknown one)."""
    check_sort(sort)
    rows = tables.rows
    price = f"{rows}.{field_column('price.amount_usd')}"
    first = {
        "relevance": f"{rows}.last_seen DESC",
        "newest": f"{rows}.first_seen DESC",
        "oldest": f"{rows}.first_seen ASC",
        "price_asc": f"{price} IS NULL, {price} ASC",
        "price_desc": f"{price} IS NULL, {price} DESC",
    }[sort]
    return f"{first}, {tables.tie_break}"


def _bm25(tables: TableSet) -> str:
    weights = ", ".join(str(FTS_COLUMN_WEIGHTS[name]) for name in FREE_TEXT_FIELDS)
    return f"bm25({tables.fts}, {weights})"


def count_listings(connection: sqlite3.Connection, query: CompiledQuery) -> int:
    sql = f"SELECT count(*) FROM {query.tables.rows} WHERE {query.where.sql}"
    (total,) = connection.execute(sql, query.where.params).fetchone()
    return int(total)


def search_listings(
    connection: sqlite3.Connection,
    query: CompiledQuery,
    *,
    limit: int,
    offset: int,
    facets: Sequence[str],
    sort: SortOrder,
    highlight: bool,
    facet_cache: FacetColumnCache | None = None,
) -> SearchResult:
    check_page(limit, offset, sort)
    facet_fields = [facet_field(name) for name in facets]
    rows = _hit_rows(connection, query, limit, offset, sort) if limit else []
    marked = _highlights(connection, query, [r[0] for r in rows]) if highlight else {}
    hits = [
        SearchHit(Listing.model_validate_json(document), score, marked.get(seq, {}))
        for seq, document, score in rows
    ]
    fields = dict(zip(facets, facet_fields, strict=True))
    counted, matched = _facets(connection, query, fields, facet_cache)
    total = count_listings(connection, query) if matched is None else matched
    return SearchResult(total=total, hits=hits, facets=counted)


def _hit_rows(
    connection: sqlite3.Connection, query: CompiledQuery, limit: int, offset: int, sort: SortOrder
) -> list[tuple[int, str, float]]:
    params: list[SqlValue] = [*query.where.params, limit, offset]
    rows, fts = query.tables.rows, query.tables.fts
    if sort == "relevance" and query.rank_match is not None:
        sql = (
            f"SELECT {rows}.seq, {rows}.document, -coalesce(ranked.score, 0.0) FROM {rows} "
            f"LEFT JOIN (SELECT rowid AS seq, {_bm25(query.tables)} AS score FROM {fts} "
            f"WHERE {fts} MATCH ?) AS ranked ON ranked.seq = {rows}.seq "
            f"WHERE {query.where.sql} "
            f"ORDER BY ranked.score IS NULL, ranked.score, {order_by(query.tables, sort)} "
            "LIMIT ? OFFSET ?"
        )
        params.insert(0, query.rank_match)
    else:
        sql = (
            f"SELECT {rows}.seq, {rows}.document, 0.0 FROM {rows} "
            f"WHERE {query.where.sql} ORDER BY {order_by(query.tables, sort)} LIMIT ? OFFSET ?"
        )
    return [
        (int(seq), str(doc), float(score)) for seq, doc, score in connection.execute(sql, params)
    ]


def _highlights(
    connection: sqlite3.Connection, query: CompiledQuery, seqs: list[int]
) -> dict[int, dict[str, list[str]]]:
    """Title and description fragments with the matched terms in <mark>…</mark>, HTML-escaped."""
    rank_match, fts = query.rank_match, query.tables.fts
    if rank_match is None or not seqs:
        return {}
    title, description = (FREE_TEXT_FIELDS.index(name) for name in _HIGHLIGHTED_FIELDS)
    markers = f"'{HIGHLIGHT_START}', '{HIGHLIGHT_END}'"
    sql = (
        f"SELECT rowid, highlight({fts}, {title}, {markers}), "
        f"snippet({fts}, {description}, {markers}, '…', {SNIPPET_TOKENS}) "
        f"FROM {fts} WHERE {fts} MATCH ? "
        f"AND rowid IN ({', '.join('?' * len(seqs))})"
    )
    found: dict[int, dict[str, list[str]]] = {}
    for seq, *fragments in connection.execute(sql, [rank_match, *seqs]):
        marked = {
            name: [_as_html(fragment)]
            for name, fragment in zip(_HIGHLIGHTED_FIELDS, fragments, strict=True)
            if fragment and HIGHLIGHT_START in fragment
        }
        if marked:
            found[int(seq)] = marked
    return found


def _as_html(fragment: str) -> str:
    escaped = html.escape(fragment, quote=False)
    return escaped.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_END, "</mark>")


def _facets(
    connection: sqlite3.Connection,
    query: CompiledQuery,
    fields: dict[str, IndexField],
    cache: FacetColumnCache | None,
) -> tuple[dict[str, list[FacetBucket]], int | None]:
    """The facets' counts among the matching listings, and how many match when that was
    counted on the way (else None). The query runs once: its matches go into a temporary table
    that every facet joins (a query matching everything needs none), and every keyword-list
    facet is counted in one pass over the matches' keywords."""
    if not fields:
        return {}, None
    columns = cache.columns(connection, query.tables, fields.values()) if cache else None
    if columns is not None:
        return _counted_in_memory(connection, query, fields, columns)
    matches = None if query.where.sql == MATCH_ALL else _store_matches(connection, query)
    matched = None
    if matches is not None:
        (matched,) = connection.execute(f"SELECT count(*) FROM {matches}").fetchone()
    lists = {field.name for field in fields.values() if field.kind == "keyword_list"}
    listed = _keyword_list_counts(connection, query, sorted(lists), matches) if lists else {}
    return {
        name: listed[field.name]
        if field.kind == "keyword_list"
        else _facet_counts(connection, query, field, matches)
        for name, field in fields.items()
    }, matched


def _keyword_list_counts(
    connection: sqlite3.Connection, query: CompiledQuery, names: list[str], matches: str | None
) -> dict[str, list[FacetBucket]]:
    """The FACET_SIZE most frequent values of each keyword-list field (ties by value)."""
    # the matches drive the join (CROSS JOIN keeps that order): one index probe each
    source = f"{matches} AS m CROSS JOIN " if matches else ""
    joined = " ON kw.seq = m.seq AND" if matches else " WHERE"
    sql = (
        f"SELECT kw.field, kw.value, count(*) FROM {source}{query.tables.keywords} AS kw{joined} "
        f"kw.field IN ({', '.join('?' * len(names))}) GROUP BY kw.field, kw.value"
    )
    counted: dict[str, list[tuple[str, int]]] = {name: [] for name in names}
    for field, value, count in connection.execute(sql, names):
        counted[field].append((str(value), int(count)))
    return {
        name: [
            FacetBucket(value, count)
            for value, count in sorted(pairs, key=lambda pair: (-pair[1], pair[0]))[:FACET_SIZE]
        ]
        for name, pairs in counted.items()
    }


def _counted_in_memory(
    connection: sqlite3.Connection,
    query: CompiledQuery,
    fields: dict[str, IndexField],
    columns: Mapping[str, FacetColumn],
) -> tuple[dict[str, list[FacetBucket]], int | None]:
    """The facets from the in-memory columns (`index.sqlite.facet_columns`)."""
    matches = None
    if query.where.sql != MATCH_ALL:
        rows = query.tables.rows
        sql = f"SELECT {rows}.seq FROM {rows} WHERE {query.where.sql}"
        matches = matching_seqs(connection, sql, list(query.where.params))
    counted = {
        name: [
            FacetBucket(value, count)
            for value, count in columns[field.name].counts(matches, FACET_SIZE)
        ]
        for name, field in fields.items()
    }
    return counted, None if matches is None else len(matches)


def _store_matches(connection: sqlite3.Connection, query: CompiledQuery) -> str:
    """The seqs of the matching listings in a temporary table of this connection; its name."""
    rows = query.tables.rows
    connection.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_MATCHES} (seq INTEGER PRIMARY KEY)")
    connection.execute(f"DELETE FROM {_MATCHES}")
    connection.execute(
        f"INSERT INTO {_MATCHES} SELECT {rows}.seq FROM {rows} WHERE {query.where.sql}",
        query.where.params,
    )
    return _MATCHES


def _facet_counts(
    connection: sqlite3.Connection,
    query: CompiledQuery,
    field: IndexField,
    matches: str | None,
) -> list[FacetBucket]:
    """The FACET_SIZE most frequent values of a column among the matching listings (ties by
    value): those whose seq is in the `matches` table, or all listings (None)."""
    # a membership test, not a join: the column's index covers the count, where reading the
    # rows themselves would walk each listing's document
    column = f"{query.tables.rows}.{field_column(field.name)}"
    within = f" AND {query.tables.rows}.seq IN (SELECT seq FROM {matches})" if matches else ""
    sql = (
        f"SELECT {column}, count(*) AS n FROM {query.tables.rows} "
        f"WHERE {column} IS NOT NULL{within} GROUP BY {column} ORDER BY n DESC, {column} LIMIT ?"
    )
    return [
        FacetBucket(_facet_value(value, field), int(count))
        for value, count in connection.execute(sql, [FACET_SIZE])
    ]


def _facet_value(value: SqlValue, field: IndexField) -> str:
    if field.kind == "bool":
        return "true" if value else "false"
    return str(value)
