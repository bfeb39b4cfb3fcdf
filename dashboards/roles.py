"""Roles, each allowed what the one below it is and more.

- analyst: search, read listings and evidence, triage alerts, export results;
- supervisor: also manages alert rules and sources (answers CAPTCHA tasks, sees crawl health);
- administrator: also manages accounts and reads the audit trail.
"""

from __future__ import annotations

from enum import IntEnum


class Role(IntEnum):
    analyst = 1
    supervisor = 2
    administrator = 3

    @classmethod
    def parse(cls, name: str) -> Role:
        try:
            return cls[name.strip().lower()]
        except KeyError:
            known = ", ".join(role.name for role in cls)
            raise ValueError(f"unknown role {name!r}; use one of {known}") from None
