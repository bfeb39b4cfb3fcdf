"""The evaluation sets parse and validate, and the scorer computes the right numbers."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from crawlers.listing import Annotations, Entity
from extractors.evaluation import (
    AGORA_CSV,
    CATEGORIES,
    LANGUAGES,
    EvalRecord,
    EvalSetError,
    Gold,
    GoldEntity,
    acceptance_failures,
    load_agora_set,
    load_own_set,
    render,
    score,
)
from extractors.evaluation.datasets import REPO

AGORA = (REPO / AGORA_CSV).resolve()
needs_agora = pytest.mark.skipif(not AGORA.exists(), reason="../shared/data not present")


@pytest.fixture(scope="module")
def own() -> list[EvalRecord]:
    return load_own_set()


def test_own_set_size_languages_negatives(own: list[EvalRecord]) -> None:
    assert len(own) >= 440
    per_lang = Counter(r.language for r in own)
    assert set(per_lang) == LANGUAGES
    assert min(per_lang.values()) >= 50
    assert sum(not r.gold.firearm_related for r in own) / len(own) >= 0.40
    assert {r.gold.category for r in own} == set(CATEGORIES)
    assert len({r.id for r in own}) == len(own)


def test_own_set_spans_match_text(own: list[EvalRecord]) -> None:
    for rec in own:
        for ent in rec.gold.entities:
            text = rec.title if ent.field == "title" else rec.description
            assert text[ent.start : ent.end] == ent.text, rec.id
            assert ent.normalized
            assert ent.text == ent.text.strip()


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "listings.md"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("## en-001 | en | firearm | true\ntitle: a [Glock 19 b\n", "never closed"),
        ("## en-001 | en | firearm | true\ntitle: a [Glock]{MAKE} b\n", "no normalized"),
        ("## en-001 | en | firearm | true\ntitle: [x]{GUN=x}\n", "unknown label"),
        ("## en-001 | en | weapon | true\ntitle: x\n", "unknown category"),
        ("## en-001 | xx | firearm | true\ntitle: x\n", "unknown language"),
        ("## en-001 | en | none | true\ntitle: x\n", "contradicts"),
        ("## en-001 | en | none | false\ntitle: [mag]{COMPONENT=accessory/clip}\n", "component"),
        ("## en-001 | en | none | false\ndescription: x\n", "no title"),
    ],
)
def test_markup_errors_name_file_line_and_id(tmp_path: Path, body: str, message: str) -> None:
    path = _write(tmp_path, "# header\n\n" + body)
    with pytest.raises(EvalSetError) as err:
        load_own_set(path)
    assert str(path) in str(err.value)
    assert ":3: en-001:" in str(err.value) or ":4: en-001:" in str(err.value)
    assert message in str(err.value)


def test_markup_offsets_and_escapes(tmp_path: Path) -> None:
    body = (
        "## en-001 | en | firearm | true\n"
        "title: \\[shop\\] [Glock 19]{MODEL=Glock 19} in [9mm]{CALIBRE=9x19mm Parabellum}\n"
        "description: with 2 [mags]{COMPONENT=accessory/magazine}\n"
    )
    (rec,) = load_own_set(_write(tmp_path, body))
    assert rec.title == "[shop] Glock 19 in 9mm"
    model, calibre, mag = rec.gold.entities
    assert (model.start, model.end, model.normalized) == (7, 15, "Glock 19")
    assert rec.title[calibre.start : calibre.end] == "9mm"
    assert (mag.field, rec.description[mag.start : mag.end]) == ("description", "mags")


@needs_agora
def test_agora_set_defaults_and_corrections() -> None:
    records = {r.id: r for r in load_agora_set()}
    assert len(records) == 394 + 1720
    with AGORA.open(encoding="utf-8", newline="") as fh:
        rows = {row["record_id"]: row for row in csv.DictReader(fh)}
    poison = next(i for i, r in rows.items() if "Potassium Cyanide" in r["title"])
    assert records[poison].gold == Gold(False, "none")
    manual = next(i for i, r in rows.items() if r["title"].startswith("AK47: Full Auto Conv"))
    assert records[manual].gold == Gold(True, "manual")
    glock = next(i for i, r in rows.items() if r["title"] == "Glock 19")
    assert records[glock].gold == Gold(True, "firearm")
    assert all(not r.has_entity_gold and r.language == "en" for r in records.values())


@needs_agora
def test_agora_refuses_unknown_record_id(tmp_path: Path) -> None:
    path = tmp_path / "corrections.csv"
    path.write_text(
        "record_id,firearm_related,category,reason\nagora_nope,false,none,test\n", "utf-8"
    )
    with pytest.raises(EvalSetError, match="agora_nope"):
        load_agora_set(corrections=path)


def _rec(rid: str, related: bool, category: str, ents: tuple[GoldEntity, ...] = ()) -> EvalRecord:
    gold = Gold(related, category, ents)
    return EvalRecord(rid, "en", "Glock 19 in 9mm with mags", "", gold)


def _gold(label: str, start: int, end: int, norm: str) -> GoldEntity:
    return GoldEntity(label, "title", start, end, "Glock 19 in 9mm with mags"[start:end], norm)


def _pred(g: GoldEntity, start: int | None = None, norm: str | None = None) -> Entity:
    start = g.start if start is None else start
    return Entity(label=g.label, text="", start=start, end=g.end, field=g.field,
                  normalized=norm or g.normalized)  # fmt: skip


MODEL = _gold("MODEL", 0, 8, "Glock 19")
CAL = _gold("CALIBRE", 12, 15, "9x19mm Parabellum")
MAG = _gold("COMPONENT", 21, 25, "accessory/magazine")


def test_perfect_prediction_scores_one() -> None:
    records = [_rec("a", True, "firearm", (MODEL, CAL, MAG)), _rec("b", False, "none")]
    preds = [
        Annotations(firearm_related=True, category="firearm",
                    entities=[_pred(MODEL), _pred(CAL), _pred(MAG)]),
        Annotations(),
    ]  # fmt: skip
    report = score(records, preds, name="t")
    assert (report.firearm.precision, report.firearm.recall, report.firearm.f1) == (1, 1, 1)
    for label in ("MAKE+MODEL", "CALIBRE", "COMPONENT"):
        assert report.entities[label].exact.f1 == 1.0
    assert report.errors == []
    assert acceptance_failures(report) == []
    assert "firearm_related" in render(report)


def test_known_false_positive_and_negative_fractions() -> None:
    records = [_rec(str(i), i < 4, "firearm" if i < 4 else "none") for i in range(8)]
    # gold positives 0..3; predicted positives 0, 1, 2, 4, 5 -> TP 3, FP 2, FN 1
    preds = [Annotations(firearm_related=i in (0, 1, 2, 4, 5),
                         category="firearm" if i in (0, 1, 2, 4, 5) else "none")
             for i in range(8)]  # fmt: skip
    report = score(records, preds)
    assert (report.firearm.tp, report.firearm.fp, report.firearm.fn) == (3, 2, 1)
    assert report.firearm.precision == pytest.approx(3 / 5)
    assert report.firearm.recall == pytest.approx(3 / 4)
    assert report.firearm.f1 == pytest.approx(2 * 0.6 * 0.75 / 1.35)
    assert report.categories["none"].recall == pytest.approx(2 / 4)
    assert report.confusion[("none", "firearm")] == 2
    assert report.category_accuracy == pytest.approx(5 / 8)
    assert len(acceptance_failures(report)) == 2


def test_span_exact_lenient_and_normalized() -> None:
    records = [_rec("a", True, "firearm", (MODEL, CAL, MAG))]
    make = Entity(label="MAKE", text="Glock", start=0, end=5, field="title", normalized="Glock")
    preds = [Annotations(firearm_related=True, category="firearm", entities=[
        _pred(MODEL, start=1),  # overlaps: lenient hit, exact miss
        _pred(CAL, norm="9mm"),  # exact hit, wrong normalized value
        make,  # spurious MAKE
    ])]  # fmt: skip
    report = score(records, preds)
    model, cal, comp = (report.entities[k] for k in ("MODEL", "CALIBRE", "COMPONENT"))
    assert (model.exact.tp, model.exact.fp, model.exact.fn) == (0, 1, 1)
    assert (model.lenient.tp, model.lenient.fp, model.lenient.fn) == (1, 0, 0)
    assert cal.exact.f1 == 1.0 and cal.normalized_accuracy == 0.0
    assert (comp.exact.recall, comp.exact.precision) == (0.0, 1.0)
    pooled = report.entities["MAKE+MODEL"]
    assert (pooled.exact.tp, pooled.exact.fp, pooled.exact.fn) == (0, 2, 1)
    kinds = Counter(e.kind for e in report.errors)
    assert kinds["MAKE spurious"] == 1 and kinds["COMPONENT missed"] == 1
    assert kinds["CALIBRE normalized"] == 1
    failed = {f.split(": ")[1].split(" exact")[0] for f in acceptance_failures(report)}
    assert failed == {"MAKE+MODEL", "COMPONENT"}  # CALIBRE spans are exact, only a value is off


def test_length_mismatch_is_refused() -> None:
    with pytest.raises(ValueError, match="predictions"):
        score([_rec("a", True, "firearm")], [])
