"""A supervisor in Chromium: the sources page, one source's runs, a CAPTCHA answered, the
rules page and a back-test (screenshots of each under `.cache/dashboard-screenshots/`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from armswatch.demo.captcha_image import captcha_answer, captcha_png
from armswatch.runs import RunStore
from crawlers.challenges.store import CaptchaStore
from dashboards.roles import Role
from tests.dashboards.conftest import save_screenshot

Page = Any  # playwright.sync_api.Page


def test_a_supervisor_reads_source_health_and_opens_a_source(
    page_as: Callable[[Role], Page], browser_data: Path
) -> None:
    page = page_as(Role.supervisor)
    page.goto("/sources")
    rows = page.locator("table.sources tbody tr")
    assert rows.count() >= 3
    market = page.locator("tr[data-source='demo-market']")
    assert market.locator(".state").inner_text() == "ok"
    save_screenshot(page, "sources")

    market.get_by_role("link", name="demo-market").click()
    page.wait_for_url("**/sources/demo-market")
    store = RunStore(browser_data / "runs.db")
    try:
        runs = store.recent("demo-market", 50)
    finally:
        store.close()
    assert page.locator("table.runs tbody tr").count() == len(runs)
    first = page.locator("table.runs tbody tr").first.locator("td")
    assert first.nth(4).inner_text() == str(runs[0].listings)
    save_screenshot(page, "source")


def test_a_supervisor_answers_a_captcha_task(
    page_as: Callable[[Role], Page], browser_data: Path
) -> None:
    store = CaptchaStore(browser_data / "captcha.db")
    task = store.file(
        "demo-onion", "buyer-1", "http://market.onion/login", captcha_png(task_seed())
    )
    page = page_as(Role.supervisor)
    page.goto("/sources")
    page.get_by_role("link", name="CAPTCHA tasks").click()
    page.wait_for_url("**/captcha")
    form = page.locator(f"form[data-task='{task.id}']")
    image = form.locator("img")
    image.wait_for()
    assert page.evaluate("(img) => img.complete && img.naturalWidth", image.element_handle()) > 0
    form.locator("input[name=answer]").fill(captcha_answer(task_seed()))
    save_screenshot(page, "captcha")
    form.get_by_role("button", name="Submit answer").click()
    page.wait_for_url(f"**/captcha?answered={task.id}")
    assert page.locator(f"form[data-task='{task.id}']").count() == 0
    assert "is recorded" in page.locator(".notice").inner_text()
    solved = store.get(task.id)
    assert solved is not None and solved.status == "answered"
    assert solved.answer == captcha_answer(task_seed())


def test_a_supervisor_reads_the_rules_and_back_tests_one(
    page_as: Callable[[Role], Page], browser_app: FastAPI
) -> None:
    page = page_as(Role.supervisor)
    page.goto("/rules")
    card = page.locator("section.rule[data-file='auto-sears.yaml']")
    assert "critical" in card.inner_text()
    save_screenshot(page, "rules")
    card.get_by_role("link", name="Back-test").click()
    page.wait_for_url("**/rules/auto-sears/test")
    summary = page.locator("[data-testid=summary]").inner_text()
    assert "would have fired" in summary and "nothing was sent" in summary
    assert page.locator("table.backtest tbody tr").count() > 0
    save_screenshot(page, "rule-test")


def task_seed() -> str:
    return "browser-test"
