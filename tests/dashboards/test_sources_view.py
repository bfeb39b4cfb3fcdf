"""The sources view (health of each source, its crawl runs and errors) and the CAPTCHA tasks,
for supervisors only."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from parsel import Selector

from armswatch.demo.captcha_image import captcha_answer, captcha_png
from armswatch.health import judge
from armswatch.runs import CrawlRun, RunStore
from crawlers.challenges.store import CaptchaStore
from crawlers.source_loader import load_all
from dashboards.audit import AuditLog
from dashboards.roles import Role
from tests.dashboards.conftest import REPO, LoggedIn, log_in, make_app

NOW = datetime.now(UTC)


def crawl_run(
    source: str,
    *,
    days_ago: float = 0.0,
    reason: str = "finished",
    pages: int = 12,
    listings: int = 40,
    errors: int = 0,
    stats: dict[str, Any] | None = None,
    first_error: str | None = None,
) -> CrawlRun:
    finished = NOW - timedelta(days=days_ago)
    return CrawlRun(
        source=source,
        started_at=finished - timedelta(minutes=3),
        finished_at=finished,
        finish_reason=reason,
        pages=pages,
        listings=listings,
        new=listings // 4,
        changed=1,
        errors=errors,
        bytes=2_500_000,
        duration=180.0,
        stats={"finish_reason": reason, **(stats or {})},
        removed=2,
        first_error=first_error,
    )


def record_runs(data_dir: Path, *runs: CrawlRun) -> None:
    """Runs oldest first, as crawls record them."""
    store = RunStore(data_dir / "runs.db")
    try:
        for run in runs:
            store.add(run)
    finally:
        store.close()


def rows(page: str) -> dict[str, Selector]:
    """The sources table's rows by source name."""
    return {
        str(row.attrib["data-source"]): row for row in Selector(page).css("table.sources tbody tr")
    }


def text(node: Selector) -> str:
    return " ".join(" ".join(node.css("::text").getall()).split())


@pytest.fixture
def supervisor(tmp_path: Path) -> LoggedIn:
    return log_in(make_app(tmp_path), Role.supervisor)


# --- health over the demo crawl ---------------------------------------------------------------


def test_every_configured_source_is_listed_with_its_judged_health(
    demo_app: FastAPI, demo_data: Path
) -> None:
    page = log_in(demo_app, Role.supervisor).client.get("/sources")
    assert page.status_code == 200
    found = rows(page.text)
    configured = load_all([REPO / "sources"])
    assert set(configured) <= set(found)
    store = RunStore(demo_data / "runs.db")
    try:
        crawled = store.sources()
        assert {"demo-market", "demo-forum", "demo-classifieds"} <= set(crawled)
        for name in configured:
            expected = judge(name, store.recent(name, 50), datetime.now(UTC)).state
            assert text(found[name].css(".state")[0]) == expected, name
        last = store.recent("demo-market", 1)[0]
    finally:
        store.close()
    market = text(found["demo-market"])
    assert last.outcome in market
    assert str(last.listings) in market
    assert "never run" in text(found["demo-onion"])


def test_a_source_page_lists_its_crawl_runs(demo_app: FastAPI, demo_data: Path) -> None:
    page = log_in(demo_app, Role.supervisor).client.get("/sources/demo-forum")
    assert page.status_code == 200
    store = RunStore(demo_data / "runs.db")
    try:
        runs = store.recent("demo-forum", 50)
    finally:
        store.close()
    shown = Selector(page.text).css("table.runs tbody tr")
    assert len(shown) == len(runs) > 0
    cells = [text(cell) for cell in shown[0].css("td")]
    latest = runs[0]
    assert cells[2].startswith(latest.outcome)
    assert cells[3:9] == [
        str(value)
        for value in (
            latest.pages,
            latest.listings,
            latest.new,
            latest.changed,
            latest.removed,
            latest.errors,
        )
    ]


# --- health states, errors ---------------------------------------------------------------------


def test_each_health_state_is_shown_with_its_reason(tmp_path: Path, supervisor: LoggedIn) -> None:
    index_stats = {"armswatch/pages/index": 12}
    record_runs(
        tmp_path,
        crawl_run("demo-market", days_ago=3),
        crawl_run("demo-market", days_ago=2),
        crawl_run("demo-market", days_ago=1, listings=0, stats=index_stats),
        *(crawl_run("demo-forum", days_ago=day, reason="shutdown", pages=0) for day in (3, 2, 1)),
        crawl_run("demo-classifieds", days_ago=10),
        crawl_run("retired-market", days_ago=0.1),
    )
    page = supervisor.client.get("/sources")
    found = rows(page.text)
    states = {name: text(row.css(".state")[0]) for name, row in found.items()}
    assert states["demo-market"] == "broken"
    assert "selectors no longer match" in text(found["demo-market"])
    assert "check the index selectors" in text(found["demo-market"])
    assert states["demo-forum"] == "failing"
    assert states["demo-classifieds"] == "stale"
    assert "no run has succeeded for 10 days" in text(found["demo-classifieds"])
    assert states["retired-market"] == "ok"
    assert "not configured" in text(found["retired-market"])
    assert states["demo-onion"] == "never run"
    attention = text(Selector(page.text).css(".attention")[0])
    assert "demo-market (broken)" in attention and "demo-forum (failing)" in attention
    assert "demo-classifieds" not in attention


def test_a_run_shows_its_errors_by_kind_and_failure_reason(
    tmp_path: Path, supervisor: LoggedIn
) -> None:
    stats = {
        "log_count/ERROR": 2,
        "downloader/exception_type_count/twisted.internet.error.TimeoutError": 4,
        "downloader/response_status_count/503": 7,
    }
    failed = crawl_run(
        "demo-forum", reason="shutdown", errors=2, stats=stats, first_error="login form gone"
    )
    record_runs(tmp_path, crawl_run("demo-forum", days_ago=1), failed)
    page = supervisor.client.get("/sources/demo-forum")
    runs = Selector(page.text).css("table.runs tbody tr")
    assert len(runs) == 2
    latest = text(runs[0])
    for shown in ("failed", "logged errors 2", "download TimeoutError 4", "http 503 7"):
        assert shown in latest
    assert "shutdown: login form gone" in latest
    assert "complete" in text(runs[1]) and "login form gone" not in text(runs[1])
    state = text(Selector(page.text).css("h1 .state")[0])
    assert state == "warning"
    assert "the last run failed or fetched no page: shutdown: login form gone" in page.text


def test_the_source_page_shows_only_its_own_recent_errors(
    tmp_path: Path, supervisor: LoggedIn
) -> None:
    record_runs(tmp_path, crawl_run("demo-forum"))
    logs = tmp_path / "logs"
    logs.mkdir()
    records = [
        {"time": (NOW - timedelta(minutes=9)).isoformat(), "level": "error",
         "message": "older failure", "source": "demo-forum"},
        {"time": (NOW - timedelta(minutes=5)).isoformat(), "level": "info",
         "message": "an info line", "source": "demo-forum"},
        {"time": (NOW - timedelta(minutes=4)).isoformat(), "level": "error",
         "message": "a market's failure", "source": "demo-market"},
        {"time": (NOW - timedelta(minutes=2)).isoformat(), "level": "error",
         "message": "newer failure", "spider": "<SourceSpider 'demo-forum' at 0x7f>"},
    ]  # fmt: skip
    (logs / "armswatch.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    page = supervisor.client.get("/sources/demo-forum")
    messages = [
        text(row.css("td.message")[0]) for row in Selector(page.text).css("table.errors tr")[1:]
    ]
    assert messages == ["newer failure", "older failure"]


def test_an_unknown_source_is_not_found(supervisor: LoggedIn) -> None:
    answer = supervisor.client.get("/sources/no-such-source")
    assert answer.status_code == 404
    assert "no source named" in answer.text


# --- CAPTCHA tasks -----------------------------------------------------------------------------


def test_a_captcha_task_is_shown_answered_and_closed(tmp_path: Path, supervisor: LoggedIn) -> None:
    store = CaptchaStore(tmp_path / "captcha.db")
    image = captcha_png("dashboard-test")
    task = store.file("demo-onion", "buyer-1", "http://market.onion/login", image)
    page = supervisor.client.get("/captcha")
    form = Selector(page.text).css(f"form[data-task='{task.id}']")
    assert form and form.css("img::attr(src)").get() == f"/captcha/{task.id}/image"
    assert "demo-onion" in text(form[0]) and "buyer-1" in text(form[0])
    sources = Selector(supervisor.client.get("/sources").text)
    assert sources.css("[data-testid=open-tasks]::text").get() == "1"

    served = supervisor.client.get(f"/captcha/{task.id}/image")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.content == image

    answer = captcha_answer("dashboard-test")
    done = supervisor.client.post(
        f"/captcha/{task.id}",
        data={"answer": answer.lower(), "csrf_token": supervisor.csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303
    solved = store.get(task.id)
    assert solved is not None and solved.status == "answered"
    assert solved.answer == answer.lower()
    after = supervisor.client.get(done.headers["location"])
    assert not Selector(after.text).css(f"form[data-task='{task.id}']")
    assert "is recorded" in after.text

    again = supervisor.client.post(
        f"/captcha/{task.id}", data={"answer": "XXXXX", "csrf_token": supervisor.csrf}
    )
    assert again.status_code == 409
    assert "already answered" in again.text
    assert store.get(task.id).answer == answer.lower()  # type: ignore[union-attr]

    entries = AuditLog(tmp_path / "audit.db").entries(action="captcha.solve")
    assert len(entries) == 1
    assert entries[0].target == task.id and entries[0].detail["source"] == "demo-onion"
    assert answer.lower() not in entries[0].detail_json


def test_unknown_tasks_and_empty_answers_are_refused(tmp_path: Path, supervisor: LoggedIn) -> None:
    assert supervisor.client.get("/captcha/0000/image").status_code == 404  # no store yet
    assert "No CAPTCHA task is waiting" in supervisor.client.get("/captcha").text
    store = CaptchaStore(tmp_path / "captcha.db")
    task = store.file("demo-onion", None, "http://market.onion/", captcha_png("empty"))
    assert supervisor.client.get("/captcha/deadbeef/image").status_code == 404
    unknown = supervisor.client.post(
        "/captcha/deadbeef", data={"answer": "ABCDE", "csrf_token": supervisor.csrf}
    )
    assert unknown.status_code == 404 and "no CAPTCHA task" in unknown.text
    empty = supervisor.client.post(
        f"/captcha/{task.id}", data={"answer": "  ", "csrf_token": supervisor.csrf}
    )
    assert empty.status_code == 400
    assert store.get(task.id).status == "open"  # type: ignore[union-attr]


def test_an_image_is_served_from_the_image_directory_only(
    tmp_path: Path, supervisor: LoggedIn
) -> None:
    store = CaptchaStore(tmp_path / "captcha.db")
    task = store.file("demo-onion", None, "http://market.onion/", captcha_png("moved"))
    elsewhere = tmp_path / "elsewhere.png"
    elsewhere.write_bytes(b"\x89PNG not the task's image")
    with closing(sqlite3.connect(store.db_path)) as db, db:  # recorded outside the directory
        db.execute(
            "UPDATE captcha_tasks SET image_path = ? WHERE id = ?", (str(elsewhere), task.id)
        )
    served = supervisor.client.get(f"/captcha/{task.id}/image")
    assert served.status_code == 404
    assert "missing" in served.text


# --- roles -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/sources"),
        ("GET", "/sources/demo-market"),
        ("GET", "/captcha"),
        ("GET", "/captcha/{task}/image"),
        ("POST", "/captcha/{task}"),
    ],
)
def test_analysts_are_refused(tmp_path: Path, method: str, path: str) -> None:
    task = CaptchaStore(tmp_path / "captcha.db").file(
        "demo-onion", None, "http://market.onion/", captcha_png("refused")
    )
    analyst = log_in(make_app(tmp_path), Role.analyst)
    answer = analyst.client.request(
        method,
        path.format(task=task.id),
        data={"answer": "ABCDE", "csrf_token": analyst.csrf} if method == "POST" else None,
    )
    assert answer.status_code == 403
    assert CaptchaStore(tmp_path / "captcha.db").get(task.id).status == "open"  # type: ignore[union-attr]
