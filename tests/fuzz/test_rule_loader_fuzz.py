"""Whatever a rule file or `channels.yaml` holds, loading it gives rules or a
`RuleConfigError` whose every problem names the file (and the field): never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from armswatch.cli import exit_codes
from armswatch.cli.main import app
from rules.channel_config import CHANNELS_FILE
from rules.loader import RuleConfigError, RuleSet, load_channels, load_rule, load_rules
from rules.model import Rule
from tests.fuzz.strategies import (
    DURATIONS,
    REPO,
    VALUES,
    dump,
    load_document,
    mutated,
    queries,
    raw_bytes,
    yaml_like_text,
)

RULE_PATHS = sorted(p for p in (REPO / "rules").glob("*.yaml") if p.name != CHANNELS_FILE)
SHIPPED_RULES = [load_document(path) for path in RULE_PATHS]
SHIPPED_CHANNELS = load_document(REPO / "rules" / CHANNELS_FILE)
AUTO_SEARS = load_document(REPO / "rules" / "auto-sears.yaml")


@pytest.fixture(scope="module")
def rules_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rules directory with the shipped channels; the examples overwrite `fuzzed.yaml`."""
    directory = tmp_path_factory.mktemp("fuzz-rules")
    shutil.copy(REPO / "rules" / CHANNELS_FILE, directory / CHANNELS_FILE)
    return directory


@pytest.fixture(scope="module")
def channels_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory whose `channels.yaml` the examples overwrite."""
    return tmp_path_factory.mktemp("fuzz-channels")


def assert_clear(error: RuleConfigError, path: Path) -> None:
    assert error.problems, "an error without problems"
    for problem in error.problems:
        assert problem.file == path
        assert problem.message.strip()
        assert str(problem).startswith(str(path))
    assert " object at 0x" not in str(error)


def load_or_clear_error(path: Path) -> Rule | RuleConfigError:
    try:
        return load_rule(path)
    except RuleConfigError as error:
        assert_clear(error, path)
        return error


def with_value(document: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    changed: dict[str, Any] = {**document}
    target = changed
    for part in path[:-1]:
        target[part] = {**target.get(part, {})}
        target = target[part]
    target[path[-1]] = value
    return changed


@given(raw_bytes)
@example(b"name: r\nowner: \xc3\x28\n")  # bug: UnicodeDecodeError leaked
@example(b"channels: [" * 1200)  # bug: RecursionError in PyYAML's composer
def test_any_bytes_give_a_rule_or_a_clear_error(rules_dir: Path, data: bytes) -> None:
    path = rules_dir / "fuzzed.yaml"
    path.write_bytes(data)
    load_or_clear_error(path)


@given(yaml_like_text)
@example("owner: 2024-02-30\n")  # bug: ValueError from PyYAML's timestamp constructor
@example("digest: !!float abc\n")  # bug: ValueError from PyYAML
@example("&a {b: *a}\n")  # bug: RecursionError on a self-referencing alias
def test_any_text_gives_a_rule_or_a_clear_error(rules_dir: Path, text: str) -> None:
    path = rules_dir / "fuzzed.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    load_or_clear_error(path)


@given(st.sampled_from(SHIPPED_RULES).flatmap(mutated))
@example(with_value(AUTO_SEARS, ("digest",), 10**30))  # bug: OverflowError in parse_duration
@example(with_value(AUTO_SEARS, ("digest",), float("inf")))  # bug: OverflowError
@example(with_value(AUTO_SEARS, ("suppression", "quiet_period"), "99999999999999d"))  # bug
@example(with_value(AUTO_SEARS, ("conditions", "vendor_first_seen_within"), float("nan")))
@example(with_value(AUTO_SEARS, ("query",), "first_seen:9999"))  # bug: ValueError (year 10000)
@example(with_value(AUTO_SEARS, ("query",), "(" * 400 + "a" + ")" * 400))  # bug: RecursionError
@example(with_value(AUTO_SEARS, (".",), None))  # a key with a dot in it, named as it is
def test_a_mutated_shipped_rule_gives_a_rule_or_errors_on_real_fields(
    rules_dir: Path, document: dict[str, Any]
) -> None:
    path = rules_dir / "fuzzed.yaml"
    path.write_text(dump(document), encoding="utf-8")
    result = load_or_clear_error(path)
    if isinstance(result, RuleConfigError):
        keys = {str(key) for key in [*document, *Rule.model_fields]}  # a key may hold dots
        for problem in result.problems:
            field = problem.field
            assert not field or any(field == k or field.startswith(f"{k}.") for k in keys), problem


@given(queries)
def test_a_rule_query_is_accepted_or_named_with_its_position(rules_dir: Path, query: str) -> None:
    path = rules_dir / "fuzzed.yaml"
    path.write_text(dump(with_value(AUTO_SEARS, ("query",), query)), encoding="utf-8")
    result = load_or_clear_error(path)
    if isinstance(result, RuleConfigError):
        problems = [problem for problem in result.problems if problem.field == "query"]
        assert problems, result
        assert all("query" in problem.message for problem in problems)


@given(st.sampled_from(["digest", "suppression", "conditions", "channels", "recipients"]), VALUES)
def test_a_wrong_value_is_named_by_its_field(rules_dir: Path, key: str, value: Any) -> None:
    path = rules_dir / "fuzzed.yaml"
    path.write_text(dump(with_value(AUTO_SEARS, (key,), value)), encoding="utf-8")
    result = load_or_clear_error(path)
    if isinstance(result, RuleConfigError):
        assert any(problem.field.split(".")[0] == key for problem in result.problems), result


@given(
    st.sampled_from(
        [("digest",), ("suppression", "quiet_period"), ("conditions", "vendor_first_seen_within")]
    ),
    DURATIONS,
)
def test_any_duration_gives_a_rule_or_names_its_field(
    rules_dir: Path, where: tuple[str, ...], value: Any
) -> None:
    path = rules_dir / "fuzzed.yaml"
    path.write_text(dump(with_value(AUTO_SEARS, where, value)), encoding="utf-8")
    result = load_or_clear_error(path)
    if isinstance(result, RuleConfigError):
        assert [problem.field for problem in result.problems] == [".".join(where)], result
        assert "is not a duration" in str(result)


@given(mutated(SHIPPED_CHANNELS) | raw_bytes)
def test_a_fuzzed_channels_file_gives_channels_or_a_clear_error(
    channels_dir: Path, content: dict[str, Any] | bytes
) -> None:
    path = channels_dir / CHANNELS_FILE
    path.write_bytes(content if isinstance(content, bytes) else dump(content).encode())
    try:
        load_channels(channels_dir)
    except RuleConfigError as error:
        assert_clear(error, path)


@given(st.sampled_from(SHIPPED_RULES).flatmap(mutated))
def test_a_rules_directory_gives_a_rule_set_or_a_clear_error(
    rules_dir: Path, document: dict[str, Any]
) -> None:
    path = rules_dir / "fuzzed.yaml"
    path.write_text(dump(document), encoding="utf-8")
    try:
        assert isinstance(load_rules(rules_dir), RuleSet)
    except RuleConfigError as error:
        assert_clear(error, path)  # channels.yaml is the shipped one: valid


@settings(max_examples=40)
@given(raw_bytes | st.sampled_from(SHIPPED_RULES).flatmap(mutated).map(lambda d: dump(d).encode()))
@example(b"owner: 2024-02-30\n")
def test_rules_validate_exits_with_a_message_not_a_traceback(rules_dir: Path, data: bytes) -> None:
    path = rules_dir / "fuzzed.yaml"
    path.write_bytes(data)
    result = CliRunner().invoke(app, ["rules", "validate", "--dir", str(rules_dir)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in {exit_codes.OK, exit_codes.BAD_INPUT}
    assert "Traceback" not in result.output
    if result.exit_code == exit_codes.BAD_INPUT:
        assert f"error: {path}" in result.stderr
