"""Errors of the crawlers stage."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class CrawlersError(Exception):
    """Base of every error raised by the crawlers stage."""


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in a configuration file, said so that a person can fix it."""

    file: Path
    field: str  # dotted path such as `detail.title.css`, or `` for the whole file
    message: str
    hint: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        field = f" {self.field}:" if self.field else ""
        hint = f" — {self.hint}" if self.hint else ""
        return f"{where}:{field} {self.message}{hint}"


class ConfigError(CrawlersError):
    """A configuration file is invalid; holds every problem found, not just the first."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


class SourceConfigError(ConfigError):
    """A source definition is invalid."""


class UnknownSourceError(CrawlersError):
    """A source name that no file under the sources directories defines."""
