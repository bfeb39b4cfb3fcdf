"""The alert rules directory as the rules page shows it, one entry per file, and the one edit
the page makes: switching a rule's `enabled` in its YAML file.

Unlike `rules.loader.load_rules`, which refuses the whole set over one bad file, every file
is read on its own, so the page lists the valid rules next to the problems of the others
(the set-wide problems, a reused name or an unknown channel, are put with their file).
The edit changes the value of the `enabled` key in place (or adds the key after `severity`),
so the rest of the file, comments and layout included, stays as its author wrote it.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from crawlers.errors import ConfigProblem
from crawlers.yaml_config import yaml_files
from rules.channel_config import CHANNELS_FILE
from rules.loader import RuleConfigError, load_rule, load_rules
from rules.model import Rule


class RuleEditError(ValueError):
    """The rule file cannot be changed safely from the dashboard: edit it by hand."""


@dataclass(frozen=True)
class RuleFile:
    path: Path
    rule: Rule | None  # None: the file does not hold a valid rule
    problems: tuple[ConfigProblem, ...] = ()


@dataclass(frozen=True)
class RuleDirectory:
    directory: Path
    files: tuple[RuleFile, ...] = ()
    # problems of no rule file: channels.yaml, or the directory itself
    other_problems: tuple[ConfigProblem, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.other_problems and not any(entry.problems for entry in self.files)

    def find(self, name: str) -> RuleFile | None:
        """The first file that defines the rule `name` (the one the alert engine uses)."""
        return next((entry for entry in self.files if entry.rule and entry.rule.name == name), None)


def read_rules(directory: Path) -> RuleDirectory:
    """Every rule file of `directory` with its rule or its problems."""
    try:
        load_rules(directory)
        problems: list[ConfigProblem] = []
    except RuleConfigError as error:
        problems = error.problems
    if not directory.is_dir():
        return RuleDirectory(directory, (), tuple(problems))
    files = []
    for path in yaml_files([directory], exclude=frozenset({CHANNELS_FILE})):
        try:
            rule: Rule | None = load_rule(path)
        except RuleConfigError:
            rule = None
        own = tuple(problem for problem in problems if problem.file == path)
        files.append(RuleFile(path, rule, own))
    paths = {entry.path for entry in files}
    other = tuple(problem for problem in problems if problem.file not in paths)
    return RuleDirectory(directory, tuple(files), other)


def set_enabled(path: Path, enabled: bool) -> Rule:
    """Switch the rule of `path` on or off in its file; the rule as it now reads."""
    text = path.read_text(encoding="utf-8")
    changed = _with_enabled(text, enabled)
    try:
        Rule.model_validate(yaml.safe_load(changed))
    except (yaml.YAMLError, ValidationError) as error:
        raise RuleEditError(f"{path.name} would no longer be a valid rule: {error}") from None
    if changed != text:
        _replace(path, changed)
    return load_rule(path)


def _with_enabled(text: str, enabled: bool) -> str:
    value = "true" if enabled else "false"
    try:
        document = yaml.compose(text)
    except yaml.YAMLError as error:
        raise RuleEditError(f"the file is not valid YAML: {error}") from None
    if not isinstance(document, yaml.MappingNode) or document.flow_style:
        raise RuleEditError("the file does not hold a block mapping of keys to values")
    keys = {str(key.value): node for key, node in document.value}
    current = keys.get("enabled")
    if current is not None:
        if not isinstance(current, yaml.ScalarNode):
            raise RuleEditError("`enabled` is not a plain true or false")
        start, end = current.start_mark.index, current.end_mark.index
        return text[:start] + value + text[end:]
    after = keys.get("severity") or keys.get("name")
    if after is None:
        raise RuleEditError("the file has no `name` to put `enabled` after")
    at = _next_line(text, after.end_mark.index, after.end_mark.column)
    prefix = "" if at == 0 or text[at - 1] == "\n" else "\n"
    return text[:at] + f"{prefix}enabled: {value}\n" + text[at:]


def _next_line(text: str, index: int, column: int) -> int:
    """Where the line after a value ending at `index` starts (the end of the text if none)."""
    if column == 0:  # a block scalar ends at the start of the next line
        return index
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1


def _replace(path: Path, text: str) -> None:
    """Write `text` to `path` at once (a reader sees the old file or the new, never half)."""
    mode = path.stat().st_mode & 0o777
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
