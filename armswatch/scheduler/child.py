"""One scheduled crawl, in a process of its own: `python -m armswatch.scheduler.child SOURCE
--parent PID`.

It dies with the process that started it (PR_SET_PDEATHSIG on Linux), takes the source's
lock (exit 75 if the source is being crawled already), crawls and records its run. Exit codes:
0 complete, 1 failed or had errors, 2 a bad or unknown source, 75 busy, 79 stopped (SIGTERM)
before its crawl began.
"""

from __future__ import annotations

import argparse
import signal
import sys
from types import FrameType

from armswatch.scheduler.runner import STOPPED_BEFORE_CRAWL
from crawlers.child_process import die_with_parent


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="armswatch.scheduler.child")
    parser.add_argument("source")
    parser.add_argument("--parent", type=int, default=None)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stopped_before_crawl)  # until Scrapy installs its own
    die_with_parent(args.parent)
    return crawl_one(args.source)


def _stopped_before_crawl(_number: int, _frame: FrameType | None) -> None:
    """SIGTERM before the crawl began (Scrapy answers it once it runs): nothing to stop, say so."""
    sys.exit(STOPPED_BEFORE_CRAWL)


def crawl_one(name: str) -> int:
    from rich.console import Console

    from armswatch.cli import exit_codes
    from armswatch.cli.run_table import print_runs
    from armswatch.scheduler.guard import crawl_guarded
    from armswatch.scheduler.locks import BUSY, SourceBusyError
    from armswatch.settings import AppSettings
    from crawlers.errors import CrawlersError
    from crawlers.personas import check_persona
    from crawlers.source_loader import find_source

    app = AppSettings.from_env()
    try:
        source = find_source(name, app.sources_dirs)
        check_persona(source, app.secrets_file)
    except CrawlersError as error:
        print(error, file=sys.stderr)
        return exit_codes.BAD_INPUT
    try:
        runs = crawl_guarded([source], app, console=Console(stderr=True))
    except SourceBusyError as busy:
        print(busy, file=sys.stderr)
        return BUSY
    print_runs(runs, Console())
    failed = any(run.errors or run.failed for run in runs)
    return exit_codes.FAILED if failed else exit_codes.OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
