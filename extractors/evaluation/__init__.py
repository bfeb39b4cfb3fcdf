"""The labelled evaluation sets and the scorer of the annotator.

Two sets: our own synthetic multilingual listings with gold spans (`tests/extractors/eval/
listings.md`, an inline markup described in that folder's README) and the real Agora listings
of the weapons categories plus the hard negatives, with hand corrections of the vendors' labels
(`agora_corrections.csv`). `score` compares predictions (objects shaped like
`crawlers.listing.Annotations`) with the gold labels; `render` prints a report; `main` runs the
annotator on the sets and checks the acceptance bounds:

    python -m extractors.evaluation [--set own|agora|all] [--errors N]
"""

from extractors.evaluation.cli import annotate, main, render
from extractors.evaluation.datasets import (
    AGORA_CORRECTIONS,
    AGORA_CSV,
    CATEGORIES,
    COMPONENTS,
    LABELS,
    LANGUAGES,
    OWN_SET,
    EvalRecord,
    EvalSetError,
    Gold,
    GoldEntity,
    load_agora_set,
    load_own_set,
    parse_markup,
)
from extractors.evaluation.scoring import (
    GATED_SPAN_GROUPS,
    MIN_FIREARM_PRECISION,
    MIN_FIREARM_RECALL,
    MIN_SPAN_F1,
    PRF,
    EntityScore,
    EvalError,
    EvalReport,
    acceptance_failures,
    score,
)

__all__ = [
    "AGORA_CORRECTIONS",
    "AGORA_CSV",
    "CATEGORIES",
    "COMPONENTS",
    "GATED_SPAN_GROUPS",
    "LABELS",
    "LANGUAGES",
    "MIN_FIREARM_PRECISION",
    "MIN_FIREARM_RECALL",
    "MIN_SPAN_F1",
    "OWN_SET",
    "PRF",
    "EntityScore",
    "EvalError",
    "EvalRecord",
    "EvalReport",
    "EvalSetError",
    "Gold",
    "GoldEntity",
    "acceptance_failures",
    "annotate",
    "load_agora_set",
    "load_own_set",
    "main",
    "parse_markup",
    "render",
    "score",
]
