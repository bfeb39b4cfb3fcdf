"""`armswatch index copy | migrate | stats`, end to end in a subprocess.

SQLite to SQLite always runs; the Elasticsearch cases use the node at `ARMSWATCH_ES_URL` and
are skipped when none answers, or fail when `ARMSWATCH_REQUIRE_ES=1` (as the contract suite).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from armswatch.cli import exit_codes
from crawlers.listing import Listing, Price
from crawlers.vendor_profile import VendorProfile
from index.backend import IndexBackend
from index.selection import open_index
from tests.conftest import run_armswatch
from tests.index.conftest import build_listing
from tests.index.contract.conftest import ES_URL, delete_prefix, require_elasticsearch

CAPTURED = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def _recaptured(listing: Listing, days: int, **changes: object) -> Listing:
    when = CAPTURED + timedelta(days=days)
    return listing.model_copy(update={"captured_at": when, "last_seen": when, **changes})


def fill(index: IndexBackend) -> None:
    """Listings with versions (one changed then recrawled unchanged, one removed), vendors."""
    glock = build_listing("glock", title="Glock 19", price=Price(amount=500, currency="USD"))
    ar = build_listing("ar", title="AR-15 lower", first_seen=CAPTURED - timedelta(days=40))
    index.upsert([glock, ar, *(build_listing(f"plain{n}") for n in range(7))])
    index.upsert([_recaptured(glock, 1, price=Price(amount=450, currency="USD"))])
    index.upsert([_recaptured(glock, 2, price=Price(amount=400, currency="USD"))])
    index.upsert([_recaptured(glock, 3, price=Price(amount=400, currency="USD"))])  # unchanged
    index.upsert([_recaptured(ar, 1, status="removed")])
    index.upsert_vendors(
        VendorProfile(
            source="demo-market",
            market="DemoMarket",
            handle=f"Vendor{n}",
            url=f"http://demo.onion/vendor/{n}",
            captured_at=CAPTURED,
        )
        for n in range(3)
    )


def snapshot(url: str) -> tuple[dict[str, list[Listing]], list[VendorProfile]]:
    """Every listing's full history by id, and the vendor profiles."""
    index = open_index(url)
    try:
        ids = [listing.id for listing in index.scan_listings()]
        vendors = sorted(index.scan_vendors(), key=lambda profile: profile.handle)
        return {listing_id: index.history(listing_id) for listing_id in ids}, vendors
    finally:
        index.close()


@pytest.fixture
def source_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/source.db"
    index = open_index(url)
    try:
        fill(index)
    finally:
        index.close()
    return url


@pytest.fixture
def es_target() -> Iterator[str]:
    require_elasticsearch()
    prefix = f"cli-copy-{uuid.uuid4().hex[:10]}"
    try:
        yield f"{ES_URL}?prefix={prefix}"
    finally:
        delete_prefix(prefix)


def copy(tmp_path: Path, source: str, target: str, *extra: str) -> str:
    done = run_armswatch(
        "index", "copy", "--from", source, "--to", target, *extra, data_dir=tmp_path
    )
    assert done.returncode == exit_codes.OK, done.stderr
    return done.stdout


def test_copy_sqlite_to_sqlite_keeps_versions_and_times(tmp_path: Path, source_url: str) -> None:
    target = f"sqlite:///{tmp_path}/target.db"
    output = copy(tmp_path, source_url, target)
    assert "9 listings (3 earlier versions) and 3 vendor profiles copied" in output
    assert "the target holds 9 listings" in output
    copied, vendors = snapshot(target)
    assert (copied, vendors) == snapshot(source_url)
    assert [li.version for li in copied["glock"]] == [1, 2, 3]
    assert copied["glock"][-1].status == "active"  # recrawled unchanged after the change
    assert copied["ar"][-1].status == "removed"


def test_copy_is_idempotent_and_takes_a_query(tmp_path: Path, source_url: str) -> None:
    target = f"sqlite:///{tmp_path}/target.db"
    copy(tmp_path, source_url, target, "--query", "glock OR ar")
    output = copy(tmp_path, source_url, target, "--query", "glock OR ar")
    assert "2 listings (3 earlier versions)" in output
    assert "the target holds 2 listings" in output
    assert snapshot(target)[0]["glock"] == snapshot(source_url)[0]["glock"]


def test_copy_refuses_the_same_index_and_bad_urls(tmp_path: Path, source_url: str) -> None:
    same = run_armswatch(
        "index", "copy", "--from", source_url, "--to", source_url, data_dir=tmp_path
    )
    assert same.returncode == exit_codes.BAD_INPUT
    assert "same index" in same.stderr
    bad = run_armswatch("index", "copy", "--from", source_url, "--to", "ftp://x", data_dir=tmp_path)
    assert bad.returncode == exit_codes.BAD_INPUT


def test_migrate_on_sqlite_says_there_is_nothing_to_migrate(tmp_path: Path) -> None:
    done = run_armswatch("index", "migrate", data_dir=tmp_path)
    assert done.returncode == exit_codes.BAD_INPUT
    assert "no versions to migrate" in done.stderr


def test_stats_counts_listings_vendors_and_months(tmp_path: Path, source_url: str) -> None:
    done = run_armswatch("index", "stats", data_dir=tmp_path, env={"ARMSWATCH_INDEX": source_url})
    assert done.returncode == exit_codes.OK, done.stderr
    assert "9 listings, 3 vendor profiles" in done.stdout
    assert "first seen 2024-04: 1" in done.stdout
    assert "first seen 2024-06: 8" in done.stdout


def test_copy_sqlite_to_elasticsearch_and_back(
    tmp_path: Path, source_url: str, es_target: str
) -> None:
    copy(tmp_path, source_url, es_target)
    assert snapshot(es_target) == snapshot(source_url)
    back = f"sqlite:///{tmp_path}/back.db"
    output = copy(tmp_path, es_target, back)
    assert "9 listings (3 earlier versions) and 3 vendor profiles copied" in output
    assert snapshot(back) == snapshot(source_url)


def test_migrate_elasticsearch_keeps_every_listing(
    tmp_path: Path, source_url: str, es_target: str
) -> None:
    copy(tmp_path, source_url, es_target)
    env = {"ARMSWATCH_INDEX": es_target}
    done = run_armswatch("index", "migrate", data_dir=tmp_path, env=env)
    assert done.returncode == exit_codes.OK, done.stderr
    assert "v1 → v2, 9 documents copied" in done.stdout
    again = run_armswatch("index", "migrate", "--to-version", "2", data_dir=tmp_path, env=env)
    assert again.returncode == exit_codes.FAILED
    assert snapshot(es_target) == snapshot(source_url)


def test_search_history_finds_earlier_versions_with_their_times(tmp_path: Path) -> None:
    index = open_index(f"sqlite:///{tmp_path}/armswatch.db")
    try:
        glock = build_listing("glock", title="Glock 19", price=Price(amount=500, currency="USD"))
        index.upsert([glock])
        index.upsert([_recaptured(glock, 1, title="Compact handgun")])
    finally:
        index.close()
    current = run_armswatch("search", "title:glock", "--json", data_dir=tmp_path)
    assert current.returncode == exit_codes.OK, current.stderr
    assert '"total": 0' in current.stdout
    wide = {"COLUMNS": "200"}
    done = run_armswatch("search", "title:glock", "--history", data_dir=tmp_path, env=wide)
    assert done.returncode == exit_codes.OK, done.stderr
    assert "1 earlier versions match" in done.stdout
    row = next(line for line in done.stdout.splitlines() if "glock" in line)
    assert "│ 1 " in row and "2024-06-01 12:00" in row and "Glock 19" in row
    as_json = run_armswatch("search", "title:glock", "--history", "--json", data_dir=tmp_path)
    document = json.loads(as_json.stdout)
    assert document["versions"] == "earlier"
    assert [(hit["id"], hit["version"]) for hit in document["hits"]] == [("glock", 1)]
