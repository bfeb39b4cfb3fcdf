"""`armswatch captcha ...`: the CAPTCHAs crawls are waiting on, and an analyst's answers.

A crawl that meets a CAPTCHA pauses that source and files a task with the image; the analyst
opens the image, reads it and answers with `armswatch captcha solve ID ANSWER`; the crawl
submits the answer and resumes. No third-party solving service is involved.

Wired in `armswatch.cli.main` with `app.add_typer(captcha_app, name="captcha")`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from armswatch.cli import exit_codes
from armswatch.settings import AppSettings
from crawlers.challenges.store import (
    CaptchaStore,
    CaptchaTask,
    CaptchaTaskError,
    UnknownTaskError,
)

captcha_app = typer.Typer(
    help="Answer the CAPTCHAs that paused crawls (`list`, then `solve ID ANSWER`).",
    no_args_is_help=True,
)


def open_tasks(app: AppSettings) -> list[CaptchaTask]:
    """The tasks waiting for an answer, oldest first."""
    if not app.captcha_db.exists():
        return []
    return CaptchaStore(app.captcha_db).open_tasks()


def solve_task(app: AppSettings, task_id: str, answer: str) -> CaptchaTask:
    """Record the answer; CaptchaTaskError for an unknown or already closed task."""
    if not app.captcha_db.exists():
        raise UnknownTaskError(f"no CAPTCHA task {task_id!r}: no crawl has filed any yet")
    return CaptchaStore(app.captcha_db).solve(task_id, answer)


@captcha_app.command("list")
def list_tasks() -> None:
    """List the open CAPTCHA tasks: id, source, persona, age and the image to look at."""
    tasks = open_tasks(AppSettings.from_env())
    if not tasks:
        typer.echo("no open CAPTCHA tasks")
        return
    now = datetime.now(UTC)
    table = Table("id", "source", "persona", "age", "image", "page")
    for task in tasks:
        table.add_row(
            task.id,
            task.source,
            task.persona or "",
            _age(task.age_seconds(now)),
            str(task.image_path),
            task.page_url,
        )
    Console(width=200).print(table)


@captcha_app.command("solve")
def solve(
    task_id: Annotated[str, typer.Argument(help="the task id `armswatch captcha list` shows")],
    answer: Annotated[str, typer.Argument(help="the characters the image shows")],
) -> None:
    """Answer an open CAPTCHA task; the waiting crawl submits the answer and resumes."""
    try:
        task = solve_task(AppSettings.from_env(), task_id, answer)
    except CaptchaTaskError as error:
        typer.echo(f"error: {error}", err=True)
        unknown = isinstance(error, UnknownTaskError)
        raise typer.Exit(exit_codes.NOT_FOUND if unknown else exit_codes.BAD_INPUT) from None
    typer.echo(f"answered CAPTCHA task {task.id} of {task.source}; the crawl resumes")


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
