"""Load and validate `sources/*.yaml`, turning pydantic errors into fixable messages."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from crawlers.errors import ConfigProblem, SourceConfigError, UnknownSourceError
from crawlers.source import Source


def load_source(path: Path) -> Source:
    """Read one source file; raise `SourceConfigError` with every problem in it."""
    document, lines = _read_yaml(path)
    try:
        return Source.model_validate(document)
    except ValidationError as exc:
        problems = [_problem(path, error, lines) for error in exc.errors()]
        raise SourceConfigError(problems) from None


def validate_files(paths: Iterable[Path]) -> list[ConfigProblem]:
    """Every problem in the given files (directories are searched for `*.yaml`)."""
    problems: list[ConfigProblem] = []
    seen_names: dict[str, Path] = {}
    for path in _yaml_files(paths):
        try:
            source = load_source(path)
        except SourceConfigError as exc:
            problems.extend(exc.problems)
            continue
        if source.name in seen_names:
            problems.append(
                ConfigProblem(
                    path,
                    "name",
                    f"the name {source.name!r} is already used by {seen_names[source.name]}",
                    "give each source a unique name",
                )
            )
        seen_names[source.name] = path
    return problems


def load_all(directories: Iterable[Path]) -> dict[str, Source]:
    """Every valid source under the directories, by name; raise on the first invalid file."""
    sources: dict[str, Source] = {}
    for path in _yaml_files(directories):
        source = load_source(path)
        sources[source.name] = source
    return sources


def find_source(name: str, directories: Iterable[Path]) -> Source:
    """The source called `name`, or the one in the file `name` points at."""
    as_path = Path(name)
    if as_path.suffix in {".yaml", ".yml"} and as_path.is_file():
        return load_source(as_path)
    sources = load_all(directories)
    if name in sources:
        return sources[name]
    close = difflib.get_close_matches(name, sources, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    known = ", ".join(sorted(sources)) or "none"
    raise UnknownSourceError(f"no source named {name!r}{hint} (known sources: {known})")


def source_json_schema() -> dict[str, Any]:
    return Source.model_json_schema()


def _yaml_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.glob("*.y*ml") if p.suffix in {".yaml", ".yml"})
        else:
            yield path


def _read_yaml(path: Path) -> tuple[Any, dict[tuple[str | int, ...], int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceConfigError(
            [ConfigProblem(path, "", f"cannot read the file: {exc.strerror}")]
        ) from None
    try:
        document = yaml.safe_load(text)
        lines = _key_lines(yaml.compose(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = ConfigProblem(
            path,
            "",
            f"not valid YAML: {getattr(exc, 'problem', exc)}",
            "check indentation and quoting",
            line,
        )
        raise SourceConfigError([problem]) from None
    if not isinstance(document, dict):
        raise SourceConfigError(
            [
                ConfigProblem(
                    path,
                    "",
                    "the file must hold a mapping of keys to values",
                    "start with `name: my-source`",
                )
            ]
        )
    return document, lines


def _key_lines(
    node: yaml.Node | None, prefix: tuple[str | int, ...] = ()
) -> dict[tuple[str | int, ...], int]:
    """Line number (1-based) of every key and list item in a YAML document, by path."""
    lines: dict[tuple[str | int, ...], int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = (*prefix, str(key_node.value))
            lines[path] = key_node.start_mark.line + 1
            lines.update(_key_lines(value_node, path))
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            path = (*prefix, position)
            lines[path] = item.start_mark.line + 1
            lines.update(_key_lines(item, path))
    return lines


def _problem(
    path: Path, error: ErrorDetails, lines: dict[tuple[str | int, ...], int]
) -> ConfigProblem:
    location = tuple(part for part in error["loc"] if not _is_union_tag(part))
    field = ".".join(str(part) for part in location)
    line = _nearest_line(location, lines)
    kind = error["type"]
    if kind == "extra_forbidden":
        return _unknown_key(path, location, field, line)
    if kind == "missing":
        return ConfigProblem(
            path, field, "is required but missing", f"add `{location[-1]}:` here", line
        )
    message = error["msg"].removeprefix("Value error, ")
    return ConfigProblem(path, field, message, _hint_for(kind, error), line)


def _unknown_key(
    path: Path, location: tuple[Any, ...], field: str, line: int | None
) -> ConfigProblem:
    key = str(location[-1])
    allowed = _allowed_keys(location[:-1])
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"did you mean `{close[0]}`? " if close else ""
    hint += f"allowed here: {', '.join(allowed)}" if allowed else "remove it"
    return ConfigProblem(path, field, f"unknown key `{key}`", hint, line)


def _allowed_keys(location: tuple[Any, ...]) -> list[str]:
    """The keys the model accepts at a location, by walking the model classes."""
    model: type[BaseModel] = Source
    for part in location:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(str(part))
        if info is None:
            return []
        nested = _model_in(info.annotation)
        if nested is None:
            return []
        model = nested
    return list(model.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _hint_for(kind: str, error: ErrorDetails) -> str:
    if kind.startswith("url"):
        return "write a full URL such as `http://example.onion/`"
    if kind in {"literal_error", "enum"}:
        expected = error.get("ctx", {}).get("expected", "")
        return f"use one of {expected}" if expected else ""
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"this field takes a {kind.split('_')[0]}"
    if kind == "too_short":
        return "give at least one value"
    return ""


def _is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and (part.startswith("function-") or part in {"str", "dict"})


def _nearest_line(location: tuple[Any, ...], lines: dict[tuple[str | int, ...], int]) -> int | None:
    for end in range(len(location), 0, -1):
        line = lines.get(tuple(location[:end]))
        if line is not None:
            return line
    return None
