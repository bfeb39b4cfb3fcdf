"""Alert rules, for supervisors.

- `GET /rules`: every rule file of the rules directory: its rule (enabled, severity, owner,
  query, channels) or what is wrong in it, with file, line, field and fix.
- `GET /rules/{name}/test`: the back-test (`rules.backtest`): what the rule would have fired
  over the index, nothing sent (audited as `rule.test`).
- `POST /rules/{name}/enabled`: switch a rule on or off in its YAML file (audited as
  `rule.enable` / `rule.disable`); crawls pick the change up when they next load the rules.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from dashboards import context
from dashboards.roles import Role
from dashboards.rule_files import RuleEditError, RuleFile, read_rules, set_enabled
from dashboards.security import CurrentUser, require
from dashboards.templating import render
from rules.backtest import backtest
from rules.conditions import listing_query
from rules.model import parse_duration

router = APIRouter()
Supervisor = Annotated[CurrentUser, Depends(require(Role.supervisor))]
SHOWN = 200  # would-be alerts listed on the back-test page (all are counted)


@router.get("/rules")
def rules_page(request: Request, _: Supervisor, changed: str | None = None) -> Response:
    directory = _rules_dir(request)
    rules = read_rules(directory) if directory else None
    return render(
        request,
        "rules.html",
        directory=directory,
        rules=rules,
        changed=rules.find(changed) if rules and changed else None,
        listing_query=listing_query,
        span=span,
    )


@router.get("/rules/{name}/test")
def test_rule(request: Request, name: str, _: Supervisor, since: str = "") -> Response:
    entry = _rule_file(request, name)
    assert entry.rule is not None
    try:
        start = datetime.now(UTC) - parse_duration(since) if since.strip() else None
    except ValueError as error:
        raise HTTPException(400, str(error)) from None
    with context.index(request) as index:
        fired = backtest(entry.rule, index, start)
    listings = len({item.listing.id for item in fired})
    window = since.strip() or None
    context.audit(request, "rule.test", name, since=window, alerts=len(fired), listings=listings)
    return render(
        request,
        "rules_test.html",
        entry=entry,
        rule=entry.rule,
        query=listing_query(entry.rule),
        since=since.strip(),
        start=start,
        fired=fired[-SHOWN:][::-1],  # the latest first
        total=len(fired),
        listings=listings,
    )


@router.post("/rules/{name}/enabled")
def switch_rule(
    request: Request, name: str, _: Supervisor, enabled: Annotated[str, Form()] = ""
) -> Response:
    wanted = enabled.strip().lower()
    if wanted not in {"true", "false"}:
        raise HTTPException(400, "send enabled=true or enabled=false")
    entry = _rule_file(request, name)
    try:
        rule = set_enabled(entry.path, wanted == "true")
    except RuleEditError as error:
        raise HTTPException(409, f"{entry.path.name}: {error}") from None
    action = "rule.enable" if rule.enabled else "rule.disable"
    context.audit(request, action, name, file=entry.path.name)
    return RedirectResponse(f"/rules?changed={quote(name)}#rule-{quote(name)}", status_code=303)


def span(duration: timedelta) -> str:
    """A rule's duration as its YAML writes it: `30d`, `12h`, `90m`, `45s`."""
    seconds = int(duration.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _rules_dir(request: Request) -> Path | None:
    directory: Path | None = getattr(context.config(request), "rules_dir", None)
    return directory


def _rule_file(request: Request, name: str) -> RuleFile:
    """The file of the valid rule `name`, or 404."""
    directory = _rules_dir(request)
    if directory is None:
        raise HTTPException(404, "no rules directory is configured")
    entry = read_rules(directory).find(name)
    if entry is None or entry.rule is None:
        raise HTTPException(404, f"no valid rule named {name!r} in {directory}")
    return entry
