"""Load and validate `sources/*.yaml`, turning pydantic errors into fixable messages."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from crawlers.errors import ConfigProblem, SourceConfigError, UnknownSourceError
from crawlers.source import Source
from crawlers.yaml_config import load_model, yaml_files


def load_source(path: Path) -> Source:
    """Read one source file; raise `SourceConfigError` with every problem in it."""
    return load_model(path, Source, SourceConfigError, example="name: my-source")


def validate_files(paths: Iterable[Path]) -> list[ConfigProblem]:
    """Every problem in the given files (directories are searched for `*.yaml`)."""
    problems: list[ConfigProblem] = []
    seen_names: dict[str, Path] = {}
    for path in yaml_files(paths):
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
    for path in yaml_files(directories):
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
