"""`armswatch actors list|show|link|unlink` on one crawl of the demo sites, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import run_armswatch

NORDIC = ("Obsidian Bazaar:NordicSteel", "Iron Board:nordic_steel")
KRAUT = ("Iron Board:kraut_tactical", "Kleinanzeigen-Demo:krauttactical")
PLANTED_PAIRS = {
    frozenset(NORDIC): "pgp_fingerprint",
    frozenset({"Obsidian Bazaar:IronCurtain", "Iron Board:ironcurtain77"}): "crypto_address",
    frozenset({"Obsidian Bazaar:BalkanParts", "Kleinanzeigen-Demo:balkan.parts"}): "crypto_address",
}


def actors(demo_data: Path, data_dir: Path, *args: str) -> Any:
    done = run_armswatch(*args, data_dir=data_dir, env=_index(demo_data))
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout) if "--json" in args else done.stdout


def _index(demo_data: Path) -> dict[str, str]:
    return {"ARMSWATCH_INDEX": f"sqlite:///{demo_data / 'armswatch.db'}"}


def _pairs(document: dict[str, Any]) -> dict[frozenset[str], dict[str, Any]]:
    return {frozenset(m["vendor"] for m in actor["members"]): actor for actor in document["actors"]}


def test_list_shows_the_planted_actors_then_weaker_suggestions(
    demo_data: Path, tmp_path: Path
) -> None:
    document = actors(demo_data, tmp_path, "actors", "list", "--json", "--min-confidence", "0.3")
    found = _pairs(document)
    assert set(found) == set(PLANTED_PAIRS)
    for members, kind in PLANTED_PAIRS.items():
        actor = found[members]
        assert actor["id"].startswith("A") and actor["firearm_related"]
        assert {e["kind"] for link in actor["links"] for e in link["evidence"]} == {kind}
    kraut = [s for s in document["suggestions"] if {s["first"], s["second"]} == set(KRAUT)]
    assert kraut and 0.3 <= kraut[0]["confidence"] < 1
    assert all(s["confidence"] >= 0.3 and s["reasons"] for s in document["suggestions"])
    firearms = actors(demo_data, tmp_path, "actors", "list", "--firearms", "--json")
    assert set(_pairs(firearms)) == set(PLANTED_PAIRS)
    assert all(s["confidence"] >= 0.5 for s in firearms["suggestions"])
    [top, *_] = firearms["suggestions"]  # the reused photo puts kraut above the default 0.5
    assert {top["first"], top["second"]} == set(KRAUT)
    assert {reason["kind"] for reason in top["reasons"]} == {"photo", "handle"}
    table = actors(demo_data, tmp_path, "actors", "list")
    assert "Obsidian Bazaar:NordicSteel" in table and "pgp_fingerprint x1" in table


def test_show_gives_every_link_with_its_evidence(demo_data: Path, tmp_path: Path) -> None:
    text = actors(demo_data, tmp_path, "actors", "show", "demo-market:nordicsteel")
    assert "pgp_fingerprint" in text
    assert "http://127.0.0.1:8301/vendor/NordicSteel" in text
    assert "http://127.0.0.1:8302/member/nordic_steel" in text
    shown = actors(demo_data, tmp_path, "actors", "show", "Iron Board:nordic_steel", "--json")
    by_id = actors(demo_data, tmp_path, "actors", "show", shown["id"][:6], "--json")
    assert by_id["members"] == shown["members"]
    [link] = shown["links"]
    [evidence] = link["evidence"]
    assert evidence["first"]["first_seen"] and evidence["second"]["last_seen"]
    assert len(evidence["value"]) == 40


def test_decisions_are_kept_and_change_the_next_list(demo_data: Path, tmp_path: Path) -> None:
    unlinked = actors(demo_data, tmp_path, "actors", "unlink", *NORDIC, "--note", "test key",
                      "--analyst", "kim")  # fmt: skip
    assert "unlinked" in unlinked and "kim" in unlinked
    kraut_args = ("demo-forum:kraut_tactical", "demo-classifieds:krauttactical")
    actors(demo_data, tmp_path, "actors", "link", *kraut_args,
           "--note", "same photo", "--analyst", "ola")  # fmt: skip
    assert (tmp_path / "intel.db").exists()
    document = actors(demo_data, tmp_path, "actors", "list", "--json", "--min-confidence", "0")
    found = _pairs(document)
    assert frozenset(NORDIC) not in found
    [rejected] = document["rejected"]
    assert {rejected["first"], rejected["second"]} == set(NORDIC)
    assert rejected["decision"]["analyst"] == "kim" and rejected["decision"]["note"] == "test key"
    kraut = found[frozenset(KRAUT)]
    [link] = kraut["links"]
    assert link["decision"]["verdict"] == "link" and link["decision"]["analyst"] == "ola"
    assert not any({s["first"], s["second"]} == set(KRAUT) for s in document["suggestions"])


def test_an_unknown_vendor_is_an_error_naming_the_close_ones(
    demo_data: Path, tmp_path: Path
) -> None:
    done = run_armswatch("actors", "link", "demo-market:NordicStee", "demo-forum:nordic_steel",
                         data_dir=tmp_path, env=_index(demo_data))  # fmt: skip
    assert done.returncode == 3
    assert "no vendor 'demo-market:NordicStee'" in done.stderr
    assert "did you mean Obsidian Bazaar:NordicSteel" in done.stderr
    assert not (tmp_path / "intel.db").exists()
    same = run_armswatch("actors", "unlink", "demo-forum:kraut_tactical", "kraut_tactical",
                         data_dir=tmp_path, env=_index(demo_data))  # fmt: skip
    assert same.returncode == 2 and "same vendor" in same.stderr
