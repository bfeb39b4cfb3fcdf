"""ExtractionPipeline: annotations in a real crawl, and a failing batch that loses nothing."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from twisted.internet import defer
from twisted.python.failure import Failure

import extractors.scrapy_pipeline as scrapy_pipeline
from armswatch.runs import RunStore
from crawlers.listing import Listing, listing_id
from extractors.scrapy_pipeline import ExtractionPipeline
from index.selection import open_index
from tests.conftest import run_armswatch

SOURCE = "tiny-shop"
OFFERS = {
    "101": ("Glock switch auto sear, ships fast", "Drop-in auto sear for Glock 17 and 19."),
    "102": ("GL0CK 19 Gen5 with 2 mags", "Clean pistol, 9mm, 200 rounds included."),
    "103": ("AK-47 Kush 7g strain", "Top shelf indoor buds, 20% THC."),
    "104": ("500 rounds 9mm Luger FMJ", "Boxed ammunition, 50 per box."),
}
EXPECTED_CATEGORY = {
    "101": "conversion_device",
    "102": "firearm",
    "103": "none",
    "104": "ammunition",
}


def _page(title: str, body: str) -> str:
    head = f"<head><title>{title}</title></head>"
    return f'<!doctype html><html lang="en">{head}<body>{body}</body></html>'


def _write_site(root: Path) -> None:
    links = "".join(
        f'<li><a class="listing-link" href="/item/{number}.html">{title}</a></li>'
        for number, (title, _) in OFFERS.items()
    )
    (root / "index.html").write_text(_page("Tiny shop", f"<ul>{links}</ul>"), encoding="utf-8")
    (root / "item").mkdir()
    for number, (title, description) in OFFERS.items():
        body = (
            f'<h1 class="title">{title}</h1><div class="description"><p>{description}</p></div>'
            '<span class="price">$100</span>'
        )
        (root / "item" / f"{number}.html").write_text(_page(title, body), encoding="utf-8")


@pytest.fixture
def tiny_site(tmp_path: Path) -> Iterator[str]:
    """A four-listing site served on 127.0.0.1 by http.server in a thread."""
    root = tmp_path / "site"
    root.mkdir()
    _write_site(root)

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _source_yaml(path: Path, base_url: str) -> Path:
    source = {
        "name": SOURCE,
        "market": "Tiny Shop",
        "kind": "shop",
        "start_urls": [f"{base_url}/"],
        "index": {"listing_links": {"css": "a.listing-link", "attr": "href", "many": True}},
        "detail": {
            "title": "h1.title",
            "description": "div.description > p",
            "price": "span.price",
            "listing_id_pattern": r"/item/(\d+)\.html",
        },
        "defaults": {"language": "en", "currency": "USD"},
        "limits": {"max_pages": 20, "allowed_domains": ["127.0.0.1"]},
        "rate_limit": {"concurrency": 4, "download_delay": 0, "autothrottle": False, "retries": 0},
    }
    path.write_text(yaml.safe_dump(source, sort_keys=False), encoding="utf-8")
    return path


def test_crawled_listings_are_stored_with_annotations(tiny_site: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    yaml_path = _source_yaml(tmp_path / f"{SOURCE}.yaml", tiny_site)

    done = run_armswatch("crawl", str(yaml_path), data_dir=data_dir)
    assert done.returncode == 0, done.stdout + done.stderr

    index = open_index(f"sqlite:///{data_dir / 'armswatch.db'}")
    try:
        for number, category in EXPECTED_CATEGORY.items():
            listing = index.get(listing_id(SOURCE, number, ""))
            assert listing is not None, f"listing {number} was not stored"
            assert listing.title == OFFERS[number][0]
            assert listing.annotations is not None, f"listing {number} is not annotated"
            assert listing.annotations.category == category, (number, listing.annotations)
            assert listing.annotations.reasons
        switch = index.get(listing_id(SOURCE, "101", ""))
        assert switch is not None and switch.annotations is not None
        components = {
            (e.normalized, e.field) for e in switch.annotations.entities if e.label == "COMPONENT"
        }
        assert ("conversion_device/glock_switch", "title") in components
        glock = index.get(listing_id(SOURCE, "102", ""))
        assert glock is not None and glock.annotations is not None
        models = [e for e in glock.annotations.entities if e.label == "MODEL"]
        assert [m.normalized for m in models] == ["Glock 19"]
        assert models[0].text.startswith("GL0CK 19") and models[0].field == "title"
        assert index.count("category:conversion_device") == 1
    finally:
        index.close()

    store = RunStore(data_dir / "runs.db")
    try:
        [run] = store.recent(SOURCE)
    finally:
        store.close()
    assert run.stats.get("armswatch/listings_annotated") == len(OFFERS), run.stats
    assert "armswatch/extraction_failed" not in run.stats


# --------------------------------------------------------------- the pipeline on its own


class FakeStats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] = self.values.get(key, start) + count


class FakeCrawler:
    def __init__(self) -> None:
        self.stats = FakeStats()


class FailingAnnotator:
    def __init__(self) -> None:
        self.calls = 0

    def annotate_listings(self, listings: list[Listing]) -> list[Listing]:
        self.calls += 1
        raise RuntimeError("spaCy exploded")


class StubAnnotator:
    def annotate_listings(self, listings: list[Listing]) -> list[Listing]:
        from crawlers.listing import Annotations

        return [
            listing.model_copy(update={"annotations": Annotations(category="firearm")})
            for listing in listings
        ]


def _listing(number: int) -> Listing:
    when = datetime(2024, 1, 1, tzinfo=UTC)
    return Listing(
        id=f"id-{number}",
        source=SOURCE,
        market="Tiny Shop",
        url=f"http://127.0.0.1/item/{number}",
        title=f"Glock 19 number {number}",
        first_seen=when,
        last_seen=when,
        captured_at=when,
    )


@pytest.fixture
def synchronous_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """deferToThread runs the work at once and returns its (fired) deferred."""

    def run_now(function: Callable[..., Any], *args: Any, **kwargs: Any) -> defer.Deferred[Any]:
        return defer.maybeDeferred(function, *args, **kwargs)

    monkeypatch.setattr(scrapy_pipeline.threads, "deferToThread", run_now)


def _results(deferreds: list[Any]) -> list[Any]:
    found: list[Any] = []
    for deferred in deferreds:
        assert isinstance(deferred, defer.Deferred)
        assert deferred.called, "the listing's deferred never fired"
        deferred.addBoth(found.append)
    return found


def _pipeline(annotator: Any, batch_size: int) -> tuple[ExtractionPipeline, FakeCrawler]:
    crawler = FakeCrawler()
    pipeline = ExtractionPipeline(crawler, batch_size=batch_size, wait=60.0)  # type: ignore[arg-type]
    pipeline.annotator = annotator
    return pipeline, crawler


def test_a_failing_batch_keeps_its_listings_unannotated(synchronous_threads: None) -> None:
    annotator = FailingAnnotator()
    pipeline, crawler = _pipeline(annotator, batch_size=3)
    listings = [_listing(number) for number in range(3)]

    deferreds = [pipeline.process_item(listing) for listing in listings]

    results = _results(deferreds)
    assert not any(isinstance(result, Failure) for result in results), results
    assert results == listings
    assert all(result.annotations is None for result in results)
    assert annotator.calls == 1
    assert crawler.stats.values == {"armswatch/extraction_failed": 3}
    assert pipeline.running == [] and pipeline.pending == []


def test_close_spider_flushes_a_partial_batch(
    synchronous_threads: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline, crawler = _pipeline(StubAnnotator(), batch_size=10)
    listings = [_listing(number) for number in range(2)]
    # a partial batch waits for the timer; stand in for the reactor's callLater
    timers: list[Any] = []

    class Timer:
        def active(self) -> bool:
            return True

        def cancel(self) -> None:
            timers.remove(self)

    def call_later(delay: float, function: Callable[[], None]) -> Timer:
        timer = Timer()
        timers.append(timer)
        return timer

    reactor = type("Reactor", (), {"callLater": staticmethod(call_later)})()
    monkeypatch.setattr(scrapy_pipeline, "_reactor", lambda: reactor)
    deferreds = [pipeline.process_item(listing) for listing in listings]
    assert len(timers) == 1 and not any(d.called for d in deferreds)
    assert pipeline.process_item({"not": "a listing"}) == {"not": "a listing"}
    closed = pipeline.close_spider()

    assert closed.called and timers == []
    results = _results(deferreds)
    assert [result.id for result in results] == ["id-0", "id-1"]
    assert all(result.annotations.category == "firearm" for result in results)
    assert crawler.stats.values == {"armswatch/listings_annotated": 2}
