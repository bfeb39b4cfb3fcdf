"""The frontier scheduler on the demo forum's real pages, with the engine's part played here.

`Engine` does what Scrapy's engine and scraper do with the scheduler: take a request, run its
callback on the demo page, schedule the requests it yields and pass its items through the
(empty) pipelines, all through the frontier's spider middleware. A crash is a forked process
that dies by SIGKILL."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy import Request, signals
from scrapy.exceptions import CloseSpider

from crawlers.frontier import durable_checkpoint
from crawlers.frontier.middleware import FrontierSpiderMiddleware
from crawlers.frontier.scheduler import FrontierScheduler
from crawlers.frontier.settings import frontier_settings
from crawlers.source import Source
from crawlers.spiders.source_spider import SourceSpider
from index.pipeline import listings_indexed
from tests.crawlers.frontier.conftest import FORUM, page, spider_of
from tests.crawlers.frontier.killing import run_then_kill


class Engine:
    """The engine's side of the scheduler, for one spider."""

    def __init__(self, forum: Source, data_dir: Path) -> None:
        self.spider: SourceSpider = spider_of(forum, frontier_settings(forum, data_dir))
        crawler = self.spider.crawler
        self.scheduler = FrontierScheduler.from_crawler(crawler)
        crawler.engine = SimpleNamespace(scheduler=self.scheduler)  # type: ignore[assignment]
        self.middleware = FrontierSpiderMiddleware(crawler)
        self.scheduler.open(self.spider)

    def start(self) -> bool:
        request = Request(FORUM + "/", callback=self.spider.parse_index)
        self.scheduler.accounting.start_request(request)
        return self.scheduler.enqueue_request(request)

    def take(self) -> Request:
        request = self.scheduler.next_request()
        assert request is not None
        return request

    def process(self, request: Request) -> None:
        """Download (from the demo), parse, schedule the output, pipe the items."""
        response = page(request.url, request)
        assert request.callback is not None
        output = request.callback(response, **request.cb_kwargs)
        items = []
        for element in self.middleware.process_spider_output(response, output):
            if isinstance(element, Request):
                self.scheduler.enqueue_request(element)
            else:
                items.append(element)
        for item in items:
            self.send(signals.item_scraped, item=item, response=response)

    def send(self, signal: object, **kwargs: Any) -> None:
        self.spider.crawler.signals.send_catch_log(signal, spider=self.spider, **kwargs)

    def stat(self, key: str) -> Any:
        """The crawl's stat, with the counts the scheduler has not added to it yet."""
        assert self.spider.crawler.stats is not None
        value = self.spider.crawler.stats.get_value(key)
        counted = self.scheduler.counted[key]
        return (value or 0) + counted if counted else value


def test_a_killed_crawl_resumes_with_what_is_not_durable(forum: Source, tmp_path: Path) -> None:
    fates = tmp_path / "fates.json"

    def crawl_and_die() -> None:
        engine = Engine(forum, tmp_path)
        assert engine.start()
        done: list[str] = []
        for position in range(6):
            request = engine.take()  # applies the checkpoint of the batch written before
            engine.process(request)
            done.append(request.url)
            if position in (2, 4):  # the index wrote a batch after the 3rd and the 5th
                engine.send(listings_indexed, report=None)
        in_flight = [engine.take().url for _ in range(3)]
        fates.write_text(json.dumps({"durable": done[:5], "late": done[5:], "flying": in_flight}))

    run_then_kill(crawl_and_die)
    fate = json.loads(fates.read_text())
    engine = Engine(forum, tmp_path)
    assert engine.stat("frontier/start/resumed") == 1
    # in flight, and done after the last checkpoint, as far as the last commit knew (a take
    # and a done after the last checkpoint may be lost with their group: pending again)
    assert engine.stat("frontier/start/requeued") <= len(fate["late"]) + len(fate["flying"])
    assert not engine.start(), "the start request is seen: not issued again"
    queued = []
    while engine.scheduler.has_pending_requests():
        queued.append(engine.take())
    urls = [request.url for request in queued]
    assert len(urls) == len(set(urls))
    assert set(fate["late"]) | set(fate["flying"]) <= set(urls)
    assert not set(fate["durable"]) & set(urls)
    assert all(request.callback is not None for request in queued)  # bound to the new spider
    enqueued = engine.stat("scheduler/enqueued") or 0
    for request in queued:
        if request.url in fate["late"]:  # done once: what it yields again is all seen
            engine.process(request)
    assert (engine.stat("scheduler/enqueued") or 0) == enqueued


def test_a_request_is_done_only_when_its_items_are_through(forum: Source, tmp_path: Path) -> None:
    engine = Engine(forum, tmp_path)
    engine.start()
    request = engine.take()
    while request.callback != engine.spider.parse_detail:  # the home page, then a board
        engine.process(request)
        request = engine.take()
    response = page(request.url, request)
    output = list(engine.middleware.process_spider_output(response, request.callback(response)))
    for element in output:
        if isinstance(element, Request):
            engine.scheduler.enqueue_request(element)
    done = engine.stat("frontier/done")
    engine.send(durable_checkpoint)  # the listing is still in a pipeline: not covered
    assert engine.stat("frontier/done") == done
    listing = next(element for element in output if not isinstance(element, Request))
    engine.send(signals.item_scraped, item=listing, response=response)
    assert engine.stat("frontier/done") == done + 1
    engine.scheduler.close("shutdown")


def test_a_batch_checkpoint_waits_until_the_index_pipeline_has_returned(
    forum: Source, tmp_path: Path
) -> None:
    engine = Engine(forum, tmp_path)
    engine.start()
    engine.process(engine.take())  # the home page: done, number 1
    engine.send(listings_indexed, report=None)  # its vendor profiles are being written now
    assert engine.stat("frontier/checkpoints") is None
    board = engine.take()  # the flush has returned
    assert engine.stat("frontier/durable_seq") == 1
    engine.process(board)
    engine.send(durable_checkpoint)  # everything is written: at once
    assert engine.stat("frontier/durable_seq") == 2
    engine.scheduler.close("finished")


@pytest.mark.parametrize(("reason", "resumed"), [("finished", 0), ("closespider_timeout", 1)])
def test_only_a_complete_crawl_starts_the_next_one_fresh(
    forum: Source, tmp_path: Path, reason: str, resumed: int
) -> None:
    engine = Engine(forum, tmp_path)
    engine.start()
    engine.process(engine.take())
    engine.scheduler.close(reason)
    again = Engine(forum, tmp_path)
    assert again.stat("frontier/start/resumed") == resumed
    assert again.start() is not bool(resumed)
    again.scheduler.close("finished")


def test_requests_not_made_by_the_spider_stay_in_memory(forum: Source, tmp_path: Path) -> None:
    engine = Engine(forum, tmp_path)
    engine.start()
    start = engine.take()
    retry = start.replace(dont_filter=True, priority=start.priority - 1)
    redirect = Request(FORUM + "/board/rifles", callback=engine.spider.parse_index, priority=2)
    for request in (retry, redirect):
        assert engine.scheduler.enqueue_request(request)
    assert not engine.scheduler.enqueue_request(redirect.replace())  # seen, in memory
    assert engine.scheduler.store is not None
    assert engine.scheduler.store.counts()["pending"] == 0
    assert engine.take() is redirect and engine.take() is retry
    assert engine.stat("frontier/in_memory") == 2
    engine.scheduler.close("finished")


def test_a_second_crawl_of_the_same_source_is_refused(forum: Source, tmp_path: Path) -> None:
    first = Engine(forum, tmp_path)
    second = Engine(forum, tmp_path)
    opened = second.spider.crawler.signals.send_catch_log(
        signals.spider_opened, spider=second.spider, dont_log=CloseSpider
    )
    refusals = [getattr(result, "value", result) for _, result in opened]
    assert any(getattr(refusal, "reason", None) == "frontier_busy" for refusal in refusals)
    assert not second.start() and not second.scheduler.has_pending_requests()
    second.scheduler.close("frontier_busy")
    first.scheduler.close("finished")


def test_a_frontier_sqlite_cannot_read_is_set_aside(forum: Source, tmp_path: Path) -> None:
    path = tmp_path / "frontier" / "demo-forum.db"
    path.parent.mkdir()
    path.write_bytes(b"not a database, and long enough to look like a header" * 100)
    engine = Engine(forum, tmp_path)
    assert engine.stat("frontier/start/resumed") == 0
    assert engine.start()
    assert [p.name for p in path.parent.glob("demo-forum.db.unreadable-*")]
    engine.scheduler.close("finished")
