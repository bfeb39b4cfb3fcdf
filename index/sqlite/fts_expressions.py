"""FTS5 MATCH expressions for full-text query terms, safe against FTS5 syntax injection.

Every piece of user text goes inside an FTS5 string (`"..."`, inner quotes doubled), so it
can only ever be a phrase: FTS5 tokenises the string with the table's own tokenizer (the same
as the indexed text), so `AR-15` becomes the phrase `ar 15` and `G.lock` the phrase `g lock`.
Operators, column filters and NEAR groups come only from this module.
"""

from __future__ import annotations

from index.fields import FREE_TEXT_FIELDS
from index.query.nodes import TextMatch
from index.query.terms import split_tokens


def fts_string(text: str) -> str:
    """`text` as one FTS5 string literal (a phrase of its tokens)."""
    return '"' + text.replace('"', '""') + '"'


def fts_expression(match: TextMatch) -> str:
    """The MATCH expression of a words, phrase or prefix match (not of a pattern)."""
    if match.mode == "pattern":
        raise ValueError("wildcard patterns are matched on the token vocabulary, not by MATCH")
    expression = _unfiltered_expression(match)
    if set(match.fields) == set(FREE_TEXT_FIELDS):
        return expression
    _check_columns(match.fields)
    return f"{{{' '.join(match.fields)}}} : ({expression})"


def _unfiltered_expression(match: TextMatch) -> str:
    if match.mode == "prefix":
        return f"{fts_string(match.text)} *"
    if match.mode == "phrase" and match.slop:
        tokens = split_tokens(match.text)
        if len(tokens) > 1:
            phrases = " ".join(fts_string(token) for token in tokens)
            return f"NEAR({phrases}, {int(match.slop)})"
    return fts_string(match.text)


def any_of(expressions: list[str]) -> str | None:
    """One expression matching any of `expressions` (None when there are none)."""
    if not expressions:
        return None
    return " OR ".join(f"({expression})" for expression in expressions)


def _check_columns(columns: tuple[str, ...]) -> None:
    unknown = set(columns) - set(FREE_TEXT_FIELDS)
    if unknown:
        raise ValueError(f"not full-text columns: {sorted(unknown)}")
