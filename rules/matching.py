"""Which rules a batch of freshly indexed listings matches: the `RuleMatcher` contract.

A matcher holds a set of named rule queries (Lucene syntax, e.g. `rules.conditions.
listing_query` of each rule) and answers, for a batch of listings, which listings each rule
matches. Two implementations, with the same semantics as the two index backends:

- `InProcessMatcher` (embedded backend): the batch goes into an in-memory SQLite index written
  by the real `index.sqlite` code and every rule's query runs there, so stemming, phrases,
  wildcards, ranges, entity fields and dates mean exactly what they mean in a search of the
  embedded index. Each rule's SQL is compiled once, at `load`; the database is kept and
  cleared between batches.
- `ElasticsearchMatcher` (`rules.es_matching`): the rules run on the cluster, against the
  listings just upserted there.

`open_matcher(index)` picks the one that fits an index backend. Rules whose query uses date
math relative to `now` (`first_seen:>now-1d`) are recompiled for every batch, at its time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, TypeVar

from crawlers.listing import Listing
from index.backend import IndexBackend
from index.errors import IndexStageError
from index.query import QueryNode, build_query
from index.sqlite import store
from index.sqlite.bulk_reads import matching_ids
from index.sqlite.index_file import connect
from index.sqlite.where import CompiledQuery, compile_query

# two instants that differ in every date-math unit: a query whose tree differs between them
# depends on `now`
_PROBE_TIMES = (
    datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC),
    datetime(2003, 9, 17, 21, 43, 58, tzinfo=UTC),
)
IN_MEMORY = Path(":memory:")
Compiled = TypeVar("Compiled")


class InvalidRuleQueryError(ValueError):
    """A rule's query does not parse or names something the index does not know."""

    def __init__(self, rule: str, query: str, problem: str) -> None:
        self.rule = rule
        self.query = query
        super().__init__(f"rule {rule!r}: {problem}")


class RuleMatcher(Protocol):
    """Matches a set of named rule queries against batches of listings."""

    def load(self, queries: Mapping[str, str]) -> None:
        """Replace the rules with `queries` (rule name -> Lucene query); InvalidRuleQueryError
        naming the first rule whose query is invalid (the previous rules then stay)."""
        ...

    def match(self, listings: Sequence[Listing]) -> dict[str, set[str]]:
        """Rule name -> ids of the given listings the rule matches (rules matching none left
        out). The listings are the batch just upserted into the index the matcher serves."""
        ...


@dataclass(frozen=True)
class ParsedRule:
    """A rule's query tree as of the time it was parsed."""

    name: str
    query: str
    tree: QueryNode
    relative: bool  # the tree depends on `now` (date math): parse again per batch

    def tree_at(self, now: datetime) -> QueryNode:
        return build_query(self.query, now=now) if self.relative else self.tree


def parse_rule(name: str, query: str, now: datetime) -> ParsedRule:
    """The rule's query tree at `now`; InvalidRuleQueryError when it does not parse."""
    try:
        trees = [build_query(query, now=moment) for moment in (now, *_PROBE_TIMES)]
    except IndexStageError as error:
        raise InvalidRuleQueryError(name, query, str(error)) from None
    return ParsedRule(name, query, trees[0], relative=trees[1] != trees[2])


def parse_rules(queries: Mapping[str, str], now: datetime) -> list[ParsedRule]:
    return [parse_rule(name, query, now) for name, query in queries.items()]


@dataclass(frozen=True)
class _SqlRule:
    parsed: ParsedRule
    compiled: CompiledQuery

    def compiled_at(self, now: datetime) -> CompiledQuery:
        if not self.parsed.relative:
            return self.compiled
        return compile_query(self.parsed.tree_at(now))


def compile_rule(parsed: ParsedRule, compiler: Callable[[QueryNode], Compiled]) -> Compiled:
    """The rule's tree compiled for a backend; a compiler's ValueError (a value the field
    cannot hold) as InvalidRuleQueryError naming the rule."""
    try:
        return compiler(parsed.tree)
    except ValueError as error:
        problem = f"invalid query {parsed.query!r}: {error}"
        raise InvalidRuleQueryError(parsed.name, parsed.query, problem) from None


def _sql_rule(parsed: ParsedRule) -> _SqlRule:
    return _SqlRule(parsed, compile_rule(parsed, compile_query))


class InProcessMatcher:
    """Matches rules in this process on the embedded engine (an in-memory SQLite index).

    The listings are matched as given (status, version and dates as they are, not merged with
    a stored version), so pass the stored current versions, as the alert engine does. Not
    thread-safe: give each thread its own matcher.
    """

    def __init__(self) -> None:
        self._connection = connect(IN_MEMORY)
        self._rules: list[_SqlRule] = []

    def load(self, queries: Mapping[str, str]) -> None:
        now = datetime.now(UTC)
        self._rules = [_sql_rule(parsed) for parsed in parse_rules(queries, now)]

    @property
    def rule_names(self) -> list[str]:
        return [rule.parsed.name for rule in self._rules]

    def match(self, listings: Sequence[Listing]) -> dict[str, set[str]]:
        if not listings or not self._rules:
            return {}
        store.restore_listings(self._connection, ((listing, ()) for listing in listings))
        try:
            return self._run_rules(datetime.now(UTC))
        finally:
            store.delete_listings(self._connection, (listing.id for listing in listings))

    def _run_rules(self, now: datetime) -> dict[str, set[str]]:
        matches: dict[str, set[str]] = {}
        for rule in self._rules:
            ids = matching_ids(self._connection, rule.compiled_at(now), "newest")
            if ids:
                matches[rule.parsed.name] = set(ids)
        return matches

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> InProcessMatcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_matcher(index: IndexBackend) -> RuleMatcher:
    """The matcher for an index: on the cluster for Elasticsearch, else in process."""
    from index.elasticsearch import ElasticsearchIndex  # the client only when it is used
    from rules.es_matching import ElasticsearchMatcher

    if isinstance(index, ElasticsearchIndex):
        return ElasticsearchMatcher(index)
    return InProcessMatcher()
