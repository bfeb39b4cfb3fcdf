"""Retries with back-off and the choice of sender, with a scripted in-process sender."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from rules.alert import AlertMessage
from rules.channel_config import EmailChannel, FileChannel, WebhookChannel
from rules.channels import EmailSender, JsonlFileSender, WebhookSender
from rules.channels.delivery import open_sender, send_with_retries
from rules.channels.errors import DeliveryError
from tests.rules.channels import samples
from tests.rules.channels.samples import DASHBOARD


class ScriptedSender:
    """Fails with the given errors in turn, then succeeds; records every try."""

    name = "scripted"

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.keys: list[str] = []

    def send(self, message: AlertMessage) -> None:
        self.keys.append(message.key)
        if self.failures:
            raise self.failures.pop(0)


def config(attempts: int = 3, backoff: float = 0.5, max_backoff: float = 30.0) -> FileChannel:
    return FileChannel(
        kind="file",
        path=Path("a.jsonl"),
        attempts=attempts,
        backoff=backoff,
        max_backoff=max_backoff,
    )


def test_first_success_takes_one_attempt_and_no_wait() -> None:
    waits: list[float] = []
    assert send_with_retries(ScriptedSender(), config(), samples.message(), sleep=waits.append) == 1
    assert waits == []


def test_waits_double_from_backoff_up_to_the_cap(caplog: pytest.LogCaptureFixture) -> None:
    sender = ScriptedSender(*(DeliveryError(f"busy {n}") for n in range(5)))
    waits: list[float] = []

    with caplog.at_level(logging.WARNING, logger="rules.channels.delivery"):
        attempts = send_with_retries(
            sender, config(attempts=6, max_backoff=3.0), samples.message(), sleep=waits.append
        )

    assert attempts == 6
    assert waits == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert sender.keys == ["msg-auto-sears-0001"] * 6
    assert "channel 'scripted': attempt 1 of 6 failed (busy 0); retrying in 0.5s" in caplog.text


def test_gives_up_with_the_count_and_the_last_error() -> None:
    sender = ScriptedSender(DeliveryError("first"), DeliveryError("second"), DeliveryError("last"))

    with pytest.raises(DeliveryError) as failure:
        send_with_retries(sender, config(attempts=3), samples.message(), sleep=lambda _: None)

    assert failure.value.attempts == 3
    assert str(failure.value) == "gave up delivering msg-auto-sears-0001 after 3 attempts: last"
    assert failure.value.__cause__ is not None


def test_a_permanent_failure_stops_at_once() -> None:
    sender = ScriptedSender(DeliveryError("no recipients", retryable=False))

    with pytest.raises(DeliveryError, match="after 1 attempt: no recipients") as failure:
        send_with_retries(sender, config(attempts=5), samples.message(), sleep=lambda _: None)

    assert not failure.value.retryable and len(sender.keys) == 1


def test_a_bug_in_a_sender_is_not_retried() -> None:
    sender = ScriptedSender(KeyError("oops"))

    with pytest.raises(KeyError):
        send_with_retries(sender, config(attempts=5), samples.message(), sleep=lambda _: None)

    assert len(sender.keys) == 1


def test_open_sender_picks_the_implementation_by_config(tmp_path: Path) -> None:
    email = EmailChannel(kind="email", host="127.0.0.1", sender="alerts@unit.example")
    webhook = WebhookChannel(kind="webhook", url="http://127.0.0.1:9/hook", secret_env="S")
    file = FileChannel(kind="file", path=Path("out/alerts.jsonl"))

    def opened(name: str, channel: EmailChannel | WebhookChannel | FileChannel) -> object:
        return open_sender(name, channel, data_dir=tmp_path, dashboard_url=DASHBOARD)

    assert isinstance(opened("mail", email), EmailSender)
    assert isinstance(opened("siem", webhook), WebhookSender)
    archive = opened("archive", file)
    assert isinstance(archive, JsonlFileSender)
    assert archive.name == "archive" and archive.path == tmp_path / "out" / "alerts.jsonl"
