"""A request is done only when everything its response produced has been handed on."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse

from crawlers.frontier.accounting import START, UNKNOWN, Accounting, Work


class Done(list[Request]):
    def __call__(self, request: Request) -> None:
        self.append(request)


def response_to(url: str) -> tuple[Request, HtmlResponse]:
    request = Request(url)
    return request, HtmlResponse(url, body=b"<html></html>", request=request)


def test_done_once_parsed_children_stored_and_items_through_the_pipelines() -> None:
    done = Done()
    accounting = Accounting(done)
    request, response = response_to("http://forum/board")
    child, item = Request("http://forum/thread/1"), {"title": "a listing"}
    accounting.output(response, child)
    accounting.output(response, item)
    accounting.parsed(response)
    assert done == []
    origin = accounting.claim(child)
    assert isinstance(origin, Work) and origin.request is request
    assert accounting.claim(child) is UNKNOWN  # asked once per request: never counted twice
    accounting.stored(origin, durably=True)
    assert done == []
    accounting.item_done(response)
    assert done == [request]


def test_items_that_lag_behind_the_output_keep_the_request_open() -> None:
    done = Done()
    accounting = Accounting(done)
    request, response = response_to("http://forum/thread/1")
    child = Request("http://forum/member/a")
    accounting.output(response, {"title": "a listing"})
    accounting.output(response, child)
    accounting.stored(accounting.claim(child), durably=True)
    accounting.parsed(response)
    assert done == [], "the listing is still in the extraction pipeline"
    accounting.item_done(response)
    assert done == [request]
    assert accounting.open_work() == 0


def test_a_failed_item_or_a_child_kept_in_memory_keeps_the_request_in_flight() -> None:
    done = Done()
    accounting = Accounting(done)
    _, failed = response_to("http://forum/thread/1")
    accounting.output(failed, {"title": "a listing"})
    accounting.parsed(failed)
    accounting.item_done(failed, failed=True)
    _, unstored = response_to("http://forum/board")
    child = Request("http://forum/thread/2")
    accounting.output(unstored, child)
    accounting.parsed(unstored)
    accounting.stored(accounting.claim(child), durably=False)
    assert done == []
    assert accounting.open_work() == 0  # nothing waits for them any more


def test_a_response_without_output_is_done_when_parsed() -> None:
    done = Done()
    accounting = Accounting(done)
    request, response = response_to("http://forum/empty")
    accounting.output(response, None)  # Scrapy skips None
    accounting.parsed(response)
    assert done == [request]


def test_start_requests_and_foreign_requests_are_told_apart() -> None:
    accounting = Accounting(Done())
    start, retry = Request("http://forum/"), Request("http://forum/", dont_filter=True)
    accounting.start_request(start)
    assert accounting.claim(start) is START
    assert accounting.claim(retry) is UNKNOWN
    accounting.stored(START, durably=True)  # no work to settle
    accounting.item_done(object())  # an item of a start() or an errback: not counted
