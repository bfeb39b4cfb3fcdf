"""Acceptance, in a browser: a Chromium crawl of the hostile site runs to its end, within
memory, captures every normal page and counts every anomaly by kind.

The same Hostile Bazaar as `test_hostile_crawl`, crawled by its `render: browser` source: on
top of the bombs, huge pages, traps and broken servers, its browser pages never fire `load`,
grow their DOM for ever or open windows in a loop. Chromium fetches the pages itself, so none
of Scrapy's caps apply: the browser handler's own do (`crawlers.browser.bounded`).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from armswatch.demo.hostile import NORMAL_LISTINGS, PATIENT_LISTINGS, HostileSite
from armswatch.demo.hostile.source_yaml import hostile_source_yaml
from tests.conftest import run_armswatch
from tests.integration.sampled_crawl import (
    anomaly_counts,
    check_counts,
    crawl_sampled,
    indexed_titles,
    run_stats,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

GIB = 1024**3
# Chromium itself takes ~450 MiB (PSS) for two pages; a 200,000-deep page and a page whose
# script grows it for ever, open side by side, take it to ~1.1 GiB. Unwatched, one gzip bomb
# alone took it past 5 GiB.
MAX_BROWSER = 3 * GIB // 2
MAX_PAGE_CPU = 30.0
BROWSER_LISTINGS = {"hb-never-load", "hb-dom-growth", "hb-popups"}
EXPECTED: dict[str, int | tuple[int]] = {
    "decompression_bomb": 3,  # cut off in Chromium by the document size watch
    "download_too_large": 2,
    "timeout": 2,  # the drip and the stall: their HTML never arrives whole
    "connection_reset": 1,
    "redirect_limit": 2,  # Chromium's ERR_TOO_MANY_REDIRECTS
    "browser_load_timeout": (1,),  # the page whose image never comes, captured as it stood
    "retry_after": (4,),
    "parse_too_deep": 1,
    "trap_pagination": (1,),
    "trap_calendar": (1,),
    "trap_repeating_path": (1,),
    "trap_url_too_long": (1,),
}


def test_a_hostile_site_is_crawled_to_its_end_in_a_browser(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    started = time.monotonic()
    with HostileSite(port=0) as site:
        source = tmp_path / "demo-hostile-browser.yaml"
        source.write_text(hostile_source_yaml(site.base_url, browser=True))
        returncode, peaks = crawl_sampled(source, data_dir)
    took = time.monotonic() - started
    output = (tmp_path / "crawl.out").read_text()
    stats = run_stats(data_dir)
    assert stats["finish_reason"] == "finished", output[-3000:]
    assert returncode == 1, output[-3000:]  # the pages lost for good are errors

    assert peaks.crawl < GIB and peaks.browser < MAX_BROWSER, peaks
    assert stats["armswatch/parse/max_cpu_seconds"] < MAX_PAGE_CPU
    assert stats["armswatch/browser/pages_open"] == 0
    assert stats["armswatch/browser/pages_open_max"] <= 2

    titles = indexed_titles(data_dir)
    normal = {listing.id for listing in (*NORMAL_LISTINGS, *PATIENT_LISTINGS)} | BROWSER_LISTINGS
    assert normal <= set(titles), f"normal pages not captured: {sorted(normal - set(titles))}"

    counted = anomaly_counts(stats)
    check_counts(counted, EXPECTED)
    assert stats["armswatch/anomalies"] == sum(counted.values())

    listed = run_armswatch(
        "runs", "demo-hostile-browser", data_dir=data_dir, env={"COLUMNS": "400"}
    )
    assert "decompression_bomb 3" in listed.stdout, listed.stdout
    print(
        f"crawled in {took:.0f} s: {len(titles)} listings, {stats['armswatch/anomalies']} "
        f"anomalies {counted}; {peaks}"
    )
