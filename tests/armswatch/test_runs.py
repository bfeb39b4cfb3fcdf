"""Run records: a site that is down is retried, not failed; a proxy that is down fails."""

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from armswatch.runs import CrawlRun, RunStore


def _run(stats: dict[str, Any]) -> CrawlRun:
    return CrawlRun.from_stats("onion-market", {"log_count/ERROR": 4, **stats})


def test_an_onion_that_is_down_is_unreachable_not_failed_and_its_retries_are_no_errors() -> None:
    run = _run(
        {"finish_reason": "source_unreachable", "armswatch/unreachable_reason": "host unreachable"}
    )
    assert run.unreachable and run.unreachable_reason == "host unreachable"
    assert not run.failed and run.errors == 0


def test_a_proxy_that_is_down_fails_the_run() -> None:
    run = _run(
        {"finish_reason": "source_unreachable", "armswatch/unreachable_reason": "proxy unavailable"}
    )
    assert run.unreachable and run.failed


def test_an_ordinary_run_counts_logged_errors_and_is_kept(tmp_path: Path) -> None:
    run = _run({"finish_reason": "finished", "armswatch/extraction_errors": 1})
    assert not run.unreachable and run.unreachable_reason is None and not run.failed
    assert run.errors == 5
    store = RunStore(tmp_path / "runs.db")
    try:
        store.add(_run({"finish_reason": "source_unreachable",
                        "armswatch/unreachable_reason": "ttl expired"}))  # fmt: skip
        [kept] = store.recent("onion-market")
    finally:
        store.close()
    assert kept.unreachable_reason == "ttl expired" and not kept.failed


def test_the_run_record_reads_the_reasons_the_network_layer_writes() -> None:
    from armswatch import runs
    from crawlers.network.errors import ProxyUnavailableError
    from crawlers.network.health import UNREACHABLE_REASON

    assert (UNREACHABLE_REASON, ProxyUnavailableError.reason) == (runs.UNREACHABLE, runs.PROXY_DOWN)


# ------------------------------------------------ errors by kind, failure reason, removals

REFUSED = {  # the stats of a clear-web crawl whose site refused every connection
    "finish_reason": "finished",
    "downloader/exception_type_count/scrapy.exceptions.DownloadConnectionRefusedError": 4,
    "downloader/response_status_count/200": 17,
    "downloader/response_status_count/404": 1,
    "downloader/response_status_count/503": 3,
    "log_count/ERROR": 2,
    "retry/max_reached": 1,
    "armswatch/extraction_errors": 5,
    "armswatch/extraction_errors/missing_title": 5,
    "armswatch/listings_spooled": 20,
    "armswatch/alert_errors": 0,
}


def test_errors_are_told_apart_by_kind() -> None:
    run = CrawlRun.from_stats("demo-forum", REFUSED)
    assert run.errors == 7
    assert run.error_kinds == {
        "download DownloadConnectionRefusedError": 4,
        "extraction missing_title": 5,
        "http 503": 3,  # a 404 is the end of a paginated list, not an error
        "listings spooled (index refused them)": 20,
        "logged errors": 2,
        "requests given up after retries": 1,
    }


def _log(path: Path, *records: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def _record(second: int, message: str, level: str = "error", **extra: Any) -> dict[str, Any]:
    moment = datetime(2026, 3, 1, 12, 0, second, tzinfo=UTC).isoformat()
    return {"time": moment, "level": level, "logger": "x", "message": message, **extra}


def _stats(**more: Any) -> dict[str, Any]:
    start = datetime(2026, 3, 1, 12, 0, 10, tzinfo=UTC)
    return {"start_time": start, "finish_time": start + timedelta(seconds=30), **more}


def test_the_first_error_the_source_logged_is_recorded_as_its_failure_reason(
    tmp_path: Path,
) -> None:
    log = _log(
        tmp_path / "armswatch.jsonl",
        _record(1, "an error of the run before"),
        _record(12, "an info line", level="info", spider="<SourceSpider 'demo-forum' at 0x1>"),
        _record(13, "a pipeline error", extension="alerts"),
        _record(14, "the other crawl's error", spider="<SourceSpider 'demo-market' at 0x2>"),
        _record(15, "Gave up retrying\n  <GET /a>", spider="<SourceSpider 'demo-forum' at 0x3>"),
        _record(16, "a later error", source="demo-forum"),
    )
    stats = _stats(finish_reason="shutdown", **{"log_count/ERROR": 3})
    run = CrawlRun.from_stats("demo-forum", stats, log_file=log)
    assert run.first_error == "Gave up retrying <GET /a>"
    assert run.failure_reason == "shutdown: Gave up retrying <GET /a>"
    market = CrawlRun.from_stats("demo-market", stats, log_file=log)
    assert market.first_error == "the other crawl's error"
    anonymous = CrawlRun.from_stats("demo-classifieds", stats, log_file=log)
    assert anonymous.first_error == "a pipeline error"  # naming no source, in the run's time


EXTRACTION_ERROR = {
    "event": "extraction_error",
    "url": "http://127.0.0.1/thread/7",
    "source": "demo-forum",
}


def test_a_run_without_logged_errors_names_its_first_extraction_error(tmp_path: Path) -> None:
    log = _log(
        tmp_path / "armswatch.jsonl",
        _record(11, "extraction error: no title", level="warning", **EXTRACTION_ERROR),
    )
    stats = _stats(finish_reason="finished", **{"armswatch/extraction_errors": 1})
    run = CrawlRun.from_stats("demo-forum", stats, log_file=log)
    assert run.failure_reason == "extraction error: no title (http://127.0.0.1/thread/7)"
    clean = CrawlRun.from_stats("demo-forum", _stats(finish_reason="finished"), log_file=log)
    assert clean.first_error is None and clean.failure_reason is None


def test_the_outcome_of_a_run() -> None:
    def outcome(reason: str, pages: int = 3) -> str:
        stats = {"finish_reason": reason, "response_received_count": pages}
        return CrawlRun.from_stats("s", stats).outcome

    assert outcome("finished") == "complete"
    # limits.max_duration: the crawl still fails (exit 1, re-run at the scheduler's start)
    assert outcome("closespider_timeout") == "stopped at a limit"
    assert CrawlRun.from_stats("s", {"finish_reason": "closespider_timeout"}).failed
    assert outcome("closespider_itemcount") == "stopped at a limit"
    assert outcome("finished", pages=0) == "nothing fetched"
    assert outcome("shutdown") == "failed"
    assert outcome("source_unreachable", pages=0) == "unreachable"


def test_removed_listings_are_recorded(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.db")
    try:
        store.add(CrawlRun.from_stats("a", {"armswatch/listings_removed": 7}))
        store.add(CrawlRun.from_stats("a", {}))
        assert [run.removed for run in store.recent("a")] == [0, 7]
        assert store.sources() == ["a"]
    finally:
        store.close()


OLD_SCHEMA = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL, finish_reason TEXT NOT NULL, pages INTEGER NOT NULL,
    listings INTEGER NOT NULL, new INTEGER NOT NULL, changed INTEGER NOT NULL,
    errors INTEGER NOT NULL, bytes INTEGER NOT NULL, duration REAL NOT NULL, stats TEXT NOT NULL
);
CREATE INDEX runs_by_source ON runs (source, started_at);
INSERT INTO runs VALUES (1, 'demo-forum', '2026-03-01T12:00:00+00:00',
    '2026-03-01T12:01:00+00:00', 'finished', 320, 300, 300, 0, 0, 1000, 60.0, '{}');
"""


def test_a_runs_file_written_before_removals_and_first_errors_is_upgraded(
    tmp_path: Path,
) -> None:
    path = tmp_path / "runs.db"
    connection = sqlite3.connect(path)
    connection.executescript(OLD_SCHEMA)
    connection.close()
    store = RunStore(path)
    try:
        store.add(CrawlRun.from_stats("demo-forum", {"armswatch/listings_removed": 2}))
        newer, old = store.recent("demo-forum")
    finally:
        store.close()
    assert (old.listings, old.removed, old.first_error) == (300, 0, None)
    assert newer.removed == 2
    RunStore(path).close()  # opening an upgraded file again changes nothing
