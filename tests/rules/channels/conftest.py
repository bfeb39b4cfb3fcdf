"""Fixtures for the channel tests: a real SMTP server, a real webhook receiver, their configs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rules.channel_config import EmailChannel, WebhookChannel
from tests.rules.servers import SmtpServer, WebhookReceiver, smtp_server

SMTP_USER_ENV = "ARMSWATCH_TEST_SMTP_USER"
SMTP_PASSWORD_ENV = "ARMSWATCH_TEST_SMTP_PASSWORD"
WEBHOOK_SECRET_ENV = "ARMSWATCH_TEST_WEBHOOK_SECRET"
WEBHOOK_SECRET = "synthetic-webhook-secret"
SENDER = "armswatch <alerts@unit.example>"

MakeEmailConfig = Callable[..., EmailChannel]
MakeWebhookConfig = Callable[..., WebhookChannel]


@pytest.fixture
def smtp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """An SMTP server requiring STARTTLS and AUTH; its user and password are in the env."""
    with smtp_server(tmp_path) as server:
        monkeypatch.setenv(SMTP_USER_ENV, server.username)
        monkeypatch.setenv(SMTP_PASSWORD_ENV, server.password)
        yield server


@pytest.fixture
def email_config(smtp: SmtpServer) -> MakeEmailConfig:
    """An e-mail channel for the `smtp` server; keyword arguments replace any field."""

    def make(**overrides: Any) -> EmailChannel:
        fields: dict[str, Any] = {
            "kind": "email",
            "host": smtp.host,
            "port": smtp.port,
            "starttls": True,
            "username_env": SMTP_USER_ENV,
            "password_env": SMTP_PASSWORD_ENV,
            "sender": SENDER,
            "ca_file": smtp.ca_file,
            "timeout": 5.0,
            "attempts": 3,
            "backoff": 0.0,
        }
        fields.update(overrides)
        return EmailChannel(**fields)

    return make


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as started:
        yield started


@pytest.fixture
def webhook_config(receiver: WebhookReceiver, monkeypatch: pytest.MonkeyPatch) -> MakeWebhookConfig:
    """A webhook channel for `receiver`, its secret in the env; keywords replace any field."""
    monkeypatch.setenv(WEBHOOK_SECRET_ENV, WEBHOOK_SECRET)

    def make(**overrides: Any) -> WebhookChannel:
        fields: dict[str, Any] = {
            "kind": "webhook",
            "url": receiver.url,
            "secret_env": WEBHOOK_SECRET_ENV,
            "timeout": 5.0,
            "attempts": 3,
            "backoff": 0.001,
            "max_backoff": 0.004,
        }
        fields.update(overrides)
        return WebhookChannel(**fields)

    return make


@pytest.fixture
def waits() -> list[float]:
    """Pass `sleep=waits.append` to record the back-off without sleeping."""
    return []
