"""The `armswatch` command line end to end, in fresh processes, against the demo sites."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from armswatch.demo import truth
from armswatch.demo.catalog import changes, expected_listing, offers_by_site
from crawlers.listing import listing_id
from rules.store import AlertStore
from tests.conftest import REPO, run_armswatch

SOURCE_OF_SITE = {"market": "demo-market", "forum": "demo-forum", "classifieds": "demo-classifieds"}


def _search(data_dir: Path, query: str, *extra: str) -> dict[str, Any]:
    done = run_armswatch("search", query, "--json", "--limit", "2000", *extra, data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _expected_ids(query: str) -> set[str]:
    return {
        listing_id(SOURCE_OF_SITE[offer.site], offer.offer_id, "")
        for offer in truth.first_searches(1)[query]
    }


@pytest.mark.parametrize(
    "query", ["glock AND ships_to:DE", '"lower receiver"', "category:conversion_device"]
)
def test_first_searches_return_the_expected_demo_listings(demo_data: Path, query: str) -> None:
    result = _search(demo_data, query)
    expected = _expected_ids(query)
    assert len(expected) >= 5
    assert {hit["id"] for hit in result["hits"]} == expected
    assert result["total"] == len(expected)


def test_search_facets_count_the_matching_listings(demo_data: Path) -> None:
    result = _search(demo_data, "glock", "--facet", "market")
    buckets = {bucket["value"]: bucket["count"] for bucket in result["facets"]["market"]}
    assert sum(buckets.values()) == result["total"] > 0


def test_malformed_query_exits_2_and_points_at_the_position(demo_data: Path) -> None:
    done = run_armswatch("search", "glock AND (ships_to:DE", data_dir=demo_data)
    assert done.returncode == 2
    assert "position" in done.stderr.lower() or "^" in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_field_is_named_with_a_suggestion(demo_data: Path) -> None:
    done = run_armswatch("search", "ship_to:DE", data_dir=demo_data)
    assert done.returncode == 2
    assert "ship_to" in done.stderr and "ships_to" in done.stderr


def test_show_prints_a_listing_and_exits_3_for_an_unknown_id(demo_data: Path) -> None:
    offer = offers_by_site(1)["market"][0]
    found = run_armswatch(
        "show", listing_id("demo-market", offer.offer_id, ""), "--json", data_dir=demo_data
    )
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["title"] == offer.title
    missing = run_armswatch("show", "no-such-listing", data_dir=demo_data)
    assert missing.returncode == 3 and "no-such-listing" in missing.stderr


def test_stats_counts_listings_and_runs(demo_data: Path) -> None:
    done = run_armswatch("stats", data_dir=demo_data)
    assert done.returncode == 0, done.stderr
    total = sum(len(offers) for offers in offers_by_site(1).values())
    assert f"{total} listings" in done.stdout
    assert "demo-market" in done.stdout or "demo-m" in done.stdout


def test_sources_validate_rejects_three_mistakes_with_three_messages(tmp_path: Path) -> None:
    bad = REPO / "tests" / "crawlers" / "fixtures" / "three-mistakes.yaml"
    done = run_armswatch("sources", "validate", str(bad), data_dir=tmp_path)
    assert done.returncode == 2
    messages = [line for line in done.stdout.splitlines() if "three-mistakes.yaml" in line]
    messages += [line for line in done.stderr.splitlines() if "three-mistakes.yaml" in line]
    assert len(messages) == 3, done.stdout + done.stderr
    good = run_armswatch("sources", "validate", data_dir=tmp_path)
    assert good.returncode == 0, good.stdout + good.stderr


def _crawl_forum(data_dir: Path) -> None:
    done = run_armswatch("crawl", "demo-forum", data_dir=data_dir)
    assert done.returncode == 0, done.stdout + done.stderr


def test_recrawls_add_no_duplicates_and_record_changed_prices(
    demo_data: Path, tmp_path: Path
) -> None:
    from armswatch.demo.server import DemoSites

    data_dir = tmp_path / "data"
    shutil.copytree(demo_data, data_dir)
    forum = offers_by_site(1)["forum"]
    with DemoSites(day=1):
        _crawl_forum(data_dir)
    assert _search(data_dir, "source:demo-forum")["total"] == len(forum)
    assert _search(data_dir, "source:demo-forum AND version:>1")["total"] == 0

    with DemoSites(day=2):
        _crawl_forum(data_dir)
    repriced = {key for key in changes(2).repriced if key[0] == "forum"}
    added = {key for key in changes(2).added if key[0] == "forum"}
    assert repriced and added
    changed_ids = {hit["id"] for hit in _search(data_dir, "version:2")["hits"]}
    assert changed_ids == {listing_id("demo-forum", offer_id, "") for _, offer_id in repriced}
    assert _search(data_dir, "source:demo-forum")["total"] == len(forum) + len(added)
    _assert_history_shows_old_and_new_price(data_dir, sorted(repriced)[0][1])


def _assert_history_shows_old_and_new_price(data_dir: Path, offer_id: str) -> None:
    shown = run_armswatch(
        "show", listing_id("demo-forum", offer_id, ""), "--json", data_dir=data_dir
    )
    assert shown.returncode == 0, shown.stderr
    document = json.loads(shown.stdout)
    before, after = expected_listing("forum", offer_id, 1), expected_listing("forum", offer_id, 2)
    assert before is not None and after is not None
    assert document["version"] == 2
    assert document["price"]["amount"] == pytest.approx(after.price_amount)
    old_prices = [version["price"]["amount"] for version in document["history"]]
    assert pytest.approx(before.price_amount) in old_prices


def test_demo_command_serves_crawls_and_summarises(tmp_path: Path) -> None:
    done = run_armswatch("demo", data_dir=tmp_path / "data", timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    total = sum(len(offers) for offers in offers_by_site(1).values())
    assert total >= 1500
    assert f"{total} listings in the index" in done.stdout.replace("\n", " ")
    for query in truth.first_searches(1):
        assert query in done.stdout
    with AlertStore(tmp_path / "data" / "alerts.db") as store:
        fired = store.alerts(suppressed=None, limit=None)
    assert fired
    assert f"{len(fired)} alerts for case officers" in done.stdout.replace("\n", " ")
