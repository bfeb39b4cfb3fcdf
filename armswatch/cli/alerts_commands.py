"""`armswatch alerts ...`: triage the alerts and send (or re-send) their deliveries.

Statuses: new, acknowledged (`ack`), escalated (`escalate`), dismissed (`dismiss`); every
change is kept in the alert's notes with who made it. Alert ids may be shortened to any
unique prefix.

Wired in `armswatch.cli.main` with `app.add_typer(alerts_app, name="alerts")`.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from armswatch.cli import exit_codes
from armswatch.cli.rules_commands import rules_or_exit
from armswatch.settings import AppSettings
from rules.alert import ALERT_STATUSES, Alert, AlertStatus, Note
from rules.dispatch import Dispatcher, DispatchReport
from rules.model import window_start
from rules.store import AlertStore

alerts_app = typer.Typer(
    help="Alerts: `list`, `show ID`, `ack|escalate|dismiss ID`, `assign`, `note`, "
    "`deliver`, `retry` (dead letters).",
    no_args_is_help=True,
)
ByOption = Annotated[str | None, typer.Option("--by", help="who acts (default: your login)")]
NoteOption = Annotated[str, typer.Option("--note", help="why, kept with the alert")]
IdsArgument = Annotated[list[str], typer.Argument(help="alert ids (or unique prefixes)")]


def _store() -> AlertStore:
    return AlertStore(AppSettings.from_env().alerts_db)


def _now() -> datetime:
    return datetime.now(UTC)


def _actor(by: str | None) -> str:
    return by or getpass.getuser()


def _find(store: AlertStore, alert_id: str) -> Alert:
    alert = store.find(alert_id)
    if alert is None:
        typer.echo(f"error: no single alert with id {alert_id!r}", err=True)
        raise typer.Exit(exit_codes.NOT_FOUND)
    return alert


@alerts_app.command("list")
def list_alerts(
    status: Annotated[str | None, typer.Option(help=f"one of {', '.join(ALERT_STATUSES)}")] = None,
    rule: Annotated[str | None, typer.Option(help="only this rule's alerts")] = None,
    since: Annotated[str | None, typer.Option(help="created within, e.g. 7d")] = None,
    suppressed: Annotated[bool, typer.Option(help="list the suppressed alerts instead")] = False,
    limit: Annotated[int, typer.Option(min=1)] = 50,
) -> None:
    """List alerts, newest first."""
    if status is not None and status not in ALERT_STATUSES:
        typer.echo(f"error: --status must be one of {', '.join(ALERT_STATUSES)}", err=True)
        raise typer.Exit(exit_codes.BAD_INPUT)
    try:
        start = window_start(since, _now())
    except ValueError as error:
        typer.echo(f"error: --since: {error}", err=True)
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    with _store() as store:
        alerts = store.alerts(
            status=status,  # checked above
            rule=rule,
            since=start,
            suppressed=suppressed,
            limit=limit,
        )
    table = Table("id", "created", "rule", "sev", "status", "reason", "assignee", "market", "title")
    for alert in alerts:
        table.add_row(
            alert.id[:12],
            alert.created_at.strftime("%Y-%m-%d %H:%M"),
            alert.rule,
            alert.severity,
            alert.status,
            f"{alert.reason} v{alert.listing_version}",
            alert.assignee or "",
            alert.listing.market,
            alert.listing.title[:60],
        )
    Console(width=200).print(table)
    typer.echo(f"{len(alerts)} alerts")


@alerts_app.command("show")
def show(alert_id: Annotated[str, typer.Argument(help="alert id or unique prefix")]) -> None:
    """Everything about one alert: the listing, what changed, notes and deliveries."""
    with _store() as store:
        alert = _find(store, alert_id)
        deliveries = store.deliveries(alert_id=alert.id)
    listing = alert.listing
    price = f"{listing.price.amount:g} {listing.price.currency or ''}" if listing.price else "-"
    lines = [
        f"alert     {alert.id}",
        f"rule      {alert.rule} ({alert.severity})",
        f"status    {alert.status}" + (f", assigned to {alert.assignee}" if alert.assignee else ""),
        f"created   {alert.created_at.isoformat()}",
        f"reason    {alert.reason}, listing version {alert.listing_version}",
        f"matched   {', '.join(alert.matched_fields)}",
        f"listing   {listing.id}  {listing.title}",
        f"market    {listing.market} ({listing.source})  {listing.url}",
        f"vendor    {listing.vendor.handle if listing.vendor else '-'}",
        f"price     {price}",
        f"ships     from {', '.join(listing.ships_from) or '-'} to "
        f"{', '.join(listing.ships_to) or '-'}",
        f"evidence  {(listing.evidence and listing.evidence.sha256) or 'not captured'}",
    ]
    entities = listing.annotations.entities if listing.annotations else []
    lines += [
        f"entity    {e.label}: {e.text}" + (f" ({e.normalized})" if e.normalized else "")
        for e in entities
    ]
    lines += [f"changed   {c.field}: {c.before} -> {c.after}" for c in alert.changes]
    lines += [f"note      {n.at:%Y-%m-%d %H:%M} {n.author}: {n.text}" for n in alert.notes]
    lines += [
        f"delivery  #{d.id} {d.channel}: {d.status} after {d.attempts} attempts"
        + (f" ({d.last_error})" if d.last_error else "")
        for d in deliveries
    ]
    typer.echo("\n".join(lines))


def _set_status(ids: list[str], status: AlertStatus, by: str | None, note: str) -> None:
    with _store() as store:
        for alert_id in ids:
            alert = _find(store, alert_id)
            store.set_status(alert.id, status, _actor(by), _now(), note)
            typer.echo(f"{alert.id[:12]}: {alert.status} -> {status}")


@alerts_app.command("ack")
def ack(ids: IdsArgument, by: ByOption = None, note: NoteOption = "") -> None:
    """Acknowledge alerts: seen, being looked at."""
    _set_status(ids, "acknowledged", by, note)


@alerts_app.command("escalate")
def escalate(ids: IdsArgument, by: ByOption = None, note: NoteOption = "") -> None:
    """Escalate alerts to a case."""
    _set_status(ids, "escalated", by, note)


@alerts_app.command("dismiss")
def dismiss(ids: IdsArgument, by: ByOption = None, note: NoteOption = "") -> None:
    """Dismiss alerts (false positives, duplicates of known leads)."""
    _set_status(ids, "dismissed", by, note)


@alerts_app.command("assign")
def assign(
    alert_id: Annotated[str, typer.Argument(help="alert id or unique prefix")],
    assignee: Annotated[str, typer.Argument(help="who takes it ('-' to unassign)")],
    by: ByOption = None,
) -> None:
    """Assign an alert to an officer."""
    with _store() as store:
        alert = _find(store, alert_id)
        store.assign(alert.id, None if assignee == "-" else assignee, _actor(by), _now())
    typer.echo(f"{alert.id[:12]}: assigned to {assignee}")


@alerts_app.command("note")
def add_note(
    alert_id: Annotated[str, typer.Argument(help="alert id or unique prefix")],
    text: Annotated[str, typer.Argument(help="the note")],
    by: ByOption = None,
) -> None:
    """Add a note to an alert."""
    with _store() as store:
        alert = _find(store, alert_id)
        store.add_note(alert.id, Note(at=_now(), author=_actor(by), text=text))
    typer.echo(f"{alert.id[:12]}: note added")


@alerts_app.command("deliver")
def deliver(
    flush_digests: Annotated[
        bool, typer.Option(help="send waiting digests now, before their window ends")
    ] = False,
) -> None:
    """Send the pending deliveries and the digests that are due."""
    _dispatch(lambda dispatcher: dispatcher.run(flush_digests=flush_digests))


@alerts_app.command("retry")
def retry(
    delivery_ids: Annotated[
        list[int] | None, typer.Option("--id", help="only these dead letters (default: all)")
    ] = None,
) -> None:
    """Re-send the dead letters (deliveries that failed every attempt)."""
    _dispatch(lambda dispatcher: dispatcher.retry_dead(delivery_ids or None))


@alerts_app.command("dead-letters")
def dead_letters() -> None:
    """List the deliveries that failed every attempt, with their last error."""
    with _store() as store:
        dead = store.deliveries(status="dead")
    table = Table("id", "rule", "channel", "alerts", "attempts", "last error")
    for delivery in dead:
        table.add_row(
            str(delivery.id),
            delivery.rule,
            delivery.channel,
            str(len(delivery.alert_ids)),
            str(delivery.attempts),
            delivery.last_error or "",
        )
    Console(width=200).print(table)
    typer.echo(f"{len(dead)} dead letters")


def _dispatch(run: Callable[[Dispatcher], DispatchReport]) -> None:
    app = AppSettings.from_env()
    rules = rules_or_exit()
    with AlertStore(app.alerts_db) as store:
        dispatcher = Dispatcher(
            rules, store, data_dir=app.data_dir, dashboard_url=app.dashboard_url
        )
        report = run(dispatcher)
    for error in report.errors:
        typer.echo(f"dead letter: {error}", err=True)
    typer.echo(
        f"delivered {report.delivered}, dead letters {report.dead}, digests {report.digests}"
    )
    if report.dead:
        raise typer.Exit(exit_codes.FAILED)
