"""Load and validate the rules directory: `*.yaml` rule files and one `channels.yaml`.

Every problem names its file, line and field and says how to fix it; the whole set is
checked together, so a rule naming a channel that `channels.yaml` lacks, or two rules with
one name, are reported too.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from crawlers.errors import ConfigError, ConfigProblem
from crawlers.yaml_config import load_model, yaml_files
from rules.channel_config import CHANNELS_FILE, Channel, ChannelsFile
from rules.model import Rule


class RuleConfigError(ConfigError):
    """A rule file or the channels file is invalid."""


class UnknownRuleError(LookupError):
    """A rule name that no rule file defines."""


@dataclass(frozen=True)
class RuleSet:
    """The rules of a directory (by name, in file order) and the channels they deliver to."""

    rules: dict[str, Rule] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)  # rule name -> its file

    @property
    def enabled(self) -> list[Rule]:
        return [rule for rule in self.rules.values() if rule.enabled]

    def rule(self, name: str) -> Rule:
        if name in self.rules:
            return self.rules[name]
        close = difflib.get_close_matches(name, self.rules, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        known = ", ".join(self.rules) or "none"
        raise UnknownRuleError(f"no rule named {name!r}{hint} (known rules: {known})")


def load_rule(path: Path) -> Rule:
    return load_model(path, Rule, RuleConfigError, example="name: my-rule")


def load_channels(directory: Path) -> dict[str, Channel]:
    """The channels of `<directory>/channels.yaml`; none when the file does not exist."""
    path = directory / CHANNELS_FILE
    if not path.exists():
        return {}
    return dict(load_model(path, ChannelsFile, RuleConfigError, example="channels:").channels)


def validate_rules(directory: Path) -> list[ConfigProblem]:
    """Every problem in the directory's rule files and channels file."""
    try:
        load_rules(directory)
    except RuleConfigError as error:
        return error.problems
    return []


def load_rules(directory: Path) -> RuleSet:
    """Every rule and channel of the directory; RuleConfigError lists all problems found."""
    if not directory.is_dir():
        problem = ConfigProblem(
            directory, "", "the rules directory does not exist", "set ARMSWATCH_RULES"
        )
        raise RuleConfigError([problem])
    problems: list[ConfigProblem] = []
    channels = _channels_or_problems(directory, problems)
    rules: dict[str, Rule] = {}
    files: dict[str, Path] = {}
    for path in _rule_files([directory]):
        try:
            rule = load_rule(path)
        except RuleConfigError as error:
            problems.extend(error.problems)
            continue
        problems.extend(_set_problems(path, rule, files, channels))
        rules.setdefault(rule.name, rule)
        files.setdefault(rule.name, path)
    if problems:
        raise RuleConfigError(problems)
    return RuleSet(rules, channels, files)


def _rule_files(paths: Iterable[Path]) -> Iterable[Path]:
    return yaml_files(paths, exclude=frozenset({CHANNELS_FILE}))


def _channels_or_problems(directory: Path, problems: list[ConfigProblem]) -> dict[str, Channel]:
    try:
        return load_channels(directory)
    except RuleConfigError as error:
        problems.extend(error.problems)
        return {}


def _set_problems(
    path: Path, rule: Rule, files: dict[str, Path], channels: dict[str, Channel]
) -> list[ConfigProblem]:
    """Problems of a valid rule within the set: a reused name, an unknown channel."""
    problems = []
    if rule.name in files:
        message = f"the name {rule.name!r} is already used by {files[rule.name]}"
        problems.append(ConfigProblem(path, "name", message, "give each rule a unique name"))
    for position, name in enumerate(rule.channels):
        if name not in channels:
            known = ", ".join(channels) or f"none: {CHANNELS_FILE} defines no channel"
            problems.append(
                ConfigProblem(
                    path,
                    f"channels.{position}",
                    f"no channel named {name!r} in {CHANNELS_FILE}",
                    f"known channels: {known}",
                )
            )
        elif _is_email(channels[name]) and not rule.recipients:
            problems.append(
                ConfigProblem(
                    path,
                    "recipients",
                    f"the e-mail channel {name!r} needs recipients",
                    "add `recipients: [officer@unit.example]`",
                )
            )
    return problems


def _is_email(channel: Channel) -> bool:
    return channel.kind == "email"
