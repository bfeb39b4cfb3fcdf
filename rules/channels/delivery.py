"""The sender contract, retries with back-off, and the choice of sender for a channel config.

A `Sender` makes one attempt and raises `DeliveryError` when it fails. `send_with_retries`
tries again while the error is retryable, waiting `backoff`, then twice as long each time, at
most `max_backoff`, for at most `attempts` tries; a message keeps its idempotency key across
tries, so a receiver that saw an earlier try can drop the repeat.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from rules.alert import AlertMessage
from rules.channel_config import EmailChannel, FileChannel, WebhookChannel
from rules.channels.email import EmailSender
from rules.channels.errors import DeliveryError
from rules.channels.jsonl_file import JsonlFileSender
from rules.channels.webhook import WebhookSender

__all__ = ["DeliveryError", "Sender", "open_sender", "send_with_retries"]

log = logging.getLogger(__name__)
ChannelConfig = EmailChannel | WebhookChannel | FileChannel


class Sender(Protocol):
    """Delivers a message on one channel, in one attempt."""

    name: str

    def send(self, message: AlertMessage) -> None:
        """Deliver once; raise `DeliveryError` (retryable or not) when that fails."""
        ...


def send_with_retries(
    sender: Sender,
    config: ChannelConfig,
    message: AlertMessage,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Deliver `message`, retrying as `config` says; return the attempts it took.

    Raises `DeliveryError` (with `attempts` set) when every attempt failed or a failure is
    not retryable. Other exceptions are bugs and pass through at once.
    """
    retrying = Retrying(
        stop=stop_after_attempt(config.attempts),
        wait=wait_exponential(multiplier=config.backoff, max=config.max_backoff),
        retry=retry_if_exception(_is_retryable),
        sleep=sleep,
        before_sleep=_log_retry(sender.name, config.attempts),
        reraise=True,
    )
    attempts = 0
    try:
        for attempt in retrying:
            with attempt:
                attempts = attempt.retry_state.attempt_number
                sender.send(message)
    except DeliveryError as error:
        tries = "attempt" if attempts == 1 else "attempts"
        raise DeliveryError(
            f"gave up delivering {message.key} after {attempts} {tries}: {error}",
            retryable=error.retryable,
            attempts=attempts,
        ) from error
    return attempts


def open_sender(name: str, config: ChannelConfig, *, data_dir: Path, dashboard_url: str) -> Sender:
    """The sender for the channel `name` configured by `config`.

    Opening checks nothing remote and reads no secret: a missing variable, an unreachable
    server or a bad path surfaces as a `DeliveryError` from `send`, for that message only.
    """
    if isinstance(config, EmailChannel):
        return EmailSender(name, config, dashboard_url=dashboard_url)
    if isinstance(config, WebhookChannel):
        return WebhookSender(name, config, dashboard_url=dashboard_url)
    if isinstance(config, FileChannel):
        return JsonlFileSender(name, config, data_dir=data_dir, dashboard_url=dashboard_url)
    raise TypeError(f"channel {name!r}: no sender for {type(config).__name__}")


def _is_retryable(error: BaseException) -> bool:
    return isinstance(error, DeliveryError) and error.retryable


def _log_retry(channel: str, attempts: int) -> Callable[[RetryCallState], None]:
    def log_it(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "channel %r: attempt %d of %d failed (%s); retrying in %.1fs",
            channel,
            state.attempt_number,
            attempts,
            error,
            wait,
        )

    return log_it
