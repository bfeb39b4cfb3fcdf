"""Source health from synthetic runs: broken selectors, failing, stale, unreachable, error rate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from armswatch.health import HealthRules, judge
from armswatch.runs import PROXY_DOWN, UNREACHABLE, CrawlRun

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SOURCE = "demo-forum"


def _run(
    listings: int,
    *,
    hours_ago: float = 0,
    pages: int | None = None,
    finish_reason: str = "finished",
    errors: int = 0,
    stats: dict[str, Any] | None = None,
    first_error: str | None = None,
) -> CrawlRun:
    finished = NOW - timedelta(hours=hours_ago)
    return CrawlRun(
        source=SOURCE,
        started_at=finished - timedelta(minutes=2),
        finished_at=finished,
        finish_reason=finish_reason,
        pages=listings + 15 if pages is None else pages,
        listings=listings,
        new=0,
        changed=0,
        errors=errors,
        bytes=1000,
        duration=120.0,
        stats={"finish_reason": finish_reason, **(stats or {})},
        first_error=first_error,
    )


def _history(*listings: int, **latest: Any) -> list[CrawlRun]:
    """Runs every 6 hours, newest first; `latest` changes the newest."""
    runs = [_run(count, hours_ago=6 * age) for age, count in enumerate(listings)]
    return [_run(listings[0], **latest), *runs[1:]] if latest else runs


def test_zero_listings_where_there_used_to_be_hundreds_is_broken() -> None:
    index_only = {"armswatch/pages/index": 15, "armswatch/pages/detail": 0}
    health = judge(SOURCE, _history(0, 300, 298, 301, pages=15, stats=index_only), NOW)
    assert health.state == "broken" and health.alarming
    [note] = health.notes
    assert "found 0 listing(s) on 15 page(s) where it usually finds ~300" in note
    assert "selectors no longer match" in note
    assert "no listing links on 15 index page(s): check the index selectors" in note
    assert health.usual_listings == 300 and health.last_success is not None


def test_detail_pages_without_their_fields_point_at_the_detail_selectors() -> None:
    stats = {
        "armswatch/pages/detail": 300,
        "armswatch/extraction_errors": 300,
        "armswatch/extraction_errors/missing_title": 300,
    }
    runs = _history(0, 300, 300, pages=315, errors=300, stats=stats)
    health = judge(SOURCE, runs, NOW)
    assert health.state == "broken"
    assert "detail pages without title on 300 of 300: check the detail selectors" in health.notes[0]
    assert any(note.startswith("the last run had 300 error(s)") for note in health.notes)


def test_a_steep_drop_in_a_complete_run_is_broken_but_not_in_a_run_stopped_at_a_limit() -> None:
    assert judge(SOURCE, _history(12, 300, 310, 290), NOW).state == "broken"
    limited = _history(12, 300, 310, 290, finish_reason="closespider_pagecount")
    assert judge(SOURCE, limited, NOW).state == "ok"
    assert judge(SOURCE, _history(40, 300, 310, 290), NOW).state == "ok"  # 13 %: a bad day


def test_a_run_stopped_at_a_limit_with_no_listing_at_all_is_broken() -> None:
    runs = _history(0, 40, 40, finish_reason="closespider_pagecount")
    assert judge(SOURCE, runs, NOW).state == "broken"


def test_a_small_source_that_finds_nothing_today_is_not_broken() -> None:
    assert judge(SOURCE, _history(0, 5, 4, 6), NOW).state == "ok"


def test_a_source_stays_broken_until_it_is_fixed() -> None:
    health = judge(SOURCE, _history(0, 0, 0, 0, 300, 300, 300), NOW)
    assert health.state == "broken" and health.usual_listings == 300
    assert judge(SOURCE, _history(290, 0, 0, 0, 300, 300), NOW).state == "ok"


def test_a_source_that_never_found_a_listing_is_broken() -> None:
    health = judge(SOURCE, _history(0, 0), NOW)
    assert health.state == "broken" and health.usual_listings is None
    assert "no listing found in 2 successful run(s)" in health.notes[0]


def test_three_failed_runs_in_a_row_are_failing_with_the_first_error() -> None:
    failed: dict[str, Any] = {
        "finish_reason": "shutdown",
        "errors": 1,
        "first_error": "Error downloading <GET x>",
    }
    runs = [_run(0, hours_ago=6 * age, **failed) for age in range(3)] + _history(300, 300)
    health = judge(SOURCE, runs, NOW)
    assert health.state == "failing" and health.alarming
    assert health.notes == (
        "the last 3 runs failed or fetched no page;"
        " the latest: shutdown: Error downloading <GET x>",
    )
    assert health.last_success is runs[3] and health.error_rate == 3 / 5


def test_one_failed_run_after_successes_is_a_warning() -> None:
    runs = [_run(0, finish_reason="shutdown"), *_history(300, 300)]
    health = judge(SOURCE, runs, NOW)
    assert health.state == "warning" and not health.alarming
    assert health.notes == ("the last run failed or fetched no page: shutdown",)


def test_a_run_that_fetched_no_page_is_a_failure_not_a_broken_selector() -> None:
    refused: dict[str, Any] = {"pages": 0, "errors": 2, "first_error": "Gave up retrying <GET x>"}
    only = judge(SOURCE, [_run(0, **refused)], NOW)
    assert only.state == "failing" and only.last_success is None
    assert "the only run failed or fetched no page" in only.notes[0]
    after_successes = judge(SOURCE, [_run(0, **refused), *_history(300, 300)], NOW)
    assert after_successes.state == "warning"


def test_no_success_for_a_week_is_stale() -> None:
    down: dict[str, Any] = {
        "finish_reason": UNREACHABLE,
        "stats": {"armswatch/unreachable_reason": "host down"},
    }
    runs = [_run(0, hours_ago=24 * days, pages=0, **down) for days in range(8)]
    runs.append(_run(300, hours_ago=24 * 8))
    health = judge(SOURCE, runs, NOW)
    assert health.state == "stale" and not health.alarming
    assert "no run has succeeded for 8 days" in health.notes
    # unreachable runs are neither errors nor successes
    assert (health.error_runs, health.rated_runs) == (0, 1)
    patient = judge(SOURCE, runs, NOW, HealthRules(stale_after=timedelta(days=10)))
    assert patient.state == "unreachable"
    assert patient.notes == ("the last run found the site down (site unreachable: host down)",)


def test_a_proxy_that_is_down_fails_the_runs() -> None:
    proxy: dict[str, Any] = {
        "finish_reason": UNREACHABLE,
        "stats": {"armswatch/unreachable_reason": PROXY_DOWN},
    }
    runs = [_run(0, hours_ago=age, pages=0, **proxy) for age in range(3)]
    health = judge(SOURCE, runs, NOW)
    assert health.state == "failing" and health.error_rate == 1.0


def test_the_error_rate_counts_runs_that_failed_or_had_errors_over_the_window() -> None:
    runs = [_run(300, hours_ago=age, errors=1 if age % 4 == 0 else 0) for age in range(12)]
    health = judge(SOURCE, runs, NOW)
    assert (health.error_runs, health.rated_runs) == (3, 10)
    assert health.state == "warning"  # the last run logged an error


def test_the_most_serious_state_wins_and_every_note_is_kept() -> None:
    runs = [_run(0, hours_ago=200, finish_reason="shutdown"), _run(0, hours_ago=206)]
    runs += [_run(300, hours_ago=206 + 6 * age) for age in range(1, 4)]
    health = judge(SOURCE, runs, NOW)
    assert health.state == "broken"
    assert [note.split(" ")[0:3] for note in health.notes] == [
        ["the", "last", "successful"],
        ["no", "run", "has"],
        ["the", "last", "run"],
    ]


def test_a_source_without_runs_was_never_run() -> None:
    health = judge(SOURCE, [], NOW)
    assert health.state == "never run" and not health.alarming and health.last_run is None


def test_a_source_crawled_in_slices_of_max_duration_is_not_failing() -> None:
    runs = [_run(150, hours_ago=6 * age, finish_reason="closespider_timeout") for age in range(4)]
    health = judge(SOURCE, runs, NOW)
    assert health.state == "ok" and health.error_rate == 0
