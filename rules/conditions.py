"""Structured rule conditions as Lucene query clauses, so every backend matches them alike.

A rule's listing query is its `query` AND one clause per condition on the listing; a list
condition matches any of its values. Values are quoted as phrases, so a make such as
`Heckler & Koch` or a calibre such as `7.62x39mm` needs no escaping in the YAML.
"""

from __future__ import annotations

from collections.abc import Iterable

from rules.model import Conditions, PriceRange, Rule

MATCH_ALL = "*"
# condition name -> the index field it compiles to
_LIST_FIELDS = {
    "category": "category",
    "make": "entity.make",
    "model": "entity.model",
    "calibre": "entity.calibre",
    "ships_from": "ships_from",
    "ships_to": "ships_to",
    "language": "language",
    "source": "source",
    "market": "market",
}


def quote(value: str) -> str:
    """A query phrase that matches `value` exactly (quotes and backslashes escaped)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def any_of(field: str, values: Iterable[str]) -> str:
    return f"{field}:({' OR '.join(quote(value) for value in values)})"


def price_clause(price: PriceRange) -> str:
    field = f"price.amount_{price.currency.lower()}"
    low = "*" if price.min is None else _number(price.min)
    high = "*" if price.max is None else _number(price.max)
    return f"{field}:[{low} TO {high}]"


def condition_clauses(conditions: Conditions) -> list[str]:
    """One query clause per condition on the listing itself (vendor conditions excluded)."""
    clauses = []
    for name, field in _LIST_FIELDS.items():
        values: list[str] = getattr(conditions, name)
        if values:
            clauses.append(any_of(field, values))
    if conditions.price is not None:
        clauses.append(price_clause(conditions.price))
    return clauses


def listing_query(rule: Rule) -> str:
    """The one Lucene query a listing must match for the rule to fire (vendor conditions
    aside): the rule's query AND its conditions; `*` when neither constrains anything."""
    clauses = [f"({rule.query})"] if rule.query else []
    if rule.conditions is not None:
        clauses.extend(condition_clauses(rule.conditions))
    return " AND ".join(clauses) or MATCH_ALL


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)
