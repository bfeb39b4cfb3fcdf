"""The webhook channel: the payload as a signed JSON POST.

Each request carries

- `Idempotency-Key`: the message key, the same on every retry;
- `X-Armswatch-Timestamp`: Unix seconds when this try was signed;
- `X-Armswatch-Signature`: `sha256=` + hex HMAC-SHA256 of `"{timestamp}." + body` under the
  secret held in the variable `secret_env` names.

A receiver recomputes the signature with `verify_signature` and should refuse old timestamps.
Redirects are not followed: a 3xx is a failure that names the new location.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import time
from collections.abc import Callable
from functools import cached_property
from urllib.parse import urlsplit

import httpx

from rules.alert import AlertMessage
from rules.channel_config import ChannelSecretError, WebhookChannel, secret_from_env
from rules.channels.errors import DeliveryError
from rules.channels.rendering import payload

SIGNATURE_PREFIX = "sha256="
# statuses worth another try: timeout, too early, too many requests, and server errors
_RETRY_STATUSES = frozenset({408, 425, 429})


def sign(secret: str | bytes, timestamp: str, body: bytes) -> str:
    """The `X-Armswatch-Signature` value for `body` sent at `timestamp`."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    digest = hmac.new(key, f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return SIGNATURE_PREFIX + digest.hexdigest()


def verify_signature(
    secret: str | bytes,
    timestamp: str | int,
    body: bytes,
    header: str,
    *,
    max_age: float | None = None,
    now: float | None = None,
) -> bool:
    """Whether `header` signs `body` at `timestamp` with `secret` (a constant-time compare).

    With `max_age` (seconds), a timestamp further than that from `now` fails too, so a
    captured request cannot be replayed later.
    """
    if max_age is not None:
        try:
            age = abs((time.time() if now is None else now) - int(timestamp))
        except ValueError:
            return False
        if age > max_age:
            return False
    expected = sign(secret, str(timestamp), body)
    return hmac.compare_digest(expected.encode("ascii"), header.strip().encode("utf-8"))


def encode_body(message: AlertMessage, dashboard_url: str) -> bytes:
    """The request body: the payload as compact UTF-8 JSON."""
    document = payload(message, dashboard_url)
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class WebhookSender:
    """POSTs each message to `config.url`, signed; one attempt per `send`."""

    def __init__(
        self,
        name: str,
        config: WebhookChannel,
        *,
        dashboard_url: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.config = config
        self.dashboard_url = dashboard_url
        self._clock = clock
        self._shown_url = _without_secrets(config.url)

    def send(self, message: AlertMessage) -> None:
        secret = self._secret()
        body = encode_body(message, self.dashboard_url)
        timestamp = str(int(self._clock()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "armswatch-alerts",
            "Idempotency-Key": message.key,
            "X-Armswatch-Timestamp": timestamp,
            "X-Armswatch-Signature": sign(secret, timestamp, body),
        }
        try:
            with httpx.Client(
                verify=self._tls, timeout=self.config.timeout, follow_redirects=False
            ) as client:
                response = client.post(self.config.url, content=body, headers=headers)
        except httpx.TransportError as error:
            raise DeliveryError(
                f"webhook channel {self.name!r} cannot reach {self._shown_url} "
                f"({type(error).__name__}: {error}); check `url:` in channels.yaml and that "
                "the receiver is up"
            ) from error
        self._check(response)

    @cached_property
    def _tls(self) -> ssl.SSLContext:
        """The system's trusted CAs (where an internal CA is added), loaded once per sender."""
        return ssl.create_default_context()

    def _secret(self) -> str:
        try:
            return secret_from_env(self.config.secret_env, self.name)
        except ChannelSecretError as error:
            raise DeliveryError(f"webhook channel: {error}", retryable=False) from error

    def _check(self, response: httpx.Response) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        where = f"webhook channel {self.name!r}: {self._shown_url} answered {status}"
        if 300 <= status < 400:
            location = response.headers.get("location", "nowhere")
            raise DeliveryError(
                f"{where}, a redirect to {location} (not followed); put the final URL in "
                "`url:` in channels.yaml",
                retryable=False,
            )
        snippet = " ".join(response.text[:200].split())
        if status >= 500 or status in _RETRY_STATUSES:
            raise DeliveryError(f"{where} ({snippet}); the receiver is failing or busy")
        hint = (
            f"check that the receiver verifies with the secret in ${self.config.secret_env}"
            if status in (401, 403)
            else "check the receiver's logs for why it refused the alert"
        )
        raise DeliveryError(f"{where} ({snippet}); {hint}", retryable=False)


def _without_secrets(url: str) -> str:
    """The URL for messages and logs: no user, password or query string."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"
