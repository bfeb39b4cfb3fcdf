"""Checks on parsed pages: nesting depth, missing text, long fields, CPU."""

from __future__ import annotations

from collections import Counter
from typing import Any

from scrapy.http import HtmlResponse

from crawlers.safety.pages import MAX_CPU_STAT, PageChecks, nested_at_least
from crawlers.source import Limits
from tests.index.conftest import build_listing


class Stats:
    def __init__(self) -> None:
        self.values: Counter[str] = Counter()
        self.maxima: dict[str, Any] = {}

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] += count

    def max_value(self, key: str, value: Any) -> None:
        self.maxima[key] = max(self.maxima.get(key, value), value)


def html(body: str) -> HtmlResponse:
    return HtmlResponse("http://m.onion/listing/1", body=body.encode(), encoding="utf-8")


def test_nesting_depth_is_told_at_the_budget() -> None:
    root = html("<html><body>" + "<div>" * 50 + "</div>" * 50 + "</body></html>").selector.root
    assert nested_at_least(root, 52)  # html, body, 50 divs
    assert not nested_at_least(root, 53)
    assert nested_at_least(root, 10)


def test_a_page_nested_past_the_parser_is_flagged_twice() -> None:
    """lxml keeps 2,048 levels of 200,000 and drops the rest, the description with them."""
    deep = "<div>" * 200_000 + "<p class='description'>inner</p>" + "</div>" * 200_000
    response = html(f"<html><body><h1>Deep</h1>{deep}</body></html>")
    stats = Stats()
    PageChecks(Limits(), stats).check(response)
    assert response.xpath("//p[@class='description']").get() is None  # cut, silently
    assert stats.values["armswatch/anomalies/parse_too_deep"] == 1
    assert stats.values["armswatch/anomalies/text_much_shorter"] == 1
    assert stats.values["armswatch/anomalies"] == 2


def test_an_ordinary_page_is_not_flagged() -> None:
    text = "<p>Glock 19 slide, stripped, ships from Germany.</p>" * 2000  # about 100 KB
    stats = Stats()
    PageChecks(Limits(), stats).check(html(f"<html><body><h1>Slide</h1>{text}</body></html>"))
    assert not stats.values


def test_long_fields_are_cut_and_counted() -> None:
    stats = Stats()
    checks = PageChecks(Limits(max_field_chars=1000), stats)
    listing = build_listing("a").model_copy(update={"description": "x" * 5000})
    capped = checks.cap_fields(listing)
    assert capped.description == "x" * 1000 and capped.title == listing.title
    assert stats.values["armswatch/anomalies/text_node_too_large"] == 1
    assert checks.cap_fields(capped) == capped


def test_cpu_per_page_is_kept_and_a_slow_page_flagged() -> None:
    stats = Stats()
    checks = PageChecks(Limits(parse_seconds=0.001), stats)
    checks.spent(-10.0, "http://m.onion/slow")  # started long ago: ten seconds and more
    assert stats.maxima[MAX_CPU_STAT] >= 10
    assert stats.values["armswatch/anomalies/parse_too_slow"] == 1
