"""Delivery channels, defined once in `channels.yaml` in the rules directory.

Rules name the channels they deliver to. Secrets never sit in the file: it names the
environment variables that hold them (`password_env`, `secret_env`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

CHANNELS_FILE = "channels.yaml"


class ChannelSecretError(RuntimeError):
    """An environment variable a channel needs is not set."""


def secret_from_env(variable: str, channel: str) -> str:
    value = os.environ.get(variable)
    if not value:
        raise ChannelSecretError(
            f"channel {channel!r} needs the environment variable {variable}; set it before "
            "delivering (secrets are never read from the channels file)"
        )
    return value


class _Channel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # attempts per delivery before it goes to the dead-letter list, and the first back-off
    attempts: int = Field(default=3, ge=1, le=10)
    backoff: float = Field(default=1.0, ge=0, description="seconds; doubles after each try")
    max_backoff: float = Field(default=30.0, ge=0)


class EmailChannel(_Channel):
    kind: Literal["email"]
    host: str
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    username_env: str | None = None
    password_env: str | None = None
    sender: str
    ca_file: Path | None = Field(default=None, description="CA bundle to verify the server")
    timeout: float = Field(default=30.0, gt=0)


class WebhookChannel(_Channel):
    kind: Literal["webhook"]
    url: str
    secret_env: str = Field(description="variable holding the HMAC-SHA256 signing secret")
    timeout: float = Field(default=10.0, gt=0)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("write a full http:// or https:// URL")
        return value


class FileChannel(_Channel):
    kind: Literal["file"]
    path: Path = Field(description="JSON-lines file; relative paths are under the data dir")


Channel = Annotated[EmailChannel | WebhookChannel | FileChannel, Field(discriminator="kind")]


class ChannelsFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    channels: dict[str, Channel]
