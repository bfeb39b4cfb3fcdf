"""The text report and the command line: `python -m extractors.evaluation`."""

from __future__ import annotations

import argparse
import importlib
import io
from collections.abc import Sequence
from typing import Any

from extractors.evaluation.datasets import EvalRecord, load_agora_set, load_own_set
from extractors.evaluation.scoring import EvalReport, acceptance_failures, score

# ---------------------------------------------------------------- report and command line


def _table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Any:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*[f"{v:.3f}" if isinstance(v, float) else str(v) for v in row])
    return table


def render(report: EvalReport, max_errors: int = 30) -> str:
    """A readable text report: firearm_related, categories, confusions, spans and errors."""
    from rich.console import Console

    buf = io.StringIO()
    con = Console(file=buf, width=140, force_terminal=False, color_system=None)
    f = report.firearm
    con.print(f"[{report.name or 'set'}] {report.n} records; category accuracy "
              f"{report.category_accuracy:.3f}")  # fmt: skip
    cols = ("", "P", "R", "F1", "TP", "FP", "FN")
    con.print(_table("firearm_related", cols, [("firearm_related", f.precision, f.recall, f.f1,
                                                 f.tp, f.fp, f.fn)]))  # fmt: skip
    rows = [(c, p.precision, p.recall, p.f1, p.tp, p.fp, p.fn)
            for c, p in report.categories.items() if p.tp + p.fp + p.fn]  # fmt: skip
    con.print(_table("category (one vs rest)", cols, rows))
    confusions = [(f"{g} -> {p}", n) for (g, p), n in report.confusion.most_common() if g != p]
    con.print(_table("category confusions (gold -> predicted)", ("", "n"), confusions[:15]))
    if report.scored_entities:
        ecols = ("label", "exact P", "exact R", "exact F1", "lenient P", "lenient R",
                 "lenient F1", "norm acc", "gold")  # fmt: skip
        erows = [(lab, s.exact.precision, s.exact.recall, s.exact.f1, s.lenient.precision,
                  s.lenient.recall, s.lenient.f1, s.normalized_accuracy, s.exact.tp + s.exact.fn)
                 for lab, s in report.entities.items()]  # fmt: skip
        con.print(_table("entities", ecols, erows))
    errs = [(e.id, e.kind, e.expected, e.predicted, e.excerpt)
            for e in report.errors[:max_errors]]  # fmt: skip
    con.print(_table(f"errors ({len(report.errors)}, first {len(errs)})",
                     ("id", "kind", "expected", "predicted", "excerpt"), errs))  # fmt: skip
    return buf.getvalue()


def annotate(records: Sequence[EvalRecord]) -> list[Any]:
    """Run the project's annotator (imported lazily: it is built separately)."""
    annotator = importlib.import_module("extractors.annotator").Annotator.load()
    return list(annotator.annotate_records([r.as_input() for r in records]))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m extractors.evaluation")
    parser.add_argument("--set", choices=("own", "agora", "all"), default="all")
    parser.add_argument("--errors", type=int, default=30, help="errors to list per set")
    args = parser.parse_args(argv)
    failures: list[str] = []
    for name in ("own", "agora") if args.set == "all" else (args.set,):
        records = load_own_set() if name == "own" else load_agora_set()
        try:
            predictions = annotate(records)
        except ModuleNotFoundError as exc:  # the annotator is built separately
            print(f"cannot run the annotator: {exc}")
            return 2
        report = score(records, predictions, name=name)
        print(render(report, max_errors=args.errors))
        failures += acceptance_failures(report)
    for fail in failures:
        print(f"FAIL {fail}")
    print("acceptance: " + ("FAILED" if failures else "passed"))
    return 1 if failures else 0
