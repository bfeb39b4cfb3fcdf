"""The dispatcher: pending deliveries sent once, failures kept as dead letters, re-sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rules.alert import Alert
from rules.dispatch import Dispatcher
from rules.loader import RuleSet
from rules.store import CLAIM_TIMEOUT, AlertStore
from tests.rules.channels.samples import alert as sample_alert
from tests.rules.channels.samples import listing as sample_listing
from tests.rules.conftest import FILE_CHANNEL, WriteRules
from tests.rules.servers import WebhookReceiver, closed_port

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
SECRET = "synthetic-secret"


def hook_channels(url: str) -> str:
    return (
        FILE_CHANNEL
        + f"  hook:\n    kind: webhook\n    url: {url}\n    secret_env: TEST_HOOK_SECRET\n"
        + "    attempts: 3\n    backoff: 0.01\n"
    )


def queue(store: AlertStore, rules: RuleSet, *alerts: Alert) -> None:
    for alert in alerts:
        store.add_alert(alert)
        for channel in rules.rules[alert.rule].channels:
            store.add_delivery(alert.id, alert.rule, channel, [alert.id], NOW)


def dispatcher(rules: RuleSet, store: AlertStore, tmp_path: Path) -> Dispatcher:
    return Dispatcher(
        rules,
        store,
        data_dir=tmp_path,
        dashboard_url="http://127.0.0.1:8000",
        clock=lambda: NOW,
        sleep=lambda _: None,
    )


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_HOOK_SECRET", SECRET)


def alerts_for(rule: str, count: int) -> list[Alert]:
    return [sample_alert(sample_listing(f"l{i}"), rule=rule, id=f"a{i}") for i in range(count)]


def test_a_down_receiver_costs_one_set_of_retries_and_loses_nothing(
    write_rules: WriteRules, store: AlertStore, tmp_path: Path
) -> None:
    port = closed_port()
    url = f"http://127.0.0.1:{port}/hooks/armswatch"
    rules = write_rules(hook_channels(url), r="query: glock\nchannels: [hook, case-file]\n")
    queue(store, rules, *alerts_for("r", 3))
    report = dispatcher(rules, store, tmp_path).run()
    assert (report.delivered, report.dead) == (3, 3)  # the file got them, the hook did not
    dead = store.deliveries(status="dead")
    assert [d.attempts for d in dead] == [3, 0, 0]  # later ones not tried against a dead host
    assert "not tried" in (dead[1].last_error or "")
    with WebhookReceiver(port=port) as receiver:
        retried = dispatcher(rules, store, tmp_path).retry_dead()
        assert (retried.delivered, retried.dead) == (3, 0)
        assert dispatcher(rules, store, tmp_path).retry_dead().delivered == 0
    assert sorted(r.headers["idempotency-key"] for r in receiver.requests) == ["a0", "a1", "a2"]
    assert all(d.status == "delivered" for d in store.deliveries())


def test_a_receiver_that_recovers_within_the_retries_gets_each_message_once(
    write_rules: WriteRules, store: AlertStore, tmp_path: Path
) -> None:
    with WebhookReceiver(statuses=[503, 503]) as receiver:
        rules = write_rules(hook_channels(receiver.url), r="query: glock\nchannels: [hook]\n")
        queue(store, rules, *alerts_for("r", 2))
        report = dispatcher(rules, store, tmp_path).run()
    assert (report.delivered, report.dead) == (2, 0)
    keys = [r.headers["idempotency-key"] for r in receiver.requests]
    assert keys == ["a0", "a0", "a0", "a1"]
    assert [d.attempts for d in store.deliveries()] == [3, 1]


def test_a_rejected_message_does_not_close_the_channel(
    write_rules: WriteRules, store: AlertStore, tmp_path: Path
) -> None:
    with WebhookReceiver(statuses=[400]) as receiver:
        rules = write_rules(hook_channels(receiver.url), r="query: glock\nchannels: [hook]\n")
        queue(store, rules, *alerts_for("r", 2))
        report = dispatcher(rules, store, tmp_path).run()
    assert (report.delivered, report.dead) == (1, 1)
    [dead] = store.deliveries(status="dead")
    assert dead.attempts == 1 and "400" in (dead.last_error or "")


def test_a_deleted_rule_or_channel_sends_to_the_dead_letters_with_the_reason(
    write_rules: WriteRules, store: AlertStore, tmp_path: Path
) -> None:
    rules = write_rules(r="query: glock\n")
    [alert] = alerts_for("gone", 1)
    store.add_alert(alert)
    store.add_delivery(alert.id, "gone", "case-file", [alert.id], NOW)
    store.add_delivery(alert.id, "r", "nowhere", [alert.id], NOW)
    report = dispatcher(rules, store, tmp_path).run()
    assert report.dead == 2
    errors = sorted(d.last_error or "" for d in store.deliveries(status="dead"))
    assert "no channel named 'nowhere'" in errors[0]
    assert "rule 'gone' no longer exists" in errors[1]


def test_a_claimed_delivery_is_sent_by_one_dispatcher_only(
    write_rules: WriteRules, store: AlertStore, tmp_path: Path
) -> None:
    rules = write_rules(r="query: glock\n")
    queue(store, rules, *alerts_for("r", 2))
    first, second = store.deliveries()
    with AlertStore(store.path) as other:  # another process's connection
        assert other.claim_delivery(first.id, NOW)
        assert not store.claim_delivery(first.id, NOW)
        report = dispatcher(rules, store, tmp_path).run()
        assert (report.delivered, report.dead) == (1, 0)  # only the unclaimed one
        lines = (tmp_path / "alerts.jsonl").read_text().splitlines()
        assert len(lines) == 1 and second.key in lines[0]
        # a claim older than the time-out was lost with its process: taken over
        later = NOW + CLAIM_TIMEOUT + timedelta(seconds=1)
        assert store.claim_delivery(first.id, later)
        assert not other.claim_delivery(first.id, later)
