"""Delivery of queued alerts: digests that are due, then every pending message, recorded.

A dispatcher claims each delivery before sending it, so dispatchers running side by side
(the crawls of one process, `armswatch alerts deliver` during a crawl) never send a message
twice; a claim left by a process that died is taken over after `CLAIM_TIMEOUT`.

Each pending delivery is sent with its channel's retries and back-off. One that still fails
goes to the dead-letter list (status `dead`, with the error), never lost: `armswatch alerts
retry` puts dead letters back in the queue and sends them again. When a channel fails, the
rest of its messages in the same pass go to the dead-letter list at once instead of each
waiting out its own retries against a receiver that is down (a failure of one message only,
such as a rule without recipients, leaves the channel open).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from crawlers.listing import utcnow
from rules.alert import AlertMessage
from rules.channel_config import ChannelSecretError
from rules.channels.delivery import DeliveryError, open_sender, send_with_retries
from rules.loader import RuleSet
from rules.store import AlertStore, Delivery

logger = logging.getLogger(__name__)


def digest_key(rule: str, alert_ids: Sequence[str]) -> str:
    """The idempotency key of a digest: its rule and the alerts it lists."""
    joined = "\x1f".join([rule, *sorted(alert_ids)])
    return "digest-" + hashlib.sha256(joined.encode("utf-8")).hexdigest()[:24]


@dataclass
class DispatchReport:
    delivered: int = 0
    dead: int = 0
    digests: int = 0
    errors: list[str] = field(default_factory=list)


class Dispatcher:
    def __init__(
        self,
        rules: RuleSet,
        store: AlertStore,
        *,
        data_dir: Path,
        dashboard_url: str,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rules = rules
        self.store = store
        self.data_dir = data_dir
        self.dashboard_url = dashboard_url
        self.clock = clock
        self.sleep = sleep

    def with_store(self, store: AlertStore) -> Dispatcher:
        """The same dispatcher on another connection to the store (e.g. in another thread)."""
        return Dispatcher(
            self.rules,
            store,
            data_dir=self.data_dir,
            dashboard_url=self.dashboard_url,
            clock=self.clock,
            sleep=self.sleep,
        )

    def run(self, *, flush_digests: bool = False) -> DispatchReport:
        """Queue the digests that are due (all waiting ones with `flush_digests`), then send
        every pending delivery once (with its channel's retries)."""
        report = DispatchReport()
        report.digests = self.queue_due_digests(flush=flush_digests)
        down: dict[str, str] = {}  # channel -> why it failed in this pass
        waiting = self.store.deliveries(status="pending") + self.store.deliveries(status="sending")
        for delivery in waiting:
            if not self.store.claim_delivery(delivery.id, self.clock()):
                continue  # another dispatcher has it
            error = self._deliver(delivery, down)
            if error is None:
                report.delivered += 1
            else:
                report.dead += 1
                report.errors.append(error)
        return report

    def retry_dead(self, delivery_ids: Sequence[int] | None = None) -> DispatchReport:
        """Put dead letters (all, or the given ones) back in the queue and send them."""
        self.store.requeue_dead(delivery_ids, self.clock())
        return self.run()

    def queue_due_digests(self, *, flush: bool = False) -> int:
        """Turn each rule's waiting alerts into one digest delivery per channel when the
        rule's digest window has passed since the oldest of them; how many digests."""
        now = self.clock()
        queued = 0
        for name, since in self.store.digest_waiting_since().items():
            rule = self.rules.rules.get(name)
            window = rule.digest if rule is not None else None
            if not flush and window is not None and now - since < window:
                continue
            alert_ids = self.store.take_digest(name)
            channels = rule.channels if rule is not None else []
            for channel in channels:
                self.store.add_delivery(digest_key(name, alert_ids), name, channel, alert_ids, now)
            queued += 1
        return queued

    def _deliver(self, delivery: Delivery, down: dict[str, str]) -> str | None:
        """Send one delivery and record the outcome; the error when it went dead."""
        try:
            message = self._message(delivery)
            if delivery.channel in down:
                raise DeliveryError(
                    f"not tried: channel {delivery.channel!r} failed earlier in this pass "
                    f"({down[delivery.channel]})"
                )
            config = self.rules.channels[delivery.channel]
            sender = open_sender(
                delivery.channel,
                config,
                data_dir=self.data_dir,
                dashboard_url=self.dashboard_url,
            )
            attempts = send_with_retries(sender, config, message, sleep=self.sleep)
        except (DeliveryError, ChannelSecretError, LookupError) as error:
            return self._dead(delivery, error, down)
        self.store.finish_delivery(delivery.id, "delivered", attempts, self.clock())
        logger.info(
            "delivered %s to %s",
            delivery.key,
            delivery.channel,
            extra={"event": "alert_delivered", "channel": delivery.channel, "key": delivery.key},
        )
        return None

    def _message(self, delivery: Delivery) -> AlertMessage:
        """The message of a delivery; LookupError naming what is gone (rule, channel)."""
        rule = self.rules.rules.get(delivery.rule)
        if rule is None:
            raise LookupError(f"the rule {delivery.rule!r} no longer exists in the rules dir")
        if delivery.channel not in self.rules.channels:
            raise LookupError(f"no channel named {delivery.channel!r} in channels.yaml")
        alerts = [self.store.get(alert_id) for alert_id in delivery.alert_ids]
        return AlertMessage(delivery.key, rule, tuple(a for a in alerts if a is not None))

    def _dead(self, delivery: Delivery, error: Exception, down: dict[str, str]) -> str:
        reason = str(error)
        tried = 0
        if isinstance(error, DeliveryError) and delivery.channel not in down:
            tried = error.attempts
            if error.retryable:  # the receiver is down or busy, not this message wrong
                down[delivery.channel] = reason
        self.store.finish_delivery(delivery.id, "dead", tried, self.clock(), reason)
        logger.error(
            "delivery %s to %s failed; it is in the dead-letter list: %s",
            delivery.key,
            delivery.channel,
            reason,
            extra={
                "event": "alert_dead_letter",
                "channel": delivery.channel,
                "key": delivery.key,
                "error": reason,
            },
        )
        return f"{delivery.channel}: {reason}"
