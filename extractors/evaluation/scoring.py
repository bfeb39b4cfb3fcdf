"""Scoring annotations against the gold labels: firearm_related, categories and entity spans."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from extractors.evaluation.datasets import CATEGORIES, LABELS, EvalRecord

# acceptance bounds
MIN_FIREARM_PRECISION = 0.95
MIN_FIREARM_RECALL = 0.95
MIN_SPAN_F1 = 0.90
GATED_SPAN_GROUPS = ("MAKE+MODEL", "CALIBRE", "COMPONENT")
SPAN_GROUPS: dict[str, tuple[str, ...]] = {"MAKE+MODEL": ("MAKE", "MODEL")}
# ---------------------------------------------------------------- scoring


@dataclass
class PRF:
    """Counts with precision/recall/F1; an empty denominator counts as 1.0 (nothing wrong)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: PRF) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn


@dataclass
class EntityScore:
    exact: PRF = field(default_factory=PRF)
    lenient: PRF = field(default_factory=PRF)
    normalized_correct: int = 0
    normalized_total: int = 0  # lenient matches

    @property
    def normalized_accuracy(self) -> float:
        return self.normalized_correct / self.normalized_total if self.normalized_total else 1.0

    def add(self, other: EntityScore) -> None:
        self.exact.add(other.exact)
        self.lenient.add(other.lenient)
        self.normalized_correct += other.normalized_correct
        self.normalized_total += other.normalized_total


@dataclass(frozen=True)
class EvalError:
    id: str
    kind: str
    expected: str
    predicted: str
    excerpt: str


@dataclass
class EvalReport:
    name: str
    n: int = 0
    firearm: PRF = field(default_factory=PRF)
    categories: dict[str, PRF] = field(default_factory=lambda: {c: PRF() for c in CATEGORIES})
    category_correct: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    entities: dict[str, EntityScore] = field(default_factory=dict)
    errors: list[EvalError] = field(default_factory=list)
    scored_entities: bool = False

    @property
    def category_accuracy(self) -> float:
        return self.category_correct / self.n if self.n else 1.0


def _key(e: Any) -> tuple[str, str, int, int]:
    return (e.label, e.field, e.start, e.end)


def _score_label(gold: list[Any], pred: list[Any]) -> tuple[EntityScore, list[Any], list[Any]]:
    """One label on one record: exact and lenient counts; returns unmatched gold and pred."""
    score = EntityScore()
    gold_keys, pred_keys = Counter(map(_key, gold)), Counter(map(_key, pred))
    score.exact.tp = sum((gold_keys & pred_keys).values())
    score.exact.fp, score.exact.fn = len(pred) - score.exact.tp, len(gold) - score.exact.tp
    free = list(pred)
    missed: list[Any] = []
    for g in sorted(gold, key=lambda e: (e.field, e.start)):
        hit = next((p for p in free if p.field == g.field and p.start < g.end
                    and g.start < p.end), None)  # fmt: skip
        if hit is None:
            missed.append(g)
            continue
        free.remove(hit)
        score.lenient.tp += 1
        score.normalized_total += 1
        same = (hit.normalized or "").casefold() == g.normalized.casefold()
        score.normalized_correct += same
        if not same:
            missed.append((g, hit))
    score.lenient.fp, score.lenient.fn = len(free), len(gold) - score.lenient.tp
    return score, missed, free


def _excerpt(rec: EvalRecord, fld: str = "title", start: int = 0, end: int = 0) -> str:
    text = rec.title if fld == "title" else rec.description
    if not end:
        return text[:90]
    return f"{fld}: …{text[max(0, start - 30) : start]}[{text[start:end]}]{text[end : end + 30]}…"


def _score_entities(report: EvalReport, rec: EvalRecord, pred: Any) -> None:
    for label in LABELS:
        gold = [e for e in rec.gold.entities if e.label == label]
        preds = [e for e in pred.entities if e.label == label]
        score, missed, spurious = _score_label(gold, preds)
        report.entities.setdefault(label, EntityScore()).add(score)
        for m in missed:
            if isinstance(m, tuple):
                g, p = m
                report.errors.append(EvalError(rec.id, f"{label} normalized", g.normalized,
                                               str(p.normalized), _excerpt(rec, g.field, g.start,
                                                                           g.end)))  # fmt: skip
            else:
                report.errors.append(EvalError(rec.id, f"{label} missed", m.normalized, "-",
                                               _excerpt(rec, m.field, m.start, m.end)))  # fmt: skip
        for p in spurious:
            report.errors.append(EvalError(rec.id, f"{label} spurious", "-", str(p.normalized),
                                           _excerpt(rec, p.field, p.start, p.end)))  # fmt: skip


def _score_class(report: EvalReport, rec: EvalRecord, pred: Any) -> None:
    gold_rel, pred_rel = rec.gold.firearm_related, bool(pred.firearm_related)
    report.firearm.tp += gold_rel and pred_rel
    report.firearm.fp += pred_rel and not gold_rel
    report.firearm.fn += gold_rel and not pred_rel
    if gold_rel != pred_rel:
        report.errors.append(EvalError(rec.id, "firearm_related", str(gold_rel), str(pred_rel),
                                       _excerpt(rec)))  # fmt: skip
    gold_cat, pred_cat = rec.gold.category, str(pred.category)
    report.confusion[(gold_cat, pred_cat)] += 1
    for cat, prf in report.categories.items():
        prf.tp += gold_cat == cat == pred_cat
        prf.fp += pred_cat == cat != gold_cat
        prf.fn += gold_cat == cat != pred_cat
    report.category_correct += gold_cat == pred_cat
    if gold_cat != pred_cat:
        report.errors.append(EvalError(rec.id, "category", gold_cat, pred_cat, _excerpt(rec)))


def score(records: Sequence[EvalRecord], predictions: Sequence[Any], name: str = "") -> EvalReport:
    """Score predictions (shaped like `crawlers.listing.Annotations`, same order as records)."""
    if len(records) != len(predictions):
        raise ValueError(f"{len(records)} records but {len(predictions)} predictions")
    report = EvalReport(name=name)
    for rec, pred in zip(records, predictions, strict=True):
        report.n += 1
        _score_class(report, rec, pred)
        if rec.has_entity_gold:
            report.scored_entities = True
            _score_entities(report, rec, pred)
    for group, labels in SPAN_GROUPS.items() if report.scored_entities else ():
        pooled = EntityScore()
        for label in labels:
            pooled.add(report.entities[label])
        report.entities[group] = pooled
    return report


def acceptance_failures(report: EvalReport) -> list[str]:
    """The bounds this report misses (entity bounds only where spans were annotated)."""
    fails = []
    if report.firearm.precision < MIN_FIREARM_PRECISION:
        fails.append(f"{report.name}: firearm_related precision {report.firearm.precision:.3f}")
    if report.firearm.recall < MIN_FIREARM_RECALL:
        fails.append(f"{report.name}: firearm_related recall {report.firearm.recall:.3f}")
    for group in GATED_SPAN_GROUPS if report.scored_entities else ():
        f1 = report.entities.get(group, EntityScore()).exact.f1
        if f1 < MIN_SPAN_F1:
            fails.append(f"{report.name}: {group} exact-span F1 {f1:.3f}")
    return fails
