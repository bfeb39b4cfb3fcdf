"""The `VendorProfile` record: what a market's vendor page says about a vendor."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class VendorProfile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    market: str
    handle: str
    url: str
    about: str = ""
    pgp_key: str | None = None  # the ASCII-armoured public key block, as shown
    crypto_addresses: list[str] = Field(default_factory=list)  # as shown; validated downstream
    captured_at: datetime
