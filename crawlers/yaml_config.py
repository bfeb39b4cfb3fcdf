"""Read YAML configuration files into pydantic models, with fixable error messages.

Every problem is reported with its file, line and dotted field, and a hint on how to fix it:
an unknown key gets a did-you-mean, a missing one says what to add. Sources and alert rules
are both read this way.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from crawlers.errors import ConfigError, ConfigProblem

Model = TypeVar("Model", bound=BaseModel)
KeyLines = dict[tuple[str | int, ...], int]
MAX_NESTING = 50  # levels of lists and mappings a file may nest
MAX_VALUES = 10_000  # values a file may hold, counting each repeat of an alias


def load_model(path: Path, model: type[Model], error: type[ConfigError], example: str) -> Model:
    """Read one YAML file into `model`; raise `error` with every problem in it.

    `example` is the first line the hint suggests for a file that is not a mapping.
    """
    document, lines = read_yaml(path, error, example)
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        problems = [_problem(path, item, lines, model, document) for item in exc.errors()]
        raise error(problems) from None


def yaml_files(paths: Iterable[Path], exclude: frozenset[str] = frozenset()) -> Iterator[Path]:
    """The given files, and the `*.yaml`/`*.yml` files of the given directories (sorted) whose
    names are not in `exclude`."""
    for path in paths:
        if path.is_dir():
            found = (p for p in path.glob("*.y*ml") if p.suffix in {".yaml", ".yml"})
            yield from sorted(p for p in found if p.name not in exclude)
        else:
            yield path


def read_yaml(path: Path, error: type[ConfigError], example: str) -> tuple[Any, KeyLines]:
    """The document of a YAML file that must hold a mapping, and the line of every key."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise error([ConfigProblem(path, "", f"cannot read the file: {exc.strerror}")]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error([_not_utf8(path, data, exc)]) from None
    try:
        document, node = _load_yaml(text)
    except yaml.YAMLError as exc:
        raise error([_yaml_problem(path, text, exc)]) from None
    lines = _key_lines(node)
    if not isinstance(document, dict):
        raise error(
            [
                ConfigProblem(
                    path,
                    "",
                    "the file must hold a mapping of keys to values",
                    f"start with `{example}`",
                )
            ]
        )
    return document, lines


class _RefusedYaml(yaml.MarkedYAMLError):
    """Valid YAML that a configuration file has no use for, or a value PyYAML cannot read."""

    def __init__(self, problem: str, hint: str, mark: Any) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.hint = hint


class _ConfigLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` that refuses what no configuration file needs, before it costs time
    or a RecursionError: values nested more than MAX_NESTING deep, an alias inside the value
    it names, and aliases that expand to more than MAX_VALUES values ("billion laughs").
    A scalar PyYAML cannot read (`2024-02-30`, `!!int x`) becomes a YAMLError with its line
    instead of PyYAML's bare ValueError, KeyError or AttributeError."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0
        self._sizes: dict[int, int] = {}  # id(node) -> its values, aliases expanded

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self._refuse_alias_to_itself(event)
        if self._depth >= MAX_NESTING:
            problem = f"values nested more than {MAX_NESTING} levels deep"
            raise _RefusedYaml(problem, "flatten the structure", event.start_mark)
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is not None and id(node) not in self._sizes:
            self._count(node)
        return node

    def _refuse_alias_to_itself(self, event: yaml.AliasEvent) -> None:
        named = self.anchors.get(event.anchor or "")
        if named is not None and id(named) not in self._sizes:  # still being composed
            problem = f"the alias *{event.anchor} stands inside the value it names"
            raise _RefusedYaml(problem, "an alias cannot repeat its own parent", event.start_mark)

    def _count(self, node: yaml.Node) -> None:
        size = 1 + sum(self._sizes[id(child)] for child in _children(node))
        if size > MAX_VALUES:
            problem = f"more than {MAX_VALUES} values (counting each repeat of an alias)"
            raise _RefusedYaml(problem, "use fewer aliases, or split the file", node.start_mark)
        self._sizes[id(node)] = size

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ValueError, LookupError, AttributeError, TypeError, ArithmeticError) as exc:
            kind = node.tag.rsplit(":", 1)[-1]
            reason = str(exc).split(";")[0]  # not Python's advice on int digit limits
            problem = f"cannot read {_shown(node)} as {kind} ({reason})"
            raise _RefusedYaml(problem, "quote it to keep it as text", node.start_mark) from None


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        yield from node.value
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value


def _shown(node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode):
        return "this value"
    value = str(node.value)
    return repr(value if len(value) <= 40 else f"{value[:40]}…")


def _load_yaml(text: str) -> tuple[Any, yaml.Node | None]:
    """The document, and its node tree for the line numbers, from one parse."""
    loader = _ConfigLoader(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    finally:
        loader.dispose()


def _yaml_problem(path: Path, text: str, exc: yaml.YAMLError) -> ConfigProblem:
    if isinstance(exc, yaml.reader.ReaderError):  # a control character; it has no mark
        character = f"U+{exc.character:04X}" if isinstance(exc.character, int) else "?"
        message = f"not valid YAML: the control character {character} is not allowed"
        return ConfigProblem(path, "", message, "remove it", text.count("\n", 0, exc.position) + 1)
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    if isinstance(exc, _RefusedYaml):
        return ConfigProblem(path, "", str(exc.problem), exc.hint, line)
    message = f"not valid YAML: {getattr(exc, 'problem', exc)}"
    return ConfigProblem(path, "", message, "check indentation and quoting", line)


def _not_utf8(path: Path, data: bytes, exc: UnicodeDecodeError) -> ConfigProblem:
    line = data.count(b"\n", 0, exc.start) + 1
    message = f"not UTF-8 text: byte {data[exc.start]:#04x} at offset {exc.start}"
    return ConfigProblem(path, "", message, "save the file as UTF-8", line)


def _key_lines(node: yaml.Node | None, prefix: tuple[str | int, ...] = ()) -> KeyLines:
    """Line number (1-based) of every key and list item in a YAML document, by path."""
    lines: KeyLines = {}
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
    path: Path, error: ErrorDetails, lines: KeyLines, model: type[BaseModel], document: Any
) -> ConfigProblem:
    location = _document_location(error["loc"], document)
    field = ".".join(str(part) for part in location)
    line = _nearest_line(location, lines)
    kind = error["type"]
    if kind == "extra_forbidden":
        return _unknown_key(path, location, field, line, model)
    if kind == "missing":
        return ConfigProblem(
            path, field, "is required but missing", f"add `{location[-1]}:` here", line
        )
    message = error["msg"].removeprefix("Value error, ")
    return ConfigProblem(path, field, message, _hint_for(kind, error), line)


def _unknown_key(
    path: Path, location: tuple[Any, ...], field: str, line: int | None, model: type[BaseModel]
) -> ConfigProblem:
    key = str(location[-1])
    allowed = _allowed_keys(model, location[:-1])
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"did you mean `{close[0]}`? " if close else ""
    hint += f"allowed here: {', '.join(allowed)}" if allowed else "remove it"
    return ConfigProblem(path, field, f"unknown key `{key}`", hint, line)


def _allowed_keys(model: type[BaseModel], location: tuple[Any, ...]) -> list[str]:
    """The keys the model accepts at a location, by walking the model classes."""
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


def _is_kind_tag(node: Any, part: Any) -> bool:
    """Whether `part` is the `kind:` value pydantic names a discriminated union's case by."""
    return isinstance(node, dict) and part not in node and node.get("kind") == part


def _child(node: Any, part: Any) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def _document_location(location: tuple[Any, ...], document: Any) -> tuple[Any, ...]:
    """The error's location as a path through the document: union and discriminator tags
    that pydantic puts in (`function-after`, `str`, a `kind:` value) are left out."""
    kept: list[Any] = []
    node = document
    for part in location:
        if _is_union_tag(part):
            continue
        if _is_kind_tag(node, part):
            continue
        node = _child(node, part)  # None past a key the document lacks (missing or unknown)
        kept.append(part)
    return tuple(kept)


def _nearest_line(location: tuple[Any, ...], lines: KeyLines) -> int | None:
    for end in range(len(location), 0, -1):
        line = lines.get(tuple(location[:end]))
        if line is not None:
            return line
    return None
