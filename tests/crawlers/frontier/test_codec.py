"""Requests to bytes and back: the spider's own requests, browser requests among them."""

from __future__ import annotations

from scrapy import Request
from scrapy_playwright.page import PageMethod

from crawlers.browser.capture import capped_screenshot
from crawlers.frontier import codec
from crawlers.source import Source
from tests.crawlers.frontier.conftest import board_requests, page, spider_of


def not_a_method(response: object) -> None:
    """A callback that is no spider method: Scrapy cannot name it for storage."""


def fields(request: Request) -> dict[str, object]:
    return {
        "url": request.url,
        "callback": getattr(request.callback, "__name__", None),
        "errback": getattr(request.errback, "__name__", None),
        "cb_kwargs": request.cb_kwargs,
        "priority": request.priority,
        "dont_filter": request.dont_filter,
        "headers": dict(request.headers),
    }


def round_trip(request: Request, spider: object) -> Request:
    data = codec.encode(request, spider)  # type: ignore[arg-type]
    assert data is not None, f"{request} could not be stored"
    return codec.decode(data, spider)  # type: ignore[arg-type]


def test_the_spiders_static_requests_come_back_bound_to_the_spider(forum: Source) -> None:
    spider = spider_of(forum)
    requests = board_requests(spider)
    callbacks = {request.callback.__name__ for request in requests}  # type: ignore[union-attr]
    assert callbacks == {"parse_detail", "parse_index"}
    for request in requests:
        again = round_trip(request, spider)
        assert fields(again) == fields(request)
        assert again.meta == request.meta
        assert again.callback == request.callback  # the same spider's bound method


def test_a_vendor_request_keeps_its_callback_arguments(forum: Source) -> None:
    spider = spider_of(forum)
    detail = next(r for r in board_requests(spider) if r.callback == spider.parse_detail)
    output = list(spider.parse_detail(page(detail.url, detail)))
    vendor = next(o for o in output if isinstance(o, Request))
    again = round_trip(vendor, spider)
    assert again.callback == spider.parse_vendor
    assert again.cb_kwargs == vendor.cb_kwargs and "handle" in again.cb_kwargs


def test_browser_requests_keep_their_page_methods_and_errback(forum: Source) -> None:
    spider = spider_of(forum.model_copy(update={"render": "browser"}))
    detail = next(r for r in board_requests(spider) if r.callback == spider.parse_detail)
    methods = detail.meta["playwright_page_methods"]
    assert any(method.method is capped_screenshot for method in methods)
    again = round_trip(detail, spider)
    assert again.errback == spider.on_browser_error
    assert again.meta["playwright"] is True
    copies = again.meta["playwright_page_methods"]
    assert [(m.method, m.args, m.kwargs) for m in copies] == [
        (m.method, m.args, m.kwargs) for m in methods
    ]
    assert all(isinstance(m, PageMethod) and m not in methods for m in copies)  # new objects


def test_credentials_are_never_stored(forum: Source) -> None:
    spider = spider_of(forum)
    request = Request(
        "http://127.0.0.1:8302/",
        callback=spider.parse_index,
        headers={"Cookie": "session=1", "Proxy-Authorization": "Basic x", "Referer": "/"},
    )
    data = codec.encode(request, spider)
    assert data is not None and b"session=1" not in data and b"Basic x" not in data
    assert dict(codec.decode(data, spider).headers) == {b"Referer": [b"/"]}


def test_what_cannot_be_stored_encodes_to_none(forum: Source) -> None:
    spider = spider_of(forum)
    assert codec.encode(Request("http://x/", callback=not_a_method), spider) is None
    unpicklable = Request("http://x/", callback=spider.parse_index, meta={"lock": object})
    unpicklable.meta["generator"] = (n for n in range(3))
    assert codec.encode(unpicklable, spider) is None
