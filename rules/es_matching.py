"""`ElasticsearchMatcher`: rules matched on the Elasticsearch cluster ("reverse percolation").

Elasticsearch's own answer, the percolator (rule queries stored in a `percolator` field and a
`percolate` query per batch of documents), is not available: the node armswatch runs is
assembled from Maven Central artifacts, and the percolator module of Elasticsearch 8 is not
published there (`org.elasticsearch.plugin:percolator-client` stops at 7.17.29). So the rules
are matched the other way round:

- `load` keeps the rules as documents of their own index, `<prefix>-rules` (id = rule name:
  the name, the Lucene query, its compiled query DSL and whether it depends on `now`), so a
  team shares one rule set and can inspect it; rules no longer given are deleted.
- `match` runs ONE `_msearch` against the listings index (refreshed first, since the
  backend's upsert does not refresh): each search holds up to `RULES_PER_SEARCH` rules as
  named queries (`_name` = the rule) in a `should`, filtered by an `ids` query over the
  batch's listing ids; each hit says which rules it matched (`matched_queries`). Grouping
  keeps each search under Elasticsearch's clause limit and costs a fraction of one search per
  rule (about 2-5 times faster with 1,000 rules). Hits carry only the listing id, read from
  doc values (`sort_id`), not from stored fields, which would decompress the stored
  documents. A rule matches the stored current version of each listing, so the batch must
  have been upserted into the index.

The compiled queries come from the backend's own compiler (`index.elasticsearch.query_dsl`),
so a rule means on the cluster what a search with its query means. A large batch (rules times
listings above `MAX_PAIRS_PER_REQUEST`, which keeps a request near 10 MB, or more listings
than a search returns) is split into several `_msearch` requests; searches the node rejects
for load or memory (status 429) are sent again, with backoff.

A percolator implementation can replace this class behind the same `RuleMatcher` contract:
store the same DSL in a `percolator` field of the rule documents and run one `percolate`
query over the batch's documents.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from elasticsearch import BadRequestError
from elasticsearch.helpers import bulk, scan

from crawlers.listing import Listing
from index.elasticsearch import ElasticsearchIndex
from index.elasticsearch.documents import SORT_ID
from index.elasticsearch.mapping import index_body
from index.elasticsearch.query_dsl import Dsl, compile_search
from index.errors import IndexStageError
from index.query import QueryNode
from rules.matching import ParsedRule, compile_rule, parse_rules

# search x listing pairs per _msearch request (each pair is one id in a search's `ids` filter)
MAX_PAIRS_PER_REQUEST = 500_000
RULES_PER_SEARCH = 50  # named rule queries in one search
REJECTED_RETRIES = 4  # times searches rejected with 429 are sent again
REJECTED_BACKOFF = 0.5  # seconds before the first retry; doubled each time
MAX_RESULT_WINDOW = 10_000  # Elasticsearch's default `index.max_result_window`
RULES_MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "name": {"type": "keyword"},
        "query": {"type": "text", "fields": {"keyword": {"type": "keyword"}}},
        "dsl": {"type": "object", "enabled": False},  # stored, not indexed
        "relative_to_now": {"type": "boolean"},
        "loaded_at": {"type": "date"},
    },
}
_RESPONSE_FIELDS = [
    "responses.status",
    "responses.error",
    f"responses.hits.hits.fields.{SORT_ID}",
    "responses.hits.hits.matched_queries",
]
RuleQuery = tuple[str, Dsl]  # rule name, compiled query


def rules_index_name(index: ElasticsearchIndex) -> str:
    return f"{index.names.prefix}-rules"


@dataclass(frozen=True)
class _EsRule:
    parsed: ParsedRule
    dsl: Dsl

    def dsl_at(self, now: datetime) -> Dsl:
        if not self.parsed.relative:
            return self.dsl
        return _query_dsl(self.parsed.tree_at(now))


def _query_dsl(tree: QueryNode) -> Dsl:
    return compile_search(tree).query


class ElasticsearchMatcher:
    """Matches rules on the cluster of an `ElasticsearchIndex` (see the module docstring)."""

    def __init__(self, index: ElasticsearchIndex) -> None:
        self.index = index
        self.rules_index = rules_index_name(index)
        self._rules: list[_EsRule] = []
        self._ensure_rules_index()

    def load(self, queries: Mapping[str, str]) -> None:
        now = datetime.now(UTC)
        rules = [
            _EsRule(parsed, compile_rule(parsed, _query_dsl))
            for parsed in parse_rules(queries, now)
        ]
        self._store(rules, now)
        self._rules = rules

    @property
    def rule_names(self) -> list[str]:
        return [rule.parsed.name for rule in self._rules]

    def match(self, listings: Sequence[Listing]) -> dict[str, set[str]]:
        ids = list(dict.fromkeys(listing.id for listing in listings))
        if not ids or not self._rules:
            return {}
        # upserts are not refreshed by the backend (the alert engine refreshes for others')
        self.index.make_visible()
        now = datetime.now(UTC)
        queries = [(rule.parsed.name, rule.dsl_at(now)) for rule in self._rules]
        groups = [
            queries[first : first + RULES_PER_SEARCH]
            for first in range(0, len(queries), RULES_PER_SEARCH)
        ]
        matches: dict[str, set[str]] = {}
        chunk = max(1, min(MAX_RESULT_WINDOW, MAX_PAIRS_PER_REQUEST // len(groups)))
        for first in range(0, len(ids), chunk):
            self._search(groups, ids[first : first + chunk], matches)
        return matches

    def stored_queries(self) -> dict[str, str]:
        """The rule set stored on the cluster (rule name -> query), as the last `load` left it
        (by any process sharing the prefix)."""
        hits = scan(self.index.client, index=self.rules_index, _source=["name", "query"])
        return {hit["_source"]["name"]: hit["_source"]["query"] for hit in hits}

    def drop(self) -> None:
        """Delete the rules index (for tests and resets)."""
        self.index.client.indices.delete(index=self.rules_index, ignore_unavailable=True)
        self._rules = []

    def _search(
        self, groups: list[list[RuleQuery]], ids: list[str], matches: dict[str, set[str]]
    ) -> None:
        """Run every group of rules over `ids` (one `_msearch`), sending rejected searches
        again."""
        pending = groups
        for attempt in range(REJECTED_RETRIES + 1):
            if attempt:
                time.sleep(REJECTED_BACKOFF * 2 ** (attempt - 1))
            pending = self._msearch(pending, ids, matches)
            if not pending:
                return
        raise IndexStageError(
            f"Elasticsearch rejected the searches of {sum(map(len, pending))} rules "
            f"{REJECTED_RETRIES + 1} times (too many requests or too little memory), "
            f"e.g. {pending[0][0][0]!r}; match smaller batches or give the node more heap"
        )

    def _msearch(
        self, groups: list[list[RuleQuery]], ids: list[str], matches: dict[str, set[str]]
    ) -> list[list[RuleQuery]]:
        """Add each rule's matches among `ids`; the groups whose search was rejected (429)."""
        searches: list[Mapping[str, Any]] = []
        for group in groups:
            searches += [{}, _restricted_search(group, ids)]
        response = self.index.client.msearch(
            index=self.index.names.listings, searches=searches, filter_path=_RESPONSE_FIELDS
        )
        rejected: list[list[RuleQuery]] = []
        for group, answer in zip(groups, response["responses"], strict=True):
            if answer.get("status") == 429:
                rejected.append(group)
            elif "error" in answer:
                names = ", ".join(name for name, _ in group)
                raise IndexStageError(f"rules {names} failed on Elasticsearch: {answer['error']}")
            else:
                for hit in answer.get("hits", {}).get("hits", []):
                    listing = hit["fields"][SORT_ID][0]
                    for name in hit.get("matched_queries", []):
                        matches.setdefault(name, set()).add(listing)
        return rejected

    def _ensure_rules_index(self) -> None:
        client = self.index.client
        if client.indices.exists(index=self.rules_index):
            return
        body = index_body(RULES_MAPPING)
        try:
            client.indices.create(
                index=self.rules_index, settings=body["settings"], mappings=body["mappings"]
            )
        except BadRequestError as error:
            if error.error != "resource_already_exists_exception":  # made by another process
                raise

    def _store(self, rules: list[_EsRule], now: datetime) -> None:
        """Write the rule documents and delete those of rules no longer given, in one bulk."""
        wanted = {rule.parsed.name for rule in rules}
        stale = [name for name in self.stored_queries() if name not in wanted]
        bulk(self.index.client, self._actions(rules, stale, now), refresh=True)

    def _actions(
        self, rules: list[_EsRule], stale: list[str], now: datetime
    ) -> Iterator[dict[str, Any]]:
        for rule in rules:
            yield {
                "_op_type": "index",
                "_index": self.rules_index,
                "_id": rule.parsed.name,
                "_source": _rule_document(rule, now),
            }
        for name in stale:
            yield {"_op_type": "delete", "_index": self.rules_index, "_id": name}


def _rule_document(rule: _EsRule, now: datetime) -> dict[str, Any]:
    return {
        "name": rule.parsed.name,
        "query": rule.parsed.query,
        "dsl": rule.dsl,
        "relative_to_now": rule.parsed.relative,
        "loaded_at": now.isoformat(),
    }


def _restricted_search(group: list[RuleQuery], ids: list[str]) -> dict[str, Any]:
    """A search for the listings among `ids` that match any rule of the group, each rule a
    named query: ids from doc values only, and the names of the rules each one matched."""
    named = [{"bool": {"filter": [dsl], "_name": name}} for name, dsl in group]
    return {
        "query": {
            "bool": {
                "filter": [{"ids": {"values": ids}}],
                "should": named,
                "minimum_should_match": 1,
            }
        },
        "size": len(ids),
        "_source": False,
        "stored_fields": "_none_",
        "docvalue_fields": [SORT_ID],
        "track_total_hits": False,
        "sort": ["_doc"],
    }
