"""Parse a Lucene query string with luqum and report syntax errors with a position.

luqum's parser is PLY-based; `luqum.thread.parse` gives each thread its own lexer, so the
index can be searched from several threads. luqum reports positions only inside its error
messages ("... at position 6", "... at the end"), so they are read back from there.
Its lexer takes any run of digits and dots after `~` and `^` (`a~.`, `a^1.2.3`) and then
fails converting it with a bare ValueError or decimal error; those are reported here too.
"""

from __future__ import annotations

import re
from decimal import InvalidOperation

from luqum.exceptions import IllegalCharacterError, ParseError
from luqum.thread import parse
from luqum.tree import Item

from index.errors import QuerySyntaxError

_POSITION = re.compile(r"at position (\d+)")
_UNEXPECTED = re.compile(r"unexpected\s+'(.*)' at position")
_NUMBER_AFTER = re.compile(r"([~^])([0-9.]+)")
_DECIMAL = re.compile(r"\d+\.?\d*|\.\d+")


def parse_lucene(query: str) -> Item:
    """The luqum tree of a non-empty query; QuerySyntaxError when luqum rejects it."""
    try:
        return parse(query)
    except IllegalCharacterError as error:
        raise _illegal_character(query, str(error)) from None
    except ParseError as error:
        raise _syntax_error(query, str(error)) from None
    except (InvalidOperation, ValueError):
        raise _bad_number(query) from None


def _illegal_character(query: str, message: str) -> QuerySyntaxError:
    position = _position(message, query)
    character = query[position] if position < len(query) else ""
    if character == '"':
        return QuerySyntaxError(query, "unclosed quote", position)
    if character == "/":
        return QuerySyntaxError(query, "unclosed regular expression (/)", position)
    return QuerySyntaxError(query, f"illegal character {character!r}", position)


def _syntax_error(query: str, message: str) -> QuerySyntaxError:
    if "end of expression" in message:
        return QuerySyntaxError(
            query,
            "unexpected end of query (an unclosed parenthesis, bracket or range,"
            " or an operator without an operand?)",
            len(query),
        )
    unexpected = _UNEXPECTED.search(message)
    what = f"unexpected {unexpected.group(1)!r}" if unexpected else "syntax error"
    return QuerySyntaxError(query, what, _position(message, query))


def _position(message: str, query: str) -> int:
    found = _POSITION.search(message)
    return int(found.group(1)) if found else len(query)


def _bad_number(query: str) -> QuerySyntaxError:
    """The first `~` or `^` whose number luqum could not convert (`~` after a phrase takes
    a whole number of words)."""
    for match in _NUMBER_AFTER.finditer(query):
        operator, number = match.groups()
        whole = operator == "~" and query[: match.start()].endswith('"')
        if not (number.isdigit() if whole else _DECIMAL.fullmatch(number)):
            example = "~2" if whole else f"{operator}2 or {operator}0.5"
            return QuerySyntaxError(
                query, f"{operator}{number} is not a number such as {example}", match.start()
            )
    return QuerySyntaxError(query, "a malformed number after ~ or ^")
