"""The Lucene query language: parsing (with luqum) into a backend-neutral query tree."""

from index.query.builder import build_query
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

__all__ = [
    "AllOf",
    "AnyOf",
    "Exists",
    "KeywordMatch",
    "MatchAll",
    "MatchNone",
    "Negation",
    "QueryNode",
    "RangeMatch",
    "TextMatch",
    "ValueMatch",
    "build_query",
]
