"""Measured quality: the acceptance bounds of the extractors, on both evaluation sets.

`make eval` prints the full report; this test fails when a figure falls below its bound:
firearm_related precision and recall ≥ 0.95 on the project's own set and on the corrected Agora
set, exact-span F1 ≥ 0.90 for MAKE+MODEL, CALIBRE and COMPONENT on the own set.
"""

from __future__ import annotations

import pytest

from extractors.evaluation import (
    acceptance_failures,
    annotate,
    load_agora_set,
    load_own_set,
    render,
    score,
)
from extractors.evaluation.datasets import EvalRecord


@pytest.mark.parametrize("name", ["own", "agora"])
def test_quality_meets_the_acceptance_bounds(name: str) -> None:
    records: list[EvalRecord] = load_own_set() if name == "own" else load_agora_set()
    report = score(records, annotate(records), name=name)
    failures = acceptance_failures(report)
    assert not failures, "\n".join(failures) + "\n" + render(report, 40)
    assert report.firearm.precision >= 0.95 and report.firearm.recall >= 0.95
