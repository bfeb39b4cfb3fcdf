"""Whatever a source file holds, loading it gives a `Source` or a `SourceConfigError` whose
every problem names the file (and the field, where there is one): never a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from armswatch.cli import exit_codes
from armswatch.cli.main import app
from crawlers.errors import SourceConfigError
from crawlers.source import Source
from crawlers.source_loader import load_source
from tests.fuzz.strategies import (
    PATTERNS,
    REPO,
    UNKNOWN_KEYS,
    VALUES,
    alias_bomb,
    dump,
    load_document,
    mutated,
    nest,
    raw_bytes,
    yaml_like_text,
)

DEMO_MARKET = load_document(REPO / "sources" / "demo-market.yaml")
SHIPPED = [load_document(path) for path in sorted((REPO / "sources").glob("*.yaml"))]


@pytest.fixture(scope="module")
def source_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One file the examples overwrite in turn."""
    return tmp_path_factory.mktemp("fuzz-sources") / "fuzzed.yaml"


def load_or_clear_error(path: Path) -> Source | SourceConfigError:
    """The source, or the error, checked to name the file in every problem."""
    try:
        return load_source(path)
    except SourceConfigError as error:
        assert error.problems, "an error without problems"
        for problem in error.problems:
            assert problem.file == path
            assert problem.message.strip()
            assert str(problem).startswith(str(path))
        assert " object at 0x" not in str(error)
        return error


def with_value(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    document: dict[str, Any] = {**DEMO_MARKET}
    target = document
    for part in path[:-1]:
        target[part] = {**target[part]}
        target = target[part]
    target[path[-1]] = value
    return document


@given(raw_bytes)
@example(b"name: \xff\xfe\n")  # bug: UnicodeDecodeError leaked
@example("name: x\n".encode("utf-16"))  # bug: UnicodeDecodeError leaked
@example(b"[" * 1200 + b"]" * 1200)  # bug: RecursionError in PyYAML's composer
@example(b"name: a\x00b\n")
def test_any_bytes_give_a_source_or_a_clear_error(source_file: Path, data: bytes) -> None:
    source_file.write_bytes(data)
    load_or_clear_error(source_file)


@given(yaml_like_text)
@example("limits: {max_pages: " + "9" * 5000 + "}\n")  # bug: ValueError (int digit limit)
@example("name: 2024-02-30\n")  # bug: ValueError from PyYAML's timestamp constructor
@example("a: !!timestamp foo\n")  # bug: AttributeError from PyYAML
@example("a: !!bool maybe\n")  # bug: KeyError from PyYAML
@example("a: !!int ''\n")  # bug: IndexError from PyYAML
@example("a: &a [*a]\n")  # bug: RecursionError on a self-referencing alias
@example(alias_bomb(7, 10))  # bug: 20 s spent walking 10^7 aliased values
@example("a: !!python/object/apply:os.system [echo]\n")
def test_any_text_gives_a_source_or_a_clear_error(source_file: Path, text: str) -> None:
    source_file.write_text(text, encoding="utf-8", errors="surrogatepass")
    load_or_clear_error(source_file)


def test_yaml_limits_are_reported_with_line_and_fix(source_file: Path) -> None:
    source_file.write_text(alias_bomb(7, 10), encoding="utf-8")
    bomb = load_or_clear_error(source_file)
    assert isinstance(bomb, SourceConfigError)
    assert "more than 10000 values" in str(bomb) and "aliases" in bomb.problems[0].hint
    source_file.write_bytes(b"name: demo\nkind: \xff\n")
    undecodable = load_or_clear_error(source_file)
    assert isinstance(undecodable, SourceConfigError)
    assert undecodable.problems[0].line == 2 and "UTF-8" in str(undecodable)


@given(mutated(DEMO_MARKET))
@example(with_value(("detail", "listing_id_pattern"), "(" * 2000 + ")" * 2000))  # bug
@example(with_value(("detail", "listing_id_pattern"), "(a{99999999999})"))  # bug: Overflow
@example(with_value(("detail", "price"), {"css": "a", "regex": "x{99999999999}"}))  # bug
@example(with_value(("detail", "title"), nest("h1", 60)))
@example(with_value(("schedule",), "*/0 * * * *"))
@example(with_value(("detail", "language"), "xpath:/html/@lang\x00"))
def test_a_mutated_demo_source_gives_a_source_or_errors_on_real_fields(
    source_file: Path, document: dict[str, Any]
) -> None:
    source_file.write_text(dump(document), encoding="utf-8")
    result = load_or_clear_error(source_file)
    if isinstance(result, SourceConfigError):
        keys = {str(key) for key in [*document, *Source.model_fields]}  # a key may hold dots
        for problem in result.problems:
            field = problem.field
            assert not field or any(field == k or field.startswith(f"{k}.") for k in keys), problem


@given(
    st.sampled_from(
        [
            ("detail", "listing_id_pattern"),
            ("detail", "price", "regex"),
            ("detail", "title", "css"),
            ("detail", "title", "xpath"),
            ("index", "pagination", "url_pattern"),
            ("schedule",),
            ("languages",),
        ]
    ),
    PATTERNS,
)
def test_any_pattern_selector_or_schedule_gives_a_source_or_names_its_field(
    source_file: Path, where: tuple[str, ...], text: str
) -> None:
    path = ".".join(where)
    value: Any = [text] if where == ("languages",) else text
    if where[-1] in {"regex", "css", "xpath"}:
        where, value = where[:-1], {"css": "span.price", where[-1]: text}
        if "css" in value and "xpath" in value:
            del value["css"]
    source_file.write_text(dump(with_value(where, value)), encoding="utf-8")
    result = load_or_clear_error(source_file)
    if isinstance(result, SourceConfigError):
        for problem in result.problems:  # a model check names the section holding the value
            assert problem.field, result
            assert (path + ".").startswith(problem.field + ".") or problem.field.startswith(path)


@given(st.sampled_from(SHIPPED).flatmap(mutated))
def test_every_shipped_source_mutated_gives_a_source_or_a_clear_error(
    source_file: Path, document: dict[str, Any]
) -> None:
    source_file.write_text(dump(document), encoding="utf-8")
    load_or_clear_error(source_file)


@given(st.sampled_from(["name", "kind", "start_urls", "index"]))
def test_a_dropped_required_key_is_named(source_file: Path, key: str) -> None:
    source_file.write_text(dump({k: v for k, v in DEMO_MARKET.items() if k != key}))
    error = load_or_clear_error(source_file)
    assert isinstance(error, SourceConfigError)
    assert any(p.field == key and "required" in p.message for p in error.problems), error


@given(st.sampled_from([(), ("detail",), ("limits",), ("rate_limit",)]), UNKNOWN_KEYS, VALUES)
def test_an_unknown_key_is_named_with_its_path(
    source_file: Path, where: tuple[str, ...], key: str, value: Any
) -> None:
    document = with_value((*where, key), value) if where else {**DEMO_MARKET, key: value}
    assume(key not in (DEMO_MARKET[where[0]] if where else DEMO_MARKET))
    assume(yaml.safe_load(dump({key: 0})) == {key: 0})  # YAML reads `\x85` as a line break
    source_file.write_text(dump(document), encoding="utf-8")
    error = load_or_clear_error(source_file)
    assert isinstance(error, SourceConfigError)
    field = ".".join((*where, key))
    assert any(p.field == field and "unknown key" in p.message for p in error.problems), error


@settings(max_examples=40)
@given(
    st.one_of(raw_bytes, st.sampled_from(SHIPPED).flatmap(mutated).map(lambda d: dump(d).encode()))
)
@example(b"[" * 1200)
def test_sources_validate_exits_with_a_message_not_a_traceback(
    source_file: Path, data: bytes
) -> None:
    source_file.write_bytes(data)
    result = CliRunner().invoke(app, ["sources", "validate", str(source_file)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in {exit_codes.OK, exit_codes.BAD_INPUT}
    assert "Traceback" not in result.output
    if result.exit_code == exit_codes.BAD_INPUT:
        assert str(source_file) in result.stderr and "problem(s) found" in result.stderr
