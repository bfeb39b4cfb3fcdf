"""When is a request done? When everything its response produced has been handed on.

A response's callback yields child requests and items. The request is done once

- the callback's output has been read to its end (`parsed`),
- every child request has been stored in the frontier, or filtered as already seen, and
- every item has left the last item pipeline (Scrapy's `item_scraped`, or `item_dropped`):
  it sits in the index pipeline's buffer, and the next checkpoint covers it.

Until then the request is only in flight, and a crawl resumed after a kill fetches it again.
A request is never done in this run (`kept`) when one of its children could only be kept in
memory or one of its items failed in a pipeline (`item_error`): fetching it again on resume
recovers what would be lost. The spider middleware (`crawlers.frontier.middleware`) reports the
output, the scheduler reports stored children, Scrapy's item signals report the items.

Which requests the spider made is known here too: the scheduler stores those (start requests
and callback output) and keeps every other request (retries, redirects, log-ins, which
downloader middlewares make from a request still in flight) in memory only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from scrapy import Request
from scrapy.http import Response


@dataclass(eq=False)
class Work:
    """What one response still has to hand on before its request is done."""

    response: Response
    request: Request | None  # None: a response without one (never from the engine)
    outstanding: int = 0
    parsed: bool = False
    kept: bool = False


class _Origin:
    """Where a request came from, when it is not the output of a response."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"


START = _Origin("start request")  # from the spider's start()
UNKNOWN = _Origin("not from the spider")  # a middleware or an extension made it
Origin = Work | _Origin


class Accounting:
    """Counts what each response still has to hand on; calls `on_done` when it has."""

    def __init__(self, on_done: Callable[[Request], None]) -> None:
        self.on_done = on_done
        self._work: dict[Response, Work] = {}
        self._origins: WeakKeyDictionary[Request, Origin] = WeakKeyDictionary()

    def start_request(self, request: Request) -> None:
        self._origins[request] = START

    def output(self, response: Response, element: object) -> None:
        """The callback of `response` yielded `element` (a request or an item)."""
        if element is None:  # Scrapy skips it: no signal will come for it
            return
        work = self._work_of(response)
        work.outstanding += 1
        if isinstance(element, Request):
            self._origins[element] = work

    def parsed(self, response: Response) -> None:
        """The callback's output has been read to its end."""
        work = self._work_of(response)
        work.parsed = True
        self._settle(work)

    def claim(self, request: Request) -> Origin:
        """Where a request being scheduled came from (asked once per request)."""
        return self._origins.pop(request, UNKNOWN)

    def stored(self, origin: Origin, *, durably: bool) -> None:
        """A child request was stored (or filtered as seen), or only kept in memory."""
        if isinstance(origin, Work):
            origin.kept = origin.kept or not durably
            origin.outstanding -= 1
            self._settle(origin)

    def item_done(self, response: object, *, failed: bool = False) -> None:
        """An item of `response` left the item pipelines (scraped, dropped or failed)."""
        work = self._work.get(response) if isinstance(response, Response) else None
        if work is None:
            return
        work.kept = work.kept or failed
        work.outstanding -= 1
        self._settle(work)

    def open_work(self) -> int:
        """Responses whose output is not all handed on yet."""
        return len(self._work)

    def _work_of(self, response: Response) -> Work:
        work = self._work.get(response)
        if work is None:
            work = self._work[response] = Work(response, response.request)
        return work

    def _settle(self, work: Work) -> None:
        if not work.parsed or work.outstanding > 0:
            return
        del self._work[work.response]
        if not work.kept and work.request is not None:
            self.on_done(work.request)
