"""The trends page in Chromium: every chart is drawn by the vendored Chart.js (the category
bars, the price ranges, the route flows) and the route matrix is shaded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dashboards.roles import Role
from tests.dashboards.conftest import save_screenshot

CHARTS = ("chart-categories", "chart-prices", "chart-flows")


def test_an_analyst_sees_the_trend_charts_drawn(page_as: Callable[[Role], Any]) -> None:
    page = page_as(Role.analyst)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/trends?since=all&interval=week")
    page.wait_for_selector("main[data-charts-drawn]")
    assert errors == []
    assert page.get_attribute("main", "data-charts-drawn") == str(len(CHARTS))
    assert page.evaluate("typeof window.Chart") == "function"
    for chart in CHARTS:
        drawn = page.evaluate(
            "id => { const c = Chart.getChart(id); return c ? [c.config.type, c.width] : null }",
            chart,
        )
        assert drawn is not None, f"no chart on #{chart}"
        assert drawn[1] > 0
    assert page.evaluate("Chart.getChart('chart-flows').config.type") == "sankey"
    assert page.locator("table.route-matrix td.heat-5").count() >= 1
    save_screenshot(page, "trends")

    page.select_option("select[name=category]", "firearm")
    page.click("form.trend-filters button[type=submit]")
    page.wait_for_url("**/trends?category=firearm**")
    page.wait_for_selector("main[data-charts-drawn]")
    legend = page.evaluate("Chart.getChart('chart-categories').data.datasets.map(d => d.label)")
    assert legend == ["firearm"]
