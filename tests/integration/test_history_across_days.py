"""Acceptance (issue 7): `armswatch history` across demo days 1, 2 and 3 of the demo forum.

The forum is crawled on day 1, twice on day 2 (a source is crawled several times a day; its
demo schedule is every six hours) and once on day 3, with the default `removed_after: 2`:

- an offer repriced on day 2 shows a price change;
- an offer taken down on day 2 is missed by both day-2 crawls, so the second one marks it
  removed; one that stays away stays removed;
- an offer taken down on day 2 that comes back on day 3 becomes active again, its earlier
  versions intact;
- an offer its vendor re-posts on day 3 under a new id is linked to the old one, both ways.

The listings are found from the demo catalog (`changes(2)`, `changes(3)`), not hard-coded.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from armswatch.demo.catalog import changes, expected_listing
from armswatch.demo.server import DemoSites
from crawlers.listing import listing_id
from index.history_store import HistoryStore
from tests.conftest import REPO, run_armswatch

SITE, SOURCE = "forum", "demo-forum"
CRAWL_DAYS = (1, 2, 2, 3)


def forum_source(directory: Path, forum_url: str) -> Path:
    """The demo forum's source file, pointing at `forum_url`."""
    source = yaml.safe_load((REPO / "sources" / f"{SOURCE}.yaml").read_text())
    source["start_urls"] = [forum_url + "/"]
    path = directory / f"{SOURCE}.yaml"
    path.write_text(yaml.safe_dump(source, sort_keys=False))
    return path


def forum_keys(keys: frozenset[tuple[str, str]]) -> list[str]:
    return sorted(offer_id for site, offer_id in keys if site == SITE)


def forum_id(offer_id: str) -> str:
    return listing_id(SOURCE, offer_id, "")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory after crawling the forum on days 1, 2, 2 and 3."""
    directory = tmp_path_factory.mktemp("history")
    data_dir = directory / "data"
    env = {"ARMSWATCH_RULES": str(directory / "no-rules")}  # alerts are not under test here
    with DemoSites(day=1, ports={SITE: 0}, sites=[SITE]) as sites:
        source = forum_source(directory, sites.base_urls[SITE])
        for day in CRAWL_DAYS:
            sites.set_day(day)
            done = run_armswatch("crawl", str(source), data_dir=data_dir, env=env, timeout=600)
            assert done.returncode == 0, f"day {day}: {done.stdout}{done.stderr}"
    return data_dir


def history(data_dir: Path, offer_id: str) -> dict[str, Any]:
    done = run_armswatch("history", forum_id(offer_id), "--json", data_dir=data_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def statuses(document: dict[str, Any]) -> list[str]:
    return [version["status"] for version in document["versions"]]


def changed_fields(version: dict[str, Any]) -> dict[str, tuple[str | None, str | None]]:
    return {change["field"]: (change["before"], change["after"]) for change in version["changes"]}


def stays_away() -> list[str]:
    """Forum offers taken down on day 2 that neither come back nor are re-posted on day 3."""
    back = set(forum_keys(changes(3).returned))
    reposted = {old for new, old in changes(3).reposted if old[0] == SITE}
    return [
        i for i in forum_keys(changes(2).removed) if i not in back and (SITE, i) not in reposted
    ]


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_a_repriced_offer_shows_its_price_change(crawled: Path) -> None:
    offer_id = forum_keys(changes(2).repriced)[0]
    before, after = expected_listing(SITE, offer_id, 1), expected_listing(SITE, offer_id, 2)
    assert before is not None and after is not None
    document = history(crawled, offer_id)
    assert [version["version"] for version in document["versions"]] == [1, 2]
    assert document["status"] == "active"
    # the new price was noted by day 2's first crawl, recaptured unchanged since
    changed = document["versions"][1]
    assert changed["since"] is not None
    assert datetime.fromisoformat(changed["since"]) < datetime.fromisoformat(changed["captured_at"])
    price_before, price_after = changed_fields(document["versions"][1])["price"]
    assert price_before is not None and price_after is not None
    assert float(price_before.split()[0]) == pytest.approx(before.price_amount)
    assert float(price_after.split()[0]) == pytest.approx(after.price_amount)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_an_offer_gone_since_day_two_is_removed_by_the_second_complete_crawl(
    crawled: Path,
) -> None:
    gone = stays_away()
    assert gone, "the demo takes some forum offers down for good on day 2"
    document = history(crawled, gone[0])
    assert statuses(document) == ["active", "removed"]
    assert document["status"] == "removed"
    assert changed_fields(document["versions"][1]) == {"status": ("active", "removed")}
    with HistoryStore(crawled / "history.db") as store:
        crawls = store.crawls(SOURCE)
    assert [crawl.complete for crawl in crawls] == [True] * len(CRAWL_DAYS)
    # day 2's first crawl misses the offers taken down once; its second one removes them all
    assert [crawl.removed for crawl in crawls] == [0, 0, len(forum_keys(changes(2).removed)), 0]


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_an_offer_back_on_day_three_is_active_again_with_its_history(crawled: Path) -> None:
    offer_id = forum_keys(changes(3).returned)[0]
    document = history(crawled, offer_id)
    assert statuses(document) == ["active", "removed", "active"]
    assert [version["version"] for version in document["versions"]] == [1, 2, 3]
    assert changed_fields(document["versions"][2]) == {"status": ("removed", "active")}
    text = run_armswatch("history", forum_id(offer_id), data_dir=crawled).stdout
    assert "status active -> removed" in text and "status removed -> active" in text


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_a_reposted_offer_is_linked_to_the_old_one_both_ways(crawled: Path) -> None:
    new_key, old_key = sorted(pair for pair in changes(3).reposted if pair[0][0] == SITE)[0]
    new, old = forum_id(new_key[1]), forum_id(old_key[1])
    reposted = history(crawled, new_key[1])
    assert [link["id"] for link in reposted["repost_of"]] == [old]
    assert reposted["repost_of"][0]["similarity"] >= 0.9
    original = history(crawled, old_key[1])
    assert [link["id"] for link in original["reposted_as"]] == [new]
    assert original["status"] == "removed"
    text = run_armswatch("history", new, data_dir=crawled).stdout
    assert f"re-post of {old}" in text


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_only_the_demo_reposts_are_linked(crawled: Path) -> None:
    expected = {
        (forum_id(new[1]), forum_id(old[1])) for new, old in changes(3).reposted if new[0] == SITE
    }
    with HistoryStore(crawled / "history.db") as store:
        linked = {(link.new_id, link.old_id) for link in store.links(SOURCE)}
    assert linked == expected


@pytest.mark.slow
def test_an_unknown_id_exits_3(crawled: Path) -> None:
    done = run_armswatch("history", "no-such-listing", data_dir=crawled)
    assert done.returncode == 3
    assert "no listing with id" in done.stderr
