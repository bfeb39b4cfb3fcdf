"""Query errors point at the right place; hostile queries cannot reach FTS5 or SQL syntax."""

from __future__ import annotations

import pytest

from index.errors import QuerySyntaxError, UnknownFieldError
from index.sqlite import SqliteIndex


@pytest.mark.parametrize(
    ("query", "position", "says"),
    [
        ("glock AND (", 11, "unexpected end of query"),
        ('"unclosed', 0, "unclosed quote"),
        ('glock "unclosed', 6, "unclosed quote"),
        ("price.amount_usd:[1 TO", 22, "unexpected end of query"),
        ("glock AND AND 19", 10, "unexpected 'AND'"),
        ("glock)", 5, "unexpected ')'"),
        ("price.amount_usd:cheap", 17, "takes a number"),
        ("price.amount_usd:[1 TO lots]", 23, "takes a number"),
        ("first_seen:>yesterday", 12, "takes a date"),
        ("firearm_related:maybe", 16, "true or false"),
        ("glock [1 TO 2]", 6, "a range needs a field"),
        ("title:[a TO b]", 7, "ranges need a number, date or keyword field"),
        ("price.amount_usd:1*", 17, "wildcards need a text or keyword field"),
        ("glock~", 0, "fuzzy"),
        ("glock AND /gl.ck/", 10, "regular expressions"),
        ("glock && 19", 6, "use AND instead of &&"),
        ("glock || 19", 6, "use OR instead of ||"),
        ("!glock", 0, "use NOT"),
        ("title:(vendor:bob)", 7, "inside the field"),
    ],
)
def test_syntax_errors_point_at_the_problem(
    corpus_index: SqliteIndex, query: str, position: int, says: str
) -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        corpus_index.search(query)
    assert raised.value.position == position
    assert says in str(raised.value)
    assert raised.value.query == query
    # the message repeats the query with a caret under the position
    lines = str(raised.value).splitlines()
    assert lines[-2] == f"  {query}"
    assert lines[-1] == " " * (2 + position) + "^"


def test_unknown_field_names_the_known_fields_and_a_suggestion(corpus_index: SqliteIndex) -> None:
    with pytest.raises(UnknownFieldError) as raised:
        corpus_index.count("glock AND titel:glock")
    message = str(raised.value)
    assert raised.value.position == 10
    assert "unknown field 'titel'" in message
    assert "did you mean 'title'?" in message
    assert "ships_to" in message and "price.amount_usd" in message


def test_unknown_field_suggests_dotted_names(corpus_index: SqliteIndex) -> None:
    with pytest.raises(UnknownFieldError, match=r"did you mean 'price\.amount_usd'\?"):
        corpus_index.count("price.amount_us:<5")


def test_unknown_field_without_a_close_match_has_no_suggestion(corpus_index: SqliteIndex) -> None:
    with pytest.raises(UnknownFieldError) as raised:
        corpus_index.count("col:x")
    assert "did you mean" not in str(raised.value)


def test_count_raises_the_same_errors_as_search(corpus_index: SqliteIndex) -> None:
    with pytest.raises(QuerySyntaxError):
        corpus_index.count("glock AND (")


GLOCKS = {"glock19", "glock17", "switch"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('glock"OR"19', set()),  # one word: the phrase "glock or 19"
        ("NEAR", set()),
        ('"NEAR(glock 19, 2)"', set()),  # the phrase "near glock 19 2"
        ('"glock" "*"', GLOCKS),  # "*" in quotes has no word characters and is dropped
        ("title:NEAR", set()),
        ('"a"" OR NEAR("', set()),
        ("glock\\:title", set()),  # the phrase "glock title"
        ("glock; DROP TABLE listings;", set()),
        ("*glo\\*", set()),
        ("glock\\)", GLOCKS),
        ('"{title description}: glock"', set()),
        ("title:\\*", set()),  # an escaped star is a literal, not "has a title"
        ("ships_to:\\[x", set()),
        ("x\\*?", {"p320"}),  # the token x followed by any one-character token (X-Carry)
    ],
)
def test_hostile_queries_are_plain_text(
    corpus_index: SqliteIndex, query: str, expected: set[str]
) -> None:
    # FTS5 or SQL syntax in a query is never interpreted, only searched for as words
    found = {hit.listing.id for hit in corpus_index.search(query, limit=100).hits}
    assert found == expected
    assert corpus_index.count("*") == 8


@pytest.mark.parametrize(
    "query", ['"a" OR NEAR(', "title:(x) ) OR 1=1 --", "{title}:glock", "^glock", "'; DROP TABLE x"]
)
def test_fts_syntax_fragments_are_query_syntax_errors(
    corpus_index: SqliteIndex, query: str
) -> None:
    with pytest.raises(QuerySyntaxError):
        corpus_index.search(query)


def test_col_filter_is_an_unknown_field_not_an_fts_column(corpus_index: SqliteIndex) -> None:
    with pytest.raises(UnknownFieldError):
        corpus_index.search("col:x")


def test_title_star_means_has_a_title(corpus_index: SqliteIndex) -> None:
    assert corpus_index.count("title:*") == 8
    assert corpus_index.count("description:*") == 8
