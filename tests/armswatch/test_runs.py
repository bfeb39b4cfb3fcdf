"""Run records: a site that is down is retried, not failed; a proxy that is down fails."""

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
