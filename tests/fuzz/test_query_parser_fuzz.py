"""Whatever a person types as a query (search box, `armswatch search`, a rule's `query:`),
it parses into a query tree or raises `QuerySyntaxError` pointing into the query: never
a luqum exception, a RecursionError or a date overflow."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dashboards.search_query import narrower
from index.errors import QuerySyntaxError, UnknownFieldError
from index.fields import lookup_field
from index.query import QueryNode, build_query
from index.query.syntax import parse_lucene
from index.sqlite import SqliteIndex
from rules.model import check_query
from tests.fuzz.strategies import FIELDS, queries, query_grammar, query_text

FIELD_VALUES = st.one_of(
    st.text(max_size=16),
    st.text(alphabet="0123456789-+.eE:TZnowydhHmMsw/|*?<>=", max_size=24),
    st.integers().map(str),
    st.floats().map(str),
    st.sampled_from(["9999", "0001||-1d", "now-99999999999d", "now+9999y/y", "true", "WW"]),
)


def build_or_clear_error(query: str) -> QueryNode | QuerySyntaxError:
    """The query tree, or the error, checked to point into the query."""
    try:
        return build_query(query)
    except QuerySyntaxError as error:
        assert error.query == query
        message = str(error)
        assert message.startswith("invalid query: ")
        if error.position is not None:
            assert 0 <= error.position <= len(query)
            assert message.endswith(f"\n  {' ' * error.position}^")
        if isinstance(error, UnknownFieldError):
            assert "unknown field" in message and "known fields" in message
        return error


@given(query_text)
@example("(" * 2000 + "a" + ")" * 2000)  # bug: RecursionError in the tree builder
@example("NOT " * 2000 + "a")  # bug: RecursionError
@example("-" * 2000 + "a")  # bug: RecursionError
@example("first_seen:9999")  # bug: ValueError, the year's end is in year 10000
@example("first_seen:now-99999999999d")  # bug: OverflowError in date maths
@example("last_seen:[now-999999999y TO *]")  # bug: ValueError in date maths
@example("captured_at:0001||-1d")  # bug: OverflowError
@example('"')
@example("\\")
@example("a:")
def test_any_text_gives_a_query_or_a_clear_error(query: str) -> None:
    build_or_clear_error(query)


@given(query_grammar)
def test_grammar_queries_give_a_query_or_a_clear_error(query: str) -> None:
    build_or_clear_error(query)


@given(st.sampled_from(FIELDS), FIELD_VALUES, st.sampled_from(["{v}", '"{v}"', ">{v}", "<={v}"]))
def test_any_value_of_a_known_field_gives_a_query_or_a_clear_error(
    field: str, value: str, form: str
) -> None:
    assert lookup_field(field) is not None
    result = build_or_clear_error(f"{field}:{form.format(v=value)}")
    if isinstance(result, UnknownFieldError):  # only a `name:` inside the value names a field
        assert ":" in value


@given(st.sampled_from(FIELDS), FIELD_VALUES, FIELD_VALUES, st.sampled_from(["[]", "{}", "[}"]))
def test_any_range_of_a_known_field_gives_a_query_or_a_clear_error(
    field: str, low: str, high: str, brackets: str
) -> None:
    build_or_clear_error(f"{field}:{brackets[0]}{low} TO {high}{brackets[1]}")


@given(queries)
@example("0~.")  # bug: decimal.InvalidOperation from luqum's Fuzzy
@example("glock^1.2.3")  # bug: decimal.InvalidOperation from luqum's Boost
@example('"auto sear"~1.5')  # bug: ValueError from luqum's Proximity
def test_the_raw_parser_gives_a_tree_or_a_clear_error(query: str) -> None:
    try:
        parse_lucene(query)
    except QuerySyntaxError as error:
        assert error.position is None or 0 <= error.position <= len(query)
        assert str(error).startswith("invalid query: ")


@given(queries)
def test_the_rule_check_and_the_dashboard_narrowing_accept_or_say_why(query: str) -> None:
    try:
        assert check_query(query) == query
    except ValueError as error:
        assert str(error).startswith("not a valid query: invalid query: ")
    with contextlib.suppress(QuerySyntaxError):
        narrower(query)("ships_to", "DE")


@pytest.fixture(scope="module")
def empty_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteIndex]:
    index = SqliteIndex(Path(tmp_path_factory.mktemp("fuzz-index")) / "armswatch.db")
    yield index
    index.close()


@settings(max_examples=100)
@given(queries)
@example("NOT " * 42 + "a")  # bug: sqlite3.OperationalError "parser stack overflow"
@example("(a OR (b AND " * 14 + "c" + "))" * 14)  # bug: the same, from nested groups
def test_a_query_that_parses_also_runs_on_the_embedded_index(
    empty_index: SqliteIndex, query: str
) -> None:
    """What the parser accepts must not trip FTS5 or SQL syntax further down."""
    if isinstance(build_or_clear_error(query), QuerySyntaxError):
        return
    assert empty_index.count(query) == 0
