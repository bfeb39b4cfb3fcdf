"""The webhook channel against a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rules.channels.delivery import open_sender, send_with_retries
from rules.channels.errors import DeliveryError
from rules.channels.webhook import WebhookSender, verify_signature
from tests.rules.channels import samples
from tests.rules.channels.conftest import WEBHOOK_SECRET, WEBHOOK_SECRET_ENV, MakeWebhookConfig
from tests.rules.channels.samples import DASHBOARD
from tests.rules.servers import WebhookReceiver, closed_port

NOW = 1_717_243_200


def sender(config: MakeWebhookConfig, **overrides: object) -> WebhookSender:
    return WebhookSender("siem", config(**overrides), dashboard_url=DASHBOARD, clock=lambda: NOW)


def test_posts_the_signed_payload(
    receiver: WebhookReceiver, webhook_config: MakeWebhookConfig
) -> None:
    sender(webhook_config).send(samples.message())

    (request,) = receiver.requests
    assert request.method == "POST" and request.path == "/hooks/armswatch"
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.headers["idempotency-key"] == "msg-auto-sears-0001"
    assert request.headers["x-armswatch-timestamp"] == str(NOW)
    signature = request.headers["x-armswatch-signature"]
    assert signature.startswith("sha256=")
    assert verify_signature(WEBHOOK_SECRET, NOW, request.body, signature)
    document = json.loads(request.body)
    assert document["key"] == "msg-auto-sears-0001"
    assert document["alerts"][0]["listing"]["title"] == "Glock switch, auto sear, ships EU"
    assert b'", "' not in request.body and b"\n" not in request.body  # compact


def test_signature_fails_for_another_secret_body_or_time(
    receiver: WebhookReceiver, webhook_config: MakeWebhookConfig
) -> None:
    sender(webhook_config).send(samples.message())
    (request,) = receiver.requests
    signature = request.headers["x-armswatch-signature"]

    assert not verify_signature("another-secret", NOW, request.body, signature)
    assert not verify_signature(WEBHOOK_SECRET, NOW, request.body + b" ", signature)
    assert not verify_signature(WEBHOOK_SECRET, NOW + 1, request.body, signature)
    assert verify_signature(WEBHOOK_SECRET, NOW, request.body, signature, max_age=300, now=NOW)
    stale = NOW + 301
    assert not verify_signature(
        WEBHOOK_SECRET, NOW, request.body, signature, max_age=300, now=stale
    )


def test_non_ascii_listing_text_arrives_as_utf8(
    receiver: WebhookReceiver, webhook_config: MakeWebhookConfig
) -> None:
    title = "Глок переключатель – Glock-Schalter"
    message = samples.message(samples.alert(samples.listing(title=title)))
    sender(webhook_config).send(message)
    assert title.encode("utf-8") in receiver.requests[0].body


def test_retries_with_growing_waits_and_the_same_key(
    receiver: WebhookReceiver,
    webhook_config: MakeWebhookConfig,
    waits: list[float],
    tmp_path: Path,
) -> None:
    receiver.statuses = [503, 503]
    config = webhook_config(attempts=3, backoff=0.001, max_backoff=1.0)
    channel = open_sender("siem", config, data_dir=tmp_path, dashboard_url=DASHBOARD)

    attempts = send_with_retries(channel, config, samples.message(), sleep=waits.append)

    assert attempts == 3
    assert len(receiver.requests) == 3
    assert {request.headers["idempotency-key"] for request in receiver.requests} == {
        "msg-auto-sears-0001"
    }
    assert len({request.body for request in receiver.requests}) == 1
    assert waits == [0.001, 0.002]


def test_back_off_is_capped(
    receiver: WebhookReceiver, webhook_config: MakeWebhookConfig, waits: list[float]
) -> None:
    receiver.statuses = [500, 502, 503, 429]
    config = webhook_config(attempts=5, backoff=0.001, max_backoff=0.003)

    attempts = send_with_retries(
        sender(webhook_config), config, samples.message(), sleep=waits.append
    )

    assert attempts == 5
    assert waits == [0.001, 0.002, 0.003, 0.003]


def test_gives_up_after_all_attempts_fail(
    receiver: WebhookReceiver, webhook_config: MakeWebhookConfig, waits: list[float]
) -> None:
    receiver.statuses = [503, 503, 503, 200]
    config = webhook_config(attempts=3)

    with pytest.raises(DeliveryError) as failure:
        send_with_retries(sender(webhook_config), config, samples.message(), sleep=waits.append)

    assert failure.value.attempts == 3
    assert "after 3 attempts" in str(failure.value) and "answered 503" in str(failure.value)
    assert len(receiver.requests) == 3 and len(waits) == 2


def test_receiver_down_fails_after_every_attempt(
    webhook_config: MakeWebhookConfig, waits: list[float]
) -> None:
    url = f"http://127.0.0.1:{closed_port()}/hooks/armswatch"
    config = webhook_config(url=url, attempts=4)
    channel = WebhookSender("siem", config, dashboard_url=DASHBOARD)

    with pytest.raises(DeliveryError) as failure:
        send_with_retries(channel, config, samples.message(), sleep=waits.append)

    assert failure.value.attempts == 4 and len(waits) == 3
    assert "cannot reach http://127.0.0.1:" in str(failure.value)
    assert "check `url:`" in str(failure.value)


def test_a_refusal_is_not_retried(
    receiver: WebhookReceiver, webhook_config: MakeWebhookConfig, waits: list[float]
) -> None:
    receiver.statuses = [401]
    config = webhook_config(attempts=3)

    with pytest.raises(DeliveryError) as failure:
        send_with_retries(sender(webhook_config), config, samples.message(), sleep=waits.append)

    assert failure.value.attempts == 1 and not failure.value.retryable
    assert WEBHOOK_SECRET_ENV in str(failure.value)
    assert len(receiver.requests) == 1 and waits == []


def test_redirects_are_not_followed(
    receiver: WebhookReceiver, webhook_config: MakeWebhookConfig
) -> None:
    receiver.statuses = [307]

    with pytest.raises(DeliveryError, match="redirect to /hooks/elsewhere"):
        sender(webhook_config).send(samples.message())

    assert [request.path for request in receiver.requests] == ["/hooks/armswatch"]


def test_missing_secret_sends_nothing(
    receiver: WebhookReceiver, webhook_config: MakeWebhookConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(WEBHOOK_SECRET_ENV)

    with pytest.raises(DeliveryError, match=WEBHOOK_SECRET_ENV) as failure:
        sender(webhook_config).send(samples.message())

    assert not failure.value.retryable
    assert receiver.requests == []


def test_errors_do_not_show_url_credentials_or_query(webhook_config: MakeWebhookConfig) -> None:
    url = f"http://user:hunter2@127.0.0.1:{closed_port()}/hook?token=abc123"
    channel = WebhookSender("siem", webhook_config(url=url), dashboard_url=DASHBOARD)

    with pytest.raises(DeliveryError) as failure:
        channel.send(samples.message())

    assert "hunter2" not in str(failure.value) and "abc123" not in str(failure.value)
    assert "/hook" in str(failure.value)
