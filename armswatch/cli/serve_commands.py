"""`armswatch serve`: the analysts' dashboard on a local address; `armswatch users ...`:
its accounts (add, passwd, role, disable, enable, list).

Wired in `armswatch.cli.main`.
"""

from __future__ import annotations

import getpass
import secrets
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from armswatch.cli import exit_codes
from armswatch.dashboard_services import dashboard_config, dashboard_services
from armswatch.settings import AppSettings
from dashboards.accounts import AccountError, AccountStore
from dashboards.audit import AuditLog
from dashboards.roles import Role

users_app = typer.Typer(
    help="Dashboard accounts: add, passwd, role, disable, enable, list.", no_args_is_help=True
)
DEMO_ACCOUNT = "demo-analyst"


def serve(
    host: Annotated[str, typer.Option(help="the address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    secure_cookies: Annotated[
        bool,
        typer.Option(
            "--secure-cookies",
            help="send session cookies over HTTPS only (behind a TLS reverse proxy)",
        ),
    ] = False,
    demo_account: Annotated[
        bool,
        typer.Option(
            "--demo-account",
            help=f"give the account {DEMO_ACCOUNT!r} (a supervisor) a new random password "
            "and print it",
        ),
    ] = False,
) -> None:
    """Serve the dashboard until Ctrl-C; open the printed address in a browser."""
    import uvicorn

    from dashboards.app import create_app

    app = AppSettings.from_env()
    config = dashboard_config(app, secure_cookies=secure_cookies)
    console = Console()
    accounts = AccountStore(config.accounts_db)
    if demo_account:
        password = _demo_password(accounts, config.audit_db)
        console.print(
            f"demo account: [bold]{DEMO_ACCOUNT}[/bold] password: [bold]{password}[/bold]"
        )
    elif not accounts.all():
        console.print("[yellow]no accounts yet[/yellow]: add one with `armswatch users add NAME`")
    console.print(f"dashboard: [bold]http://{host}:{port}/[/bold] (Ctrl-C stops)")
    server = create_app(config, dashboard_services(app))
    uvicorn.run(server, host=host, port=port, log_level="warning", proxy_headers=False)


def _demo_password(accounts: AccountStore, audit_db: object) -> str:
    password = secrets.token_urlsafe(12)
    if accounts.get(DEMO_ACCOUNT) is None:
        accounts.add(DEMO_ACCOUNT, Role.supervisor, password)
        action = "account.add"
    else:
        accounts.set_password(DEMO_ACCOUNT, password)
        accounts.set_disabled(DEMO_ACCOUNT, False)
        action = "account.passwd"
    _audit(action, DEMO_ACCOUNT, role=Role.supervisor.name)
    return password


def _audit(action: str, target: str, **detail: str) -> None:
    config = dashboard_config(AppSettings.from_env())
    AuditLog(config.audit_db).record(_operator(), action, target, "command line", **detail)


def _operator() -> str:
    return f"cli:{getpass.getuser()}"


def _store() -> AccountStore:
    return AccountStore(dashboard_config(AppSettings.from_env()).accounts_db)


def _new_password(given: str | None) -> str:
    if given:
        return given
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        typer.echo("the passwords differ; nothing changed", err=True)
        raise typer.Exit(exit_codes.BAD_INPUT)
    return first


PasswordOption = Annotated[
    str | None,
    typer.Option(
        "--password",
        envvar="ARMSWATCH_NEW_PASSWORD",
        help="the password (else asked for; from ARMSWATCH_NEW_PASSWORD in scripts)",
    ),
]


@users_app.command("add")
def add(
    username: str,
    role: Annotated[str, typer.Option(help="analyst, supervisor or administrator")] = "analyst",
    password: PasswordOption = None,
) -> None:
    """Add an account."""
    try:
        account = _store().add(username, Role.parse(role), _new_password(password))
    except (AccountError, ValueError) as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    _audit("account.add", account.username, role=account.role.name)
    typer.echo(f"added {account.username} ({account.role.name})")


@users_app.command("passwd")
def passwd(username: str, password: PasswordOption = None) -> None:
    """Set an account's password (its open sessions end)."""
    _change(lambda store: store.set_password(username, _new_password(password)), "account.passwd")


@users_app.command("role")
def role(username: str, new_role: Annotated[str, typer.Argument(metavar="ROLE")]) -> None:
    """Give an account another role (its open sessions end)."""
    _change(lambda store: store.set_role(username, Role.parse(new_role)), "account.role")


@users_app.command("disable")
def disable(username: str) -> None:
    """Disable an account: it can no longer log in and its open sessions end."""
    _change(lambda store: store.set_disabled(username, True), "account.disable")


@users_app.command("enable")
def enable(username: str) -> None:
    """Enable a disabled account again."""
    _change(lambda store: store.set_disabled(username, False), "account.enable")


@users_app.command("list")
def list_users() -> None:
    """List the accounts: name, role, state, created."""
    table = Table("account", "role", "state", "created")
    for account in _store().all():
        state = "disabled" if account.disabled else "active"
        table.add_row(account.username, account.role.name, state, account.created_at.isoformat())
    Console().print(table)


def _change(change: object, action: str) -> None:
    try:
        account = change(_store())  # type: ignore[operator]
    except (AccountError, ValueError) as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(
            exit_codes.NOT_FOUND if "no account" in str(error) else exit_codes.BAD_INPUT
        ) from None
    _audit(action, account.username, role=account.role.name)
    typer.echo(f"{action.split('.')[1]}: {account.username} ({account.role.name}, "
               f"{'disabled' if account.disabled else 'active'})")  # fmt: skip
