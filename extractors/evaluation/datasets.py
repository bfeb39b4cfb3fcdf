"""The evaluation sets: our synthetic multilingual set and the corrected Agora set."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EVAL_DIR = REPO / "tests" / "extractors" / "eval"
OWN_SET = EVAL_DIR / "listings.md"
AGORA_CSV = Path("../shared/data/agora-dev.csv")  # relative to the repository root
AGORA_CORRECTIONS = EVAL_DIR / "agora_corrections.csv"


LANGUAGES = frozenset({"en", "de", "es", "fr", "ru", "pt", "it", "nl"})
CATEGORIES = (
    "firearm", "essential_component", "accessory", "conversion_device", "ammunition",
    "3d_printed", "manual", "other_weapon", "none",
)  # fmt: skip
ALWAYS_RELATED = frozenset(CATEGORIES[:7]) - {"accessory"}
NEVER_RELATED = frozenset({"other_weapon", "none"})
LABELS = ("MAKE", "MODEL", "CALIBRE", "COMPONENT")
COMPONENTS = frozenset(
    [f"essential_component/{p}" for p in (
        "frame receiver lower_receiver upper_receiver slide barrel bolt bolt_carrier_group "
        "cylinder").split()]
    + [f"conversion_device/{p}" for p in (
        "auto_sear drop_in_auto_sear lightning_link conversion_kit solvent_trap_kit "
        "80_percent_lower jig").split()]
    + [f"accessory/{p}" for p in (
        "magazine suppressor scope red_dot holster stock pistol_brace grip trigger "
        "weapon_light laser").split()]
)  # fmt: skip
AGORA_DEFAULTS = {
    "Lethal firearms": (True, "firearm"),
    "Ammunition": (True, "ammunition"),
    "hard": (False, "none"),
}
_EDGE_JUNK = " \t,;:!?/()-"  # never at either edge of a span; "." may start one (.45 ACP)


class EvalSetError(ValueError):
    """A malformed evaluation file; the message names the file, line and record id."""


@dataclass(frozen=True)
class GoldEntity:
    label: str
    field: str
    start: int
    end: int
    text: str
    normalized: str


@dataclass(frozen=True)
class Gold:
    firearm_related: bool
    category: str
    entities: tuple[GoldEntity, ...] = ()


@dataclass(frozen=True)
class EvalRecord:
    id: str
    language: str
    title: str
    description: str
    gold: Gold
    has_entity_gold: bool = True  # False for Agora: no spans were annotated there
    category_path: tuple[str, ...] = ()  # the site's own category, as a crawl captures it

    def as_input(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "description": self.description,
                "language": self.language, "category_path": list(self.category_path)}  # fmt: skip


# ---------------------------------------------------------------- the own set (markup)

_HEADER = re.compile(r"^## (\S+) \| (\S+) \| (\S+) \| (\S+)\s*$")
_FIELD = re.compile(r"^(title|description|note):(.*)$")


def parse_markup(line: str) -> tuple[str, list[tuple[str, int, int, str]]]:
    """`a [Glock 19]{MODEL=Glock 19} b` -> plain text and (label, start, end, normalized)."""
    out: list[str] = []
    spans: list[tuple[str, int, int, str]] = []
    start: int | None = None
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line):
            out.append(line[i + 1])
            i += 2
            continue
        if ch == "[":
            if start is not None:
                raise ValueError(f"nested '[' at column {i + 1}")
            start = len("".join(out))
        elif ch == "]":
            if start is None:
                raise ValueError(f"']' without '[' at column {i + 1}")
            close = line.find("}", i)
            if not line.startswith("{", i + 1) or close < 0:
                raise ValueError(f"']' not followed by '{{LABEL=value}}' at column {i + 1}")
            label, eq, value = line[i + 2 : close].partition("=")
            if not eq or not value.strip():
                raise ValueError(f"span at column {i + 1} has no normalized value")
            spans.append((label.strip(), start, len("".join(out)), value.strip()))
            start, i = None, close + 1
            continue
        elif ch in "{}":
            raise ValueError(f"stray '{ch}' at column {i + 1} (escape it with a backslash)")
        else:
            out.append(ch)
        i += 1
    if start is not None:
        raise ValueError("'[' never closed")
    return "".join(out), spans


def _check_entity(ent: GoldEntity) -> None:
    if ent.label not in LABELS:
        raise ValueError(f"unknown label {ent.label!r}")
    if not ent.text or ent.text[0] in _EDGE_JUNK or ent.text[-1] in _EDGE_JUNK + ".":
        raise ValueError(f"span {ent.text!r} is empty or has spaces/punctuation at its edges")
    if ent.label == "COMPONENT" and ent.normalized not in COMPONENTS:
        raise ValueError(f"unknown component {ent.normalized!r}")


def _check_header(rid: str, lang: str, category: str, related: str) -> Gold:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    if not rid.startswith(f"{lang}-"):
        raise ValueError(f"id {rid!r} does not start with its language {lang!r}")
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}")
    if related not in ("true", "false"):
        raise ValueError(f"firearm_related must be true or false, not {related!r}")
    gold = Gold(related == "true", category)
    _check_consistent(gold.firearm_related, category)
    return gold


def _check_consistent(related: bool, category: str) -> None:
    if (category in ALWAYS_RELATED and not related) or (category in NEVER_RELATED and related):
        raise ValueError(f"category {category!r} contradicts firearm_related={related}")


@dataclass
class _Draft:
    id: str
    language: str
    gold: Gold
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    entities: list[GoldEntity] = field(default_factory=list)


def _add_field(draft: _Draft, name: str, raw: str) -> None:
    if name in draft.fields:
        raise ValueError(f"{name!r} given twice")
    if name == "note":
        draft.fields[name] = raw
        return
    text, spans = parse_markup(raw)
    draft.fields[name] = text
    for label, start, end, norm in spans:
        ent = GoldEntity(label, name, start, end, text[start:end], norm)
        _check_entity(ent)
        draft.entities.append(ent)


def _finish(draft: _Draft) -> EvalRecord:
    if not draft.fields.get("title"):
        raise ValueError("record has no title")
    gold = Gold(draft.gold.firearm_related, draft.gold.category, tuple(draft.entities))
    return EvalRecord(draft.id, draft.language, draft.fields["title"],
                      draft.fields.get("description", ""), gold)  # fmt: skip


def load_own_set(path: Path | None = None) -> list[EvalRecord]:
    """Parse and validate the synthetic multilingual set; errors name file, line and id."""
    path = path or OWN_SET
    records: list[EvalRecord] = []
    draft: _Draft | None = None
    seen: set[str] = set()
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        rid = draft.id if draft else "-"
        try:
            if header := _HEADER.match(line):
                if draft:
                    records.append(_finish(draft))
                rid = header.group(1)
                if rid in seen:
                    raise ValueError(f"duplicate id {rid!r}")
                seen.add(rid)
                draft = _Draft(rid, header.group(2), _check_header(*header.groups()), lineno)
            elif (fld := _FIELD.match(line)) and draft:
                _add_field(draft, fld.group(1), fld.group(2).strip())
            elif draft and line.strip() and not line.startswith("#"):
                raise ValueError(f"unexpected line {line[:40]!r}")
        except ValueError as exc:
            raise EvalSetError(f"{path}:{lineno}: {rid}: {exc}") from exc
    if draft:
        try:
            records.append(_finish(draft))
        except ValueError as exc:
            raise EvalSetError(f"{path}:{draft.line}: {draft.id}: {exc}") from exc
    return records


# ---------------------------------------------------------------- the Agora set


def _read_corrections(path: Path) -> dict[str, tuple[bool, str, str]]:
    out: dict[str, tuple[bool, str, str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for lineno, row in enumerate(csv.DictReader(fh), 2):
            rid = row["record_id"]
            try:
                related = {"true": True, "false": False}[row["firearm_related"].strip()]
                if row["category"] not in CATEGORIES:
                    raise ValueError(f"unknown category {row['category']!r}")
                _check_consistent(related, row["category"])
                if rid in out:
                    raise ValueError("corrected twice")
            except (KeyError, ValueError) as exc:
                raise EvalSetError(f"{path}:{lineno}: {rid}: {exc}") from exc
            out[rid] = (related, row["category"], row.get("reason", ""))
    return out


def load_agora_set(
    csv_path: Path = AGORA_CSV, corrections: Path | None = AGORA_CORRECTIONS
) -> list[EvalRecord]:
    """Lethal firearms + Ammunition rows and the hard negatives, with corrected labels."""
    csv_path = csv_path if csv_path.is_absolute() else (REPO / csv_path).resolve()
    fixes = _read_corrections(corrections) if corrections else {}
    records: list[EvalRecord] = []
    with csv_path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            key = row["weapons_subcat"] if row["weapons_subcat"] in AGORA_DEFAULTS else None
            key = key or ("hard" if row["negative_type"] == "hard" else None)
            if key is None:
                continue
            related, category = AGORA_DEFAULTS[key]
            if row["record_id"] in fixes:
                related, category, _ = fixes[row["record_id"]]
            gold = Gold(related, category)
            records.append(EvalRecord(row["record_id"], "en", row["title"],
                                      row["description"], gold, has_entity_gold=False,
                                      category_path=tuple(row["category"].split("/"))))  # fmt: skip
    unknown = sorted(set(fixes) - {r.id for r in records})
    if unknown:
        raise EvalSetError(f"{corrections}: record_id not in the Agora evaluation set: {unknown}")
    return records
