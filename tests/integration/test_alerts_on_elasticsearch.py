"""The same rules give the same alerts on the embedded and the Elasticsearch backends.

The day-1 demo crawl into Elasticsearch (a real node, `ARMSWATCH_ES_URL`) fires exactly the
alerts the session's day-1 crawl into SQLite fired: same rules, listings and versions.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from armswatch.demo.server import DemoSites
from rules.store import AlertStore
from tests.conftest import run_armswatch
from tests.index.contract.conftest import ES_URL, delete_prefix, require_elasticsearch

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]
SOURCES = ("demo-market", "demo-forum", "demo-classifieds")


def alert_keys(data_dir: Path) -> set[tuple[str, str, int]]:
    with AlertStore(data_dir / "alerts.db") as store:
        alerts = store.alerts(suppressed=None, limit=None)
    return {(a.rule, a.listing_id, a.listing_version) for a in alerts}


def test_a_crawl_into_elasticsearch_fires_the_alerts_sqlite_fired(
    demo_data: Path, tmp_path: Path
) -> None:
    require_elasticsearch()
    prefix = f"aw-alerts-{uuid.uuid4().hex[:8]}"
    env = {"ARMSWATCH_INDEX": f"{ES_URL}?prefix={prefix}"}
    try:
        with DemoSites(day=1):
            done = run_armswatch("crawl", *SOURCES, data_dir=tmp_path, env=env, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        on_elasticsearch = alert_keys(tmp_path)
    finally:
        delete_prefix(prefix)
    on_sqlite = alert_keys(demo_data)
    assert len(on_sqlite) > 300
    assert on_elasticsearch == on_sqlite
