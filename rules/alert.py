"""The `Alert` record and the message a channel delivers.

An alert is keyed by (rule, listing, listing version): the same version of a listing never
alerts twice for one rule, and a material change (a new version) alerts once more.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from crawlers.listing import Listing
from rules.model import Rule, Severity

AlertStatus = Literal["new", "acknowledged", "escalated", "dismissed"]
ALERT_STATUSES: tuple[AlertStatus, ...] = ("new", "acknowledged", "escalated", "dismissed")
# why the alert fired: a listing seen for the first time, or a new version of one
AlertReason = Literal["new", "changed"]


def alert_id(rule: str, listing_id: str, version: int) -> str:
    """The alert's key: one alert per rule, listing and listing version."""
    key = f"{rule}\x1f{listing_id}\x1f{version}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Change(_Record):
    """One field of a listing that changed between two versions (values as shown)."""

    field: str
    before: str | None
    after: str | None


class Note(_Record):
    at: datetime
    author: str
    text: str


class Alert(_Record):
    id: str
    rule: str
    severity: Severity
    listing_id: str
    listing_version: int
    reason: AlertReason
    changes: list[Change] = Field(default_factory=list)  # what changed, for `changed`
    matched_fields: list[str] = Field(default_factory=list)
    created_at: datetime
    status: AlertStatus = "new"
    assignee: str | None = None
    notes: list[Note] = Field(default_factory=list)
    suppressed: bool = False  # kept but not delivered (the rule's hourly cap was reached)
    listing: Listing  # the listing as it was when the alert fired


@dataclass(frozen=True)
class AlertMessage:
    """What one delivery sends: one alert, or a rule's digest of several.

    `key` is the idempotency key: the same message retried or re-sent keeps it, so a
    receiver can drop duplicates.
    """

    key: str
    rule: Rule
    alerts: tuple[Alert, ...]

    @property
    def is_digest(self) -> bool:
        return len(self.alerts) > 1
