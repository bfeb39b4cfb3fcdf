"""The shipped vocabularies load and cover the brief; broken copies fail with precise errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.vocabulary import (
    LANGUAGES,
    VocabPhrase,
    Vocabularies,
    VocabularyError,
    load_vocabularies,
)

REQUIRED_MAKES = [
    "Glock", "SIG Sauer", "Smith & Wesson", "Ruger", "Beretta", "CZ", "Walther", "Heckler & Koch",
    "Colt", "Taurus", "FN", "Kalashnikov", "Makarov", "Tokarev", "Zastava", "Mossberg",
    "Remington", "Hi-Point", "Springfield Armory", "Norinco",
]  # fmt: skip


@pytest.fixture(scope="module")
def vocab() -> Vocabularies:
    return load_vocabularies()


def _texts(vocab: Vocabularies, language: str, label: str) -> dict[str, VocabPhrase]:
    return {p.text.lower(): p for p in vocab.phrases(language) if p.label == label}


def test_shipped_vocabularies_load_and_are_cached(vocab: Vocabularies) -> None:
    assert load_vocabularies() is vocab
    assert vocab.version.startswith("firearms:")
    assert len(vocab.content_hash) == 16


def test_model_and_make_coverage(vocab: Vocabularies) -> None:
    assert len(vocab.firearms.models) >= 300
    makes = {m.name for m in vocab.firearms.makes}
    assert set(REQUIRED_MAKES) <= makes
    for name in ("FGC-9", "FGC-9 MKII", "Liberator", "Glock 19", "AK-47", "AR-15"):
        assert vocab.model_by_name(name) is not None, name
    assert vocab.make_of("Glock 19") == "Glock"
    assert vocab.model_by_name("glock 17").type == "pistol"  # type: ignore[union-attr]
    assert "9x19mm Parabellum" in vocab.model_by_name("FGC-9").calibres  # type: ignore[union-attr]


def test_every_model_calibre_exists(vocab: Vocabularies) -> None:
    calibres = {c.name for c in vocab.calibres.calibres}
    assert {cal for m in vocab.firearms.models for cal in m.calibres} <= calibres


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_component_and_term_phrases(vocab: Vocabularies, language: str) -> None:
    own = {
        t.lower()
        for c in vocab.components.components
        for t in c.terms.get(language, ())  # type: ignore[call-overload]
    }
    assert own, f"no component terms in {language}"
    for label, entries in vocab.terms.labels.items():
        words = [t for e in entries for t in e.terms.get(language, ())]  # type: ignore[call-overload]
        assert words, f"no {label} terms in {language}"
    assert vocab.quantity_units(language)


@pytest.mark.parametrize(
    ("text", "label", "normalized"),
    [
        ("gl0ck", "MAKE", "Glock"),
        ("glizzy", "MAKE", "Glock"),
        ("switchy", "COMPONENT", "conversion_device/glock_switch"),
        ("g19", "MODEL", "Glock 19"),
        ("ak47", "MODEL", "AK-47"),
        ("ar15", "MODEL", "AR-15"),
        ("9mm", "CALIBRE", "9x19mm Parabellum"),
        ("7,62x39", "CALIBRE", "7.62x39mm"),
        ("12ga", "CALIBRE", "12 gauge"),
        ("auto sear", "COMPONENT", "conversion_device/auto_sear"),
        ("80% lower", "COMPONENT", "conversion_device/80_percent_lower"),
        ("ammo", "AMMUNITION", "ammunition"),
        ("stl files", "PRINT_FILE", "3d_print"),
    ],
)
def test_english_phrases(vocab: Vocabularies, text: str, label: str, normalized: str) -> None:
    assert _texts(vocab, "en", label)[text].normalized == normalized


@pytest.mark.parametrize(
    ("language", "text", "label", "normalized"),
    [
        ("ru", "глок", "MAKE", "Glock"),
        ("ru", "затвор", "COMPONENT", "essential_component/slide"),
        ("ru", "ствол", "FIREARM_TYPE", "firearm"),
        ("ru", "патронов", "AMMUNITION", "ammunition"),
        ("de", "schreckschuss", "NON_LETHAL", "blank"),
        ("de", "schalldämpfer", "COMPONENT", "accessory/suppressor"),
        ("es", "pistola de fogueo", "NON_LETHAL", "blank"),
        ("fr", "culasse de pistolet", "COMPONENT", "essential_component/slide"),
        ("pt", "munição", "AMMUNITION", "ammunition"),
        ("it", "silenziatore", "COMPONENT", "accessory/suppressor"),
        ("nl", "geluiddemper", "COMPONENT", "accessory/suppressor"),
    ],
)
def test_localised_phrases(
    vocab: Vocabularies, language: str, text: str, label: str, normalized: str
) -> None:
    assert _texts(vocab, language, label)[text].normalized == normalized


def test_ambiguous_words_are_not_phrases(vocab: Vocabularies) -> None:
    for language in LANGUAGES:
        texts = {p.text.lower() for p in vocab.phrases(language)}
        assert not {"can", "stock", "python", "pm", "cz", "45", "308", "mg", "12g"} & texts


def test_unknown_language_is_rejected(vocab: Vocabularies) -> None:
    with pytest.raises(ValueError, match="unknown language"):
        vocab.phrases("xx")


# ------------------------------------------------------------------------------ broken copies
MINIMAL = {
    "firearms.yaml": """\
version: 1
makes:
  - {name: Glock, country: AT, aliases: [gl0ck]}
models:
  - {name: Glock 19, make: Glock, type: pistol, calibres: [9x19mm Parabellum], aliases: [G19]}
""",
    "calibres.yaml": """\
version: 1
calibres:
  - {name: 9x19mm Parabellum, type: pistol, aliases: [9mm]}
""",
    "components.yaml": """\
version: 1
components:
  - id: accessory/suppressor
    terms: {en: [suppressor], de: [Schalldämpfer]}
""",
    "terms.yaml": """\
version: 1
labels:
  AMMUNITION:
    - normalized: ammunition
      terms: {en: [ammo], ru: [патроны]}
quantity_units: {en: [rds]}
""",
    "slang.yaml": """\
version: 1
entries:
  - {text: glizzy, label: MAKE, normalized: Glock, languages: [en], note: Glock}
""",
    "confounders.yaml": """\
version: 1
phrases:
  - {text: AK-47, kind: cannabis_strain, mistaken_for: MODEL, requires_context: drug,
     languages: [en], note: strain}
contexts:
  drug: {en: [kush]}
""",
}


def _write(directory: Path, **overrides: str) -> Path:
    for name, text in {**MINIMAL, **overrides}.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def test_minimal_copy_loads(tmp_path: Path) -> None:
    vocab = load_vocabularies(_write(tmp_path))
    assert {p.text for p in vocab.phrases("de")} >= {"Glock", "gl0ck", "G19", "Schalldämpfer"}
    assert "патроны" not in {p.text for p in vocab.phrases("de")}


@pytest.mark.parametrize(
    ("file", "old", "new", "path", "message"),
    [
        ("firearms.yaml", "country: AT,", "country: AT, founded: 1963,", "makes[0].founded",
         "unknown key"),
        ("firearms.yaml", "make: Glock,", "make: Glok,", "models[0].make", "unknown make"),
        ("firearms.yaml", "calibres: [9x19mm Parabellum]", "calibres: [9mm Luger]",
         "models[0].calibres[0]", "unknown calibre"),
        ("components.yaml", "de: [", "xx: [", "components[0].terms.xx", "languages are"),
        ("components.yaml", "accessory/suppressor", "accessories/suppressor", "components[0].id",
         "group"),
        ("slang.yaml", "normalized: Glock", "normalized: Glick", "entries[0].normalized",
         "not a known MAKE"),
        ("calibres.yaml", "aliases: [9mm]", "aliases: [9mm, '']", "calibres[0].aliases[1]",
         "must not be empty"),
        ("confounders.yaml", "requires_context: drug", "requires_context: drugs",
         "phrases[0].requires_context", "unknown context"),
    ],
)  # fmt: skip
def test_broken_copy_names_file_and_path(
    tmp_path: Path, file: str, old: str, new: str, path: str, message: str
) -> None:
    assert old in MINIMAL[file]
    _write(tmp_path, **{file: MINIMAL[file].replace(old, new)})
    with pytest.raises(VocabularyError) as caught:
        load_vocabularies(tmp_path)
    error = caught.value
    assert error.file == file
    assert error.path.startswith(path)
    assert message in str(error)
    assert error.line is not None and error.line > 1
    assert "Fix:" in str(error)


def test_duplicate_alias_with_two_meanings_names_both_entries(tmp_path: Path) -> None:
    firearms = MINIMAL["firearms.yaml"] + (
        "  - {name: Glock 17, make: Glock, type: pistol, calibres: [], aliases: [g19]}\n"
    )
    _write(tmp_path, **{"firearms.yaml": firearms})
    with pytest.raises(VocabularyError) as caught:
        load_vocabularies(tmp_path)
    message = str(caught.value)
    assert "firearms.yaml" in message and "models[1]" in message and "models[0]" in message
    assert "'Glock 17'" in message and "'Glock 19'" in message


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    _write(tmp_path)
    (tmp_path / "slang.yaml").write_text("version: 1\nentries: [\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match=r"slang\.yaml.*invalid YAML"):
        load_vocabularies(tmp_path)
    (tmp_path / "slang.yaml").unlink()
    with pytest.raises(VocabularyError, match="file not found"):
        load_vocabularies(tmp_path)
