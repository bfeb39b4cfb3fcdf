"""`armswatch extract` (JSON lines in, annotations out) and `armswatch reannotate`, end to end."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from armswatch.cli import exit_codes
from armswatch.demo import truth
from crawlers.listing import Listing, listing_id
from index.backend import IndexBackend
from index.selection import open_index
from tests.conftest import REPO, run_armswatch

SOURCE_OF_SITE = {"market": "demo-market", "forum": "demo-forum", "classifieds": "demo-classifieds"}
ANNOTATION_KEYS = {"firearm_related", "category", "score", "reasons", "entities"}
ENTITY_KEYS = {"label", "text", "field", "start", "end", "normalized"}
RECORDS = [
    {"id": "switch", "title": "Glock switch auto sear", "description": "Ships from NL"},
    {"id": "strain", "title": "AK-47 Kush 7g strain", "description": "Indoor, 20% THC"},
    {
        "id": "pistol",
        "title": "Пистолет Глок 19 с патронами 9х19",
        "description": "Продаю пистолет Глок 17, доставка по Москве",
    },
]


def _jsonl(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


def _output_lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def _check_annotations(found: dict[str, Any], record: dict[str, Any]) -> None:
    assert set(found) == {"id", "annotations"}
    annotations = found["annotations"]
    assert set(annotations) == ANNOTATION_KEYS
    assert isinstance(annotations["firearm_related"], bool)
    assert isinstance(annotations["score"], float) and 0.0 <= annotations["score"] <= 1.0
    assert isinstance(annotations["reasons"], list) and annotations["reasons"]
    for entity in annotations["entities"]:
        assert set(entity) == ENTITY_KEYS
        text = record[entity["field"]]
        assert text[entity["start"] : entity["end"]] == entity["text"]


def test_extract_writes_one_line_per_listing_in_order(tmp_path: Path) -> None:
    path = tmp_path / "listings.jsonl"
    path.write_text(_jsonl(RECORDS[:2]) + "\n" + _jsonl(RECORDS[2:]), encoding="utf-8")

    done = run_armswatch("extract", str(path), data_dir=tmp_path)

    assert done.returncode == exit_codes.OK, done.stderr
    lines = _output_lines(done.stdout)
    assert [line["id"] for line in lines] == ["switch", "strain", "pistol"]
    for line, record in zip(lines, RECORDS, strict=True):
        _check_annotations(line, record)
    categories = [line["annotations"]["category"] for line in lines]
    assert categories == ["conversion_device", "none", "firearm"]
    assert [line["annotations"]["firearm_related"] for line in lines] == [True, False, True]
    switch = lines[0]["annotations"]["entities"][0]
    assert switch == {
        "label": "COMPONENT",
        "text": "Glock switch",
        "start": 0,
        "end": 12,
        "field": "title",
        "normalized": "conversion_device/glock_switch",
    }


def test_extract_reads_stdin(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "armswatch", "extract"],
        input=_jsonl(RECORDS),
        cwd=REPO,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == exit_codes.OK, done.stderr
    lines = _output_lines(done.stdout)
    assert [line["id"] for line in lines] == ["switch", "strain", "pistol"]
    assert lines[0]["annotations"]["category"] == "conversion_device"


def test_malformed_line_exits_2_naming_the_line_and_keeps_earlier_output(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    good = json.dumps(RECORDS[0])
    path.write_text(f"{good}\n{{not json\n{json.dumps(RECORDS[1])}\n", encoding="utf-8")

    done = run_armswatch("extract", str(path), data_dir=tmp_path)

    assert done.returncode == exit_codes.BAD_INPUT == 2
    assert f"{path}:2" in done.stderr
    assert "Traceback" not in done.stderr
    lines = _output_lines(done.stdout)
    assert [line["id"] for line in lines] == ["switch"]
    assert lines[0]["annotations"]["category"] == "conversion_device"


def test_an_object_without_a_string_title_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "no-title.jsonl"
    path.write_text(f"{json.dumps(RECORDS[0])}\n{json.dumps({'title': 7})}\n", encoding="utf-8")
    done = run_armswatch("extract", str(path), data_dir=tmp_path)
    assert done.returncode == exit_codes.BAD_INPUT
    assert f"{path}:2" in done.stderr and "title" in done.stderr
    assert [line["id"] for line in _output_lines(done.stdout)] == ["switch"]


def _env(data_dir: Path) -> dict[str, str]:
    """The environment `run_armswatch` gives its process (which cannot pass stdin)."""
    env = {
        **os.environ,
        "ARMSWATCH_DATA": str(data_dir),
        "ARMSWATCH_SOURCES": str(REPO / "sources"),
    }
    env.pop("ARMSWATCH_INDEX", None)
    return env


# --------------------------------------------------------------- reannotate


def _open(data_dir: Path) -> IndexBackend:
    return open_index(f"sqlite:///{data_dir / 'armswatch.db'}")


def _all_listings(index: IndexBackend) -> Iterator[Listing]:
    offset = 0
    while True:
        page = index.search("*", limit=500, offset=offset, sort="oldest", highlight=False)
        yield from (hit.listing for hit in page.hits)
        offset += len(page.hits)
        if not page.hits or offset >= page.total:
            return


@pytest.fixture(scope="module")
def reannotated(demo_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo data whose annotations were removed, then `reannotate`d."""
    data_dir = tmp_path_factory.mktemp("reannotate") / "data"
    shutil.copytree(demo_data, data_dir)
    index = _open(data_dir)
    try:
        listings = list(_all_listings(index))
        assert listings
        index.upsert(listing.model_copy(update={"annotations": None}) for listing in listings)
        assert all(listing.annotations is None for listing in _all_listings(index))
    finally:
        index.close()
    done = run_armswatch("reannotate", data_dir=data_dir)
    assert done.returncode == exit_codes.OK, done.stdout + done.stderr
    assert f"{len(listings)} listings reannotated" in done.stderr
    return data_dir


def test_reannotate_leaves_every_listing_annotated(demo_data: Path, reannotated: Path) -> None:
    index = _open(reannotated)
    try:
        after = {listing.id: listing for listing in _all_listings(index)}
    finally:
        index.close()
    original = _open(demo_data)
    try:
        before = {listing.id: listing for listing in _all_listings(original)}
    finally:
        original.close()
    assert after.keys() == before.keys()
    unannotated = [listing_id for listing_id, item in after.items() if item.annotations is None]
    assert unannotated == []
    for listing_id_, listing in after.items():
        # reannotating changes annotations only: no new versions, same content and status
        exclude = {"annotations"}
        assert listing.model_dump(exclude=exclude) == before[listing_id_].model_dump(
            exclude=exclude
        )


def test_conversion_device_search_after_reannotate_matches_the_ground_truth(
    reannotated: Path,
) -> None:
    done = run_armswatch(
        "search", "category:conversion_device", "--json", "--limit", "2000", data_dir=reannotated
    )
    assert done.returncode == exit_codes.OK, done.stderr
    result = json.loads(done.stdout)
    found = {hit["id"] for hit in result["hits"]}
    offers = truth.expected_search(1, category="conversion_device")
    expected = {listing_id(SOURCE_OF_SITE[o.site], o.offer_id, "") for o in offers}
    assert expected, "the demo catalog has no conversion devices"
    titles = {listing_id(SOURCE_OF_SITE[o.site], o.offer_id, ""): o.title for o in offers}
    missing = sorted(titles[i] for i in expected - found)
    unexpected = sorted(hit["title"] for hit in result["hits"] if hit["id"] not in expected)
    assert (missing, unexpected) == ([], []), f"missing {missing}; unexpected {unexpected}"
    assert result["total"] == len(expected)


def test_reannotate_keeps_status_and_version_of_a_changed_listing(
    demo_data: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(demo_data, data_dir)
    index = _open(data_dir)
    try:
        stored = next(_all_listings(index))
        later = stored.captured_at + timedelta(hours=6)
        index.upsert(
            [
                stored.model_copy(
                    update={"title": f"{stored.title} (price drop)", "captured_at": later}
                )
            ]
        )
        changed = index.get(stored.id)
        assert changed is not None and changed.status == "changed" and changed.version == 2
        versions_before = len(index.history(stored.id))
    finally:
        index.close()

    done = run_armswatch("reannotate", "--query", f"id:{stored.id}", data_dir=data_dir)
    assert done.returncode == exit_codes.OK, done.stderr
    assert "1 listings reannotated" in done.stderr

    index = _open(data_dir)
    try:
        after = index.get(stored.id)
        history = index.history(stored.id)
    finally:
        index.close()
    assert after is not None and after.annotations is not None
    assert (after.status, after.version) == ("changed", 2)
    assert after.model_dump(exclude={"annotations"}) == changed.model_dump(exclude={"annotations"})
    assert len(history) == versions_before  # no new archived version
