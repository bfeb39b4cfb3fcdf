"""The `Rule` record: what a case officer wants to hear about, read from `rules/*.yaml`.

A rule matches listings by a Lucene-syntax `query`, by structured `conditions`, or by both
(all must hold). Conditions on the listing itself compile into the same query language (see
`rules.conditions`), so every backend matches them the same way; the vendor conditions
(`vendor_first_seen_within`, `seen_on_markets_at_least`) look at the vendor's other listings.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Literal

import pycountry
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from crawlers.listing import Category
from index.errors import QuerySyntaxError
from index.query import build_query

Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high", "critical")
WORLDWIDE = "WW"
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_duration(value: object) -> timedelta:
    """`30m`, `24h`, `7d`, `2w` (or a number of seconds) as a timedelta."""
    if isinstance(value, timedelta):
        return value
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return timedelta(seconds=value)
        match = _DURATION.match(str(value))
        if match is not None:
            amount, unit = match.groups()
            return timedelta(**{_UNITS[unit]: int(amount)})
    except (ValueError, OverflowError):  # NaN, or more than timedelta holds (999999999 days)
        pass
    raise ValueError(f"{value!r} is not a duration; write e.g. 30m, 24h, 7d or 2w")


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def window_start(since: str | None, now: datetime) -> datetime | None:
    """When a window of `since` (e.g. `30d`) ending `now` began; None for no window. A window
    longer than the calendar reaches back (`999999999d`) begins at its start. A ValueError
    says what a duration looks like."""
    if since is None:
        return None
    try:
        return now - parse_duration(since)
    except OverflowError:
        return datetime.min.replace(tzinfo=now.tzinfo)


def check_query(query: str) -> str:
    """The query, if it parses and names known fields; else a ValueError saying why."""
    try:
        build_query(query)
    except QuerySyntaxError as error:
        raise ValueError(f"not a valid query: {error}") from None
    return query


def country_code(value: str) -> str:
    """An ISO 3166-1 alpha-2 code (or WW for worldwide), upper case; ValueError otherwise."""
    code = value.strip().upper()
    if code == WORLDWIDE or pycountry.countries.get(alpha_2=code) is not None:
        return code
    raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code (or WW)")


class _Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PriceRange(_Config):
    """Bounds on the listing's price converted at capture time (inclusive)."""

    min: float | None = Field(default=None, ge=0)
    max: float | None = Field(default=None, ge=0)
    currency: Literal["USD", "EUR"] = "USD"

    @model_validator(mode="after")
    def _bounded(self) -> PriceRange:
        if self.min is None and self.max is None:
            raise ValueError("give `min`, `max` or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class Conditions(_Config):
    """Structured conditions; each one given must hold, a list matches any of its values."""

    category: list[Category] = Field(default_factory=list)
    make: list[str] = Field(default_factory=list)
    model: list[str] = Field(default_factory=list)
    calibre: list[str] = Field(default_factory=list)
    ships_from: list[str] = Field(default_factory=list)
    ships_to: list[str] = Field(default_factory=list)
    price: PriceRange | None = None
    language: list[str] = Field(default_factory=list)
    source: list[str] = Field(default_factory=list)
    market: list[str] = Field(default_factory=list)
    # the vendor's earliest listing on this market is at most this old
    vendor_first_seen_within: Duration | None = None
    # the vendor's handle has listings on at least this many markets ...
    seen_on_markets_at_least: int | None = Field(default=None, ge=2)
    # ... counting only its listings that match this query (e.g. `category:firearm`)
    vendor_history_query: str | None = None

    @field_validator("ships_from", "ships_to")
    @classmethod
    def _countries(cls, values: list[str]) -> list[str]:
        return [country_code(value) for value in values]

    @field_validator("language")
    @classmethod
    def _languages(cls, values: list[str]) -> list[str]:
        for value in values:
            if pycountry.languages.get(alpha_2=value.lower()) is None:
                raise ValueError(f"{value!r} is not an ISO 639-1 language code such as en or de")
        return [value.lower() for value in values]

    @field_validator("vendor_history_query")
    @classmethod
    def _history_query(cls, value: str | None) -> str | None:
        return check_query(value) if value is not None else None

    @model_validator(mode="after")
    def _history_needs_count(self) -> Conditions:
        if self.vendor_history_query and self.seen_on_markets_at_least is None:
            raise ValueError("`vendor_history_query` needs `seen_on_markets_at_least`")
        return self

    @property
    def on_vendor(self) -> bool:
        """Whether a condition looks beyond the listing, at the vendor's other listings."""
        return self.vendor_first_seen_within is not None or bool(self.seen_on_markets_at_least)


class Suppression(_Config):
    """What keeps a rule from repeating itself (an alert is already once per listing version)."""

    # a material change of a listing that already alerted alerts again
    realert_on_change: bool = True
    # no second alert for the same listing within this time, changed or not
    quiet_period: Duration | None = None
    # at most this many alerts a rule delivers per hour; the rest are kept, marked suppressed
    max_per_hour: int | None = Field(default=None, ge=1)


class Rule(_Config):
    name: str = Field(description="a unique slug such as `auto-sears`")
    description: str = ""
    owner: str = Field(description="who answers for the rule (a person or a desk)")
    severity: Severity = "medium"
    enabled: bool = True
    query: str | None = Field(default=None, description="Lucene syntax, as in `armswatch search`")
    conditions: Conditions | None = None
    recipients: list[str] = Field(default_factory=list, description="e-mail addresses")
    channels: list[str] = Field(min_length=1, description="channel names from channels.yaml")
    digest: Duration | None = Field(
        default=None, description="collect matches and send one message per rule per window"
    )
    suppression: Suppression = Suppression()

    @field_validator("name")
    @classmethod
    def _name_is_slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("use lower-case letters, digits, '-' and '_' (e.g. `auto-sears`)")
        return value

    @field_validator("query")
    @classmethod
    def _query_parses(cls, value: str | None) -> str | None:
        return check_query(" ".join(value.split())) if value is not None else None

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _EMAIL.match(value):
                raise ValueError(f"{value!r} is not an e-mail address")
        return values

    @model_validator(mode="after")
    def _matches_something(self) -> Rule:
        if self.query is None and self.conditions is None:
            raise ValueError("give a `query`, `conditions` or both")
        return self
