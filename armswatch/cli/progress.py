"""The progress bar of the commands that walk the index in batches."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn


def batch_progress(console: Console) -> Progress:
    """Description, bar, `done/total` and time remaining."""
    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
    return Progress(*columns, TimeRemainingColumn(), console=console)
