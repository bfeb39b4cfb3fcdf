"""Scheduled pattern reports: `reports/*.yaml` (the directory of `ARMSWATCH_REPORTS`), each a
set of pattern reports the scheduler daemon runs on a cron schedule and writes to
`<data>/reports/<name>/<UTC time>.<format>`, as an analyst's `armswatch patterns run` would.

    name: weekly-patterns
    reports: [all]            # or names from `armswatch patterns list`
    since: 30d                # the window each run reports on, up to the run's time
    schedule: "0 6 * * 1"     # crontab, UTC (Mondays 06:00)
    format: json              # or csv
    keep: 52                  # the newest outputs kept; older ones are deleted

A file with `enabled: false` is validated but not scheduled.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from crawlers.errors import ConfigError, ConfigProblem
from crawlers.yaml_config import load_model, yaml_files
from intel.patterns import REPORTS
from intel.windows import parse_since

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
JOB_PREFIX = "report:"  # a report schedule's job (and fire log) name: report:<name>


class ReportConfigError(ConfigError):
    """A report schedule file is invalid."""


class ReportSchedule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="lower case letters, digits, - and _; names the output folder")
    description: str = ""
    enabled: bool = True
    reports: list[str] = Field(default=["all"], min_length=1)
    since: str = "30d"
    schedule: str = Field(description="crontab expression, UTC")
    schedule_jitter: int = Field(default=0, ge=0)
    format: Literal["json", "csv"] = "json"
    keep: int = Field(default=52, ge=1)

    @property
    def job_id(self) -> str:
        return JOB_PREFIX + self.name

    @field_validator("name")
    @classmethod
    def _name_is_a_slug(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"{value!r}: use lower case letters, digits, - and _ (weekly-arms)")
        return value

    @field_validator("reports")
    @classmethod
    def _reports_are_known(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name != "all" and name not in REPORTS]
        if unknown:
            known = ", ".join(REPORTS)
            raise ValueError(f"unknown report(s) {', '.join(unknown)}; known: {known} or all")
        return value

    @field_validator("since")
    @classmethod
    def _since_is_a_duration(cls, value: str) -> str:
        parse_since(value)  # a ValueError says how to write one
        return value

    @field_validator("schedule")
    @classmethod
    def _schedule_is_cron(cls, value: str) -> str:
        from armswatch.scheduler.cron import cron_trigger

        cron_trigger(value)  # a ValueError says what is wrong
        return value

    @property
    def report_names(self) -> list[str]:
        return list(REPORTS) if "all" in self.reports else list(dict.fromkeys(self.reports))


def load_report_schedules(directory: Path | None) -> dict[str, ReportSchedule]:
    """The schedules of `directory` by name (none when it is None or does not exist)."""
    if directory is None or not directory.is_dir():
        return {}
    schedules: dict[str, ReportSchedule] = {}
    for path in yaml_files([directory]):
        schedule = load_model(path, ReportSchedule, ReportConfigError, example="name: weekly")
        if schedule.name in schedules:
            problem = ConfigProblem(
                path,
                "name",
                f"{schedule.name!r} is the name of another report schedule too",
                "give each file its own name",
            )
            raise ReportConfigError([problem])
        schedules[schedule.name] = schedule
    return schedules
