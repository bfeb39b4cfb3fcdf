"""Sources and CAPTCHA tasks, for supervisors.

- `GET /sources`: each source's health (broken, failing, stale, unreachable, warning, ok,
  never run) and why, its last run and last success, and what is wrong in the definitions.
- `GET /sources/{name}`: the source's crawl runs and the errors its crawls logged lately.
- `GET /captcha`: the CAPTCHA tasks crawls are waiting on, each image with an answer form;
  `GET /captcha/{id}/image` serves a task's image; `POST /captcha/{id}` records the answer
  (audited as `captcha.solve`: the task and its source, never the answer's text).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import FileResponse, RedirectResponse, Response

from crawlers.challenges.store import (
    CaptchaStore,
    CaptchaTask,
    CaptchaTaskError,
    UnknownTaskError,
)
from dashboards import context
from dashboards.roles import Role
from dashboards.security import CurrentUser, require
from dashboards.templating import render

router = APIRouter()
Supervisor = Annotated[CurrentUser, Depends(require(Role.supervisor))]
RUNS_SHOWN = 50
ERRORS_SHOWN = 30
# the image types a crawl files (`crawlers.challenges.store`), by the suffix it gives them
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".gif": "image/gif"}


@router.get("/sources")
def sources_page(request: Request, _: Supervisor) -> Response:
    health = context.services(request).crawl_health
    statuses = health.health()
    return render(
        request,
        "sources.html",
        statuses=statuses,
        problems=health.config_problems(),
        alarming=[status for status in statuses if status.alarming],
        open_tasks=len(_open_tasks(request)),
        when=when,
        ago=ago,
    )


@router.get("/sources/{name}")
def source_page(request: Request, name: str, _: Supervisor) -> Response:
    health = context.services(request).crawl_health
    status = health.source_health(name)
    if status is None:
        raise HTTPException(404, f"no source named {name!r} is configured or has crawl runs")
    return render(
        request,
        "source.html",
        status=status,
        runs=health.runs(name, limit=RUNS_SHOWN),
        errors=health.recent_errors(name, limit=ERRORS_SHOWN),
        open_tasks=[task for task in _open_tasks(request) if task.source == name],
        when=when,
        ago=ago,
    )


@router.get("/captcha")
def captcha_page(request: Request, _: Supervisor, answered: str | None = None) -> Response:
    store = _captcha_store(request)
    answered_task = store.get(answered) if answered and store.db_path.exists() else None
    return render(
        request,
        "captcha.html",
        tasks=_open_tasks(request),
        answered=answered_task,
        ago=ago,
    )


@router.get("/captcha/{task_id}/image")
def captcha_image(request: Request, task_id: str, _: Supervisor) -> Response:
    """The task's image, from the store's image directory only (the path recorded in the
    database is not trusted to stay inside it)."""
    store = _captcha_store(request)
    task = _task_or_404(store, task_id)
    path = store.images_dir / task.image_path.name
    media_type = IMAGE_TYPES.get(path.suffix.lower())
    if media_type is None:
        raise HTTPException(415, f"the image of CAPTCHA task {task_id} is of an unknown type")
    if not path.is_file():
        raise HTTPException(404, f"the image of CAPTCHA task {task_id} is missing")
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    return FileResponse(path, media_type=media_type, headers=headers)


@router.post("/captcha/{task_id}")
def answer_captcha(
    request: Request, task_id: str, _: Supervisor, answer: Annotated[str, Form()] = ""
) -> Response:
    store = _captcha_store(request)
    _task_or_404(store, task_id)
    if not answer.strip():
        raise HTTPException(400, "the answer is empty: type the characters the image shows")
    try:
        task = store.solve(task_id, answer)
    except UnknownTaskError:
        raise HTTPException(404, f"no CAPTCHA task {task_id!r}") from None
    except CaptchaTaskError as error:
        raise HTTPException(409, f"{error}: its crawl no longer waits for an answer") from None
    context.audit(request, "captcha.solve", task.id, source=task.source, answered=True)
    return RedirectResponse(f"/captcha?answered={task.id}", status_code=303)


def when(moment: datetime | None) -> str:
    """A moment in UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "-"


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """How long ago, roughly: `40 s ago`, `3 h ago`, `2 d ago`."""
    if moment is None:
        return "never"
    seconds = max(((now or datetime.now(UTC)) - moment).total_seconds(), 0)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit} ago"
    return f"{seconds:.0f} s ago"


def _captcha_store(request: Request) -> CaptchaStore:
    return CaptchaStore(context.config(request).captcha_db)


def _open_tasks(request: Request) -> list[CaptchaTask]:
    """The open tasks, oldest first (none before a crawl first filed one)."""
    if not context.config(request).captcha_db.exists():
        return []
    return _captcha_store(request).open_tasks()


def _task_or_404(store: CaptchaStore, task_id: str) -> CaptchaTask:
    task = store.get(task_id) if store.db_path.exists() else None
    if task is None:
        raise HTTPException(404, f"no CAPTCHA task {task_id!r}")
    return task
