"""Evaluation on ingest: new and changed listings against every enabled rule, as alerts.

The index reports which listings of a batch are new and which changed materially (a new
version); only those are matched, so a recrawl of unchanged listings costs nothing and
alerts nobody. A match becomes an alert keyed by (rule, listing, version), stored once; the
rule's suppression may keep it from being delivered, and a digest rule collects it for its
next digest instead of sending it alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta

from crawlers.listing import Listing, utcnow
from index.backend import IndexBackend, UpsertReport
from index.query import AllOf, AnyOf, Negation, QueryNode, build_query
from rules.alert import Alert, AlertReason, alert_id
from rules.changes import listing_changes
from rules.conditions import listing_query
from rules.loader import RuleSet
from rules.matching import RuleMatcher, open_matcher
from rules.model import Rule
from rules.store import AlertStore
from rules.vendor_facts import VendorFacts

logger = logging.getLogger(__name__)
_CONDITION_FIELDS = ("category", "make", "model", "calibre", "ships_from", "ships_to")
_MORE_CONDITIONS = ("price", "language", "source", "market")
_VENDOR_CONDITIONS = ("vendor_first_seen_within", "seen_on_markets_at_least")


def matched_fields(rule: Rule) -> list[str]:
    """The fields a rule's query and conditions look at (negated parts left out)."""
    fields: list[str] = []
    if rule.query:
        fields.extend(_positive_fields(build_query(rule.query)))
    if rule.conditions is not None:
        for name in (*_CONDITION_FIELDS, *_MORE_CONDITIONS, *_VENDOR_CONDITIONS):
            if getattr(rule.conditions, name):
                fields.append(name)
    return list(dict.fromkeys(fields))


def _positive_fields(node: QueryNode) -> Iterator[str]:
    if isinstance(node, AllOf | AnyOf):
        for part in node.parts:
            yield from _positive_fields(part)
    elif isinstance(node, Negation):
        return
    elif hasattr(node, "fields"):
        yield from node.fields
    elif hasattr(node, "field"):
        yield node.field


class AlertEngine:
    """Matches indexed batches against the enabled rules and stores the alerts."""

    def __init__(
        self,
        rules: RuleSet,
        index: IndexBackend,
        store: AlertStore,
        *,
        matcher: RuleMatcher | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.rules = {rule.name: rule for rule in rules.enabled}
        self.index = index
        self.store = store
        self.clock = clock
        self.matcher = matcher or open_matcher(index)
        self.matcher.load({name: listing_query(rule) for name, rule in self.rules.items()})
        self._fields = {name: matched_fields(rule) for name, rule in self.rules.items()}

    def on_indexed(self, report: UpsertReport) -> list[Alert]:
        """Alerts for the new and changed listings of an upsert; only those stored now."""
        reasons: dict[str, AlertReason] = dict.fromkeys(report.changed, "changed")
        reasons.update(dict.fromkeys(report.new, "new"))
        if not reasons or not self.rules:
            return []
        self.index.refresh()  # the batch was written by another client (the index pipeline)
        listings = self.index.get_many(reasons)
        return self.evaluate(list(listings.values()), reasons)

    def evaluate(self, listings: Sequence[Listing], reasons: dict[str, AlertReason]) -> list[Alert]:
        """Match stored listings (current versions) and store an alert for each new match."""
        matches = self.matcher.match(listings)
        by_id = {listing.id: listing for listing in listings}
        facts = VendorFacts(self.index)
        previous = self.index.earlier_versions(
            [i for i, reason in reasons.items() if reason == "changed"]
        )
        created = []
        for name, ids in matches.items():
            rule = self.rules[name]
            for listing in (by_id[i] for i in sorted(ids)):
                if rule.conditions and not facts.satisfied(rule.conditions, listing):
                    continue
                earlier = previous.get(listing.id, [])
                alert = self._alert(rule, listing, reasons[listing.id], earlier)
                if alert is not None and self.store.add_alert(alert):
                    self._queue(rule, alert)
                    created.append(alert)
        return created

    def _alert(
        self, rule: Rule, listing: Listing, reason: AlertReason, earlier: Sequence[Listing]
    ) -> Alert | None:
        key = alert_id(rule.name, listing.id, listing.version)
        if self.store.get(key) is not None:
            return None  # this version of the listing alerted for the rule already
        now = self.clock()
        changes = listing_changes(earlier[-1], listing) if earlier else []
        return Alert(
            id=key,
            rule=rule.name,
            severity=rule.severity,
            listing_id=listing.id,
            listing_version=listing.version,
            reason=reason,
            changes=changes,
            matched_fields=self._fields[rule.name],
            created_at=now,
            suppressed=self._suppressed(rule, listing, now),
            listing=listing,
        )

    def _suppressed(self, rule: Rule, listing: Listing, now: datetime) -> bool:
        """Whether the rule's suppression keeps this alert from being delivered."""
        policy = rule.suppression
        last = self.store.last_alert_time(rule.name, listing.id)
        if last is not None and not policy.realert_on_change:
            return True
        if policy.quiet_period is not None:
            delivered = self.store.last_alert_time(rule.name, listing.id, delivered_only=True)
            if delivered is not None and now - delivered < policy.quiet_period:
                return True
        if policy.max_per_hour is not None:
            last_hour = self.store.count_unsuppressed_since(rule.name, now - timedelta(hours=1))
            return last_hour >= policy.max_per_hour
        return False

    def _queue(self, rule: Rule, alert: Alert) -> None:
        if alert.suppressed:
            logger.info(
                "alert %s of rule %s suppressed",
                alert.id,
                rule.name,
                extra={"event": "alert_suppressed", "rule": rule.name, "alert": alert.id},
            )
            return
        if rule.digest is not None:
            self.store.queue_for_digest(alert, alert.created_at)
        else:
            for channel in rule.channels:
                self.store.add_delivery(alert.id, rule.name, channel, [alert.id], alert.created_at)
        logger.info(
            "rule %s fired for listing %s (version %d, %s)",
            rule.name,
            alert.listing_id,
            alert.listing_version,
            alert.reason,
            extra={
                "event": "alert_created",
                "rule": rule.name,
                "alert": alert.id,
                "listing": alert.listing_id,
                "version": alert.listing_version,
            },
        )
