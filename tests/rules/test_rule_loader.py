"""The rules directory: valid rules load, and every problem names file, line, field and fix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rules.conditions import listing_query
from rules.loader import RuleConfigError, UnknownRuleError, load_rules, validate_rules
from rules.model import window_start
from tests.conftest import run_armswatch

SHIPPED = Path(__file__).resolve().parents[2] / "rules"
CHANNELS = "channels:\n  case-file:\n    kind: file\n    path: alerts.jsonl\n"


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def rule_text(name: str = "r1", **extra: str) -> str:
    lines = [f"name: {name}", "owner: desk", "channels: [case-file]"]
    lines += [f"{key}: {value}" for key, value in extra.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    write(tmp_path, "channels.yaml", CHANNELS)
    return tmp_path


def test_the_shipped_rule_pack_is_valid_and_covers_the_named_threats() -> None:
    rules = load_rules(SHIPPED)
    assert set(rules.rules) >= {
        "auto-sears",
        "3d-printed-firearms",
        "components-by-post",
        "serial-removed",
        "bulk-ammunition",
        "firearms-into-watched-countries",
        "known-firearm-vendor-new-market",
    }
    assert "channels" not in rules.rules  # channels.yaml is not read as a rule
    assert all(rule.channels for rule in rules.rules.values())


def test_conditions_and_query_make_one_lucene_query(rules_dir: Path) -> None:
    write(
        rules_dir,
        "r.yaml",
        rule_text(
            query="'\"auto sear\"'",
            conditions="{category: [conversion_device], ships_to: [de, WW], "
            "price: {max: 500}, make: [Heckler & Koch]}",
        ),
    )
    rule = load_rules(rules_dir).rule("r1")
    assert listing_query(rule) == (
        '("auto sear") AND category:("conversion_device") AND entity.make:("Heckler & Koch")'
        ' AND ships_to:("DE" OR "WW") AND price.amount_usd:[* TO 500]'
    )


def test_durations_parse(rules_dir: Path) -> None:
    write(rules_dir, "r.yaml", rule_text(query="glock", digest="30m"))
    assert load_rules(rules_dir).rule("r1").digest == timedelta(minutes=30)


@pytest.mark.parametrize(
    ("extra", "field", "fragment"),
    [
        ({"query": "'\"unclosed'"}, "query", "not a valid query"),
        ({"query": "nosuchfield:x"}, "query", "nosuchfield"),
        ({"conditions": "{ships_to: [XX]}"}, "conditions.ships_to", "ISO 3166"),
        ({"conditions": "{categroy: [firearm]}"}, "conditions.categroy", "did you mean `category`"),
        ({"conditions": "{price: {min: 9, max: 1}}"}, "conditions.price", "above max"),
        ({"severity": "urgent"}, "severity", "critical"),
        ({"digest": "soon"}, "digest", "30m"),
        ({"recipients": "[not-an-address]"}, "recipients", "e-mail"),
        ({}, "", "give a `query`, `conditions` or both"),
    ],
)
def test_each_problem_names_file_field_and_fix(
    rules_dir: Path, extra: dict[str, str], field: str, fragment: str
) -> None:
    path = write(rules_dir, "bad.yaml", rule_text(**extra))
    problems = validate_rules(rules_dir)
    assert len(problems) == 1, problems
    problem = problems[0]
    assert problem.file == path
    assert problem.field == field
    assert fragment in str(problem)


def test_unknown_channel_and_duplicate_name_are_reported_across_files(rules_dir: Path) -> None:
    write(rules_dir, "a.yaml", rule_text("same", query="glock"))
    second = rule_text("same", query="glock").replace("[case-file]", "[case-fiel]")
    write(rules_dir, "b.yaml", second)
    with pytest.raises(RuleConfigError) as raised:
        load_rules(rules_dir)
    messages = [str(problem) for problem in raised.value.problems]
    assert any("b.yaml" in m and "already used by" in m for m in messages)
    assert any("channels.0" in m and "case-fiel" in m and "case-file" in m for m in messages)


def test_an_email_channel_needs_recipients(rules_dir: Path) -> None:
    write(
        rules_dir,
        "channels.yaml",
        CHANNELS + "  mail:\n    kind: email\n    host: 127.0.0.1\n    sender: a@b.example\n",
    )
    write(rules_dir, "r.yaml", rule_text(query="glock").replace("[case-file]", "[mail]"))
    [problem] = validate_rules(rules_dir)
    assert problem.field == "recipients"


def test_a_bad_channels_file_is_reported_with_its_line(rules_dir: Path) -> None:
    write(rules_dir, "channels.yaml", "channels:\n  hook:\n    kind: webhook\n    url: ftp://x\n")
    write(rules_dir, "r.yaml", rule_text(query="glock").replace("[case-file]", "[hook]"))
    problems = validate_rules(rules_dir)
    assert any(
        p.file.name == "channels.yaml" and "url" in p.field and p.line == 4 for p in problems
    ), problems


def test_unknown_rule_suggests_the_closest(rules_dir: Path) -> None:
    write(rules_dir, "r.yaml", rule_text("auto-sears", query="glock"))
    with pytest.raises(UnknownRuleError, match="did you mean 'auto-sears'"):
        load_rules(rules_dir).rule("auto-sear")


def test_a_time_window_begins_where_it_can() -> None:
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    assert window_start(None, now) is None
    assert window_start("30d", now) == datetime(2026, 10, 31, 12, tzinfo=UTC)
    assert window_start("999999999d", now) == datetime.min.replace(tzinfo=UTC)  # all of it
    with pytest.raises(ValueError, match="not a duration"):
        window_start("soon", now)


def test_the_cli_takes_any_window_and_refuses_a_wrong_one(tmp_path: Path) -> None:
    done = run_armswatch("rules", "test", "auto-sears", "--since", "999999999d", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "would have fired 0 alerts for 0 listings; nothing was sent" in done.stdout
    done = run_armswatch("alerts", "list", "--since", "soon", data_dir=tmp_path)
    assert done.returncode == 2 and "--since: 'soon' is not a duration" in done.stderr
