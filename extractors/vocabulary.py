"""Reference vocabularies: load, validate and expose the YAML files in `vocabularies/`.

`load_vocabularies()` reads firearms, calibres, components, terms, slang and confounders, checks
each file against a pydantic schema and the files against each other, and raises
`VocabularyError` naming the file, line, field path and the fix. `Vocabularies.phrases(lang)` is
what the spaCy pipelines compile into matchers.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

DEFAULT_DIRECTORY = Path(__file__).resolve().parent / "vocabularies"
Language = Literal["en", "de", "es", "fr", "ru", "pt", "it", "nl"]
LANGUAGES: tuple[str, ...] = get_args(Language)
TermLabel = Literal[
    "FIREARM_TYPE", "AMMUNITION", "PRINT_FILE", "MANUAL", "NON_LETHAL", "OTHER_WEAPON"
]
Label = Literal["MAKE", "MODEL", "CALIBRE", "COMPONENT", TermLabel]
LABELS: tuple[str, ...] = ("MAKE", "MODEL", "CALIBRE", "COMPONENT", *get_args(TermLabel))
FirearmType = Literal["pistol", "revolver", "rifle", "shotgun", "smg", "machine_gun"]
CalibreType = Literal["pistol", "rifle", "rimfire", "shotgun", "revolver"]
ConfounderKind = Literal[
    "cannabis_strain",
    "pill",
    "purity",
    "publication",
    "game",
    "software",
    "counterfeit",
    "fireworks",
    "non_lethal",
    "drug",
    "other",
]
COMPONENT_GROUPS = ("essential_component", "conversion_device", "accessory")
FILES = ("firearms", "calibres", "components", "terms", "slang", "confounders")
OPTIONAL_FILES = ("cues",)
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _phrase(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty; remove the entry or write the phrase")
    if value != value.strip() or "\n" in value:
        raise ValueError("must not start or end with spaces or contain line breaks")
    return value


def _component_id(value: str) -> str:
    group, _, part = value.partition("/")
    if group not in COMPONENT_GROUPS or not re.fullmatch(r"[a-z0-9_]+", part):
        raise ValueError(
            f"must be '<group>/<part>' with group one of {', '.join(COMPONENT_GROUPS)}"
        )
    return value


Phrase = Annotated[str, AfterValidator(_phrase)]
ComponentId = Annotated[str, AfterValidator(_component_id)]
Snake = Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
Terms = dict[Language, tuple[Phrase, ...]]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Make(_Strict):
    name: Phrase
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    aliases: tuple[Phrase, ...] = ()
    non_lethal: bool = False
    match_name: bool = True


class FirearmModel(_Strict):
    name: Phrase
    make: str
    type: FirearmType
    calibres: tuple[str, ...] = ()
    aliases: tuple[Phrase, ...] = ()
    non_lethal: bool = False
    match_name: bool = True


class FirearmsFile(_Strict):
    version: Annotated[int, Field(ge=1)]
    makes: tuple[Make, ...]
    models: tuple[FirearmModel, ...]


class Calibre(_Strict):
    name: Phrase
    type: CalibreType
    aliases: tuple[Phrase, ...] = ()


class CalibresFile(_Strict):
    version: Annotated[int, Field(ge=1)]
    calibres: tuple[Calibre, ...]


class Component(_Strict):
    id: ComponentId
    terms: Terms
    # single words that name this part only right after a make or model ("Glock 19 frame",
    # "AR-15 magazine"), being too common alone ("frame", "magazine" the periodical)
    after_gun: Terms = Field(default_factory=dict)


class ComponentsFile(_Strict):
    version: Annotated[int, Field(ge=1)]
    components: tuple[Component, ...]


class TermEntry(_Strict):
    normalized: Snake
    terms: Terms


class TermsFile(_Strict):
    version: Annotated[int, Field(ge=1)]
    labels: dict[TermLabel, tuple[TermEntry, ...]]
    quantity_units: Terms


class SlangEntry(_Strict):
    text: Phrase
    label: Label
    normalized: Phrase
    languages: tuple[Language, ...] = Field(description="empty = documented but not matched")
    note: Phrase


class SlangFile(_Strict):
    version: Annotated[int, Field(ge=1)]
    entries: tuple[SlangEntry, ...]


class ConfounderPhrase(_Strict):
    text: Phrase
    kind: ConfounderKind
    mistaken_for: Label
    requires_context: str | None = None
    languages: tuple[Language, ...]
    note: Phrase


class ConfoundersFile(_Strict):
    version: Annotated[int, Field(ge=1)]
    phrases: tuple[ConfounderPhrase, ...]
    contexts: dict[Snake, Terms]


class CuesFile(_Strict):
    """Words that change what other words mean: 'converted' turns a blank pistol into a gun."""

    version: Annotated[int, Field(ge=1)]
    cues: dict[Snake, Terms]


SCHEMAS: dict[str, type[_Strict]] = {
    "cues": CuesFile,
    "firearms": FirearmsFile,
    "calibres": CalibresFile,
    "components": ComponentsFile,
    "terms": TermsFile,
    "slang": SlangFile,
    "confounders": ConfoundersFile,
}


class VocabularyError(ValueError):
    """A vocabulary file is missing, malformed or contradicts another file."""

    def __init__(self, file: str, path: str, problem: str, fix: str, line: int | None = None):
        self.file, self.path, self.problem, self.fix, self.line = file, path, problem, fix, line
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {path or '<top>'}: {problem}. Fix: {fix}")


@dataclass(frozen=True)
class VocabPhrase:
    """One phrase to match: its text as written, the entity label and normalized value."""

    text: str
    label: str
    normalized: str
    source: str


@dataclass(frozen=True)
class _Parsed:
    name: str
    node: yaml.Node
    model: Any
    text: str


def format_path(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) or part == "[key]" else f".{part}"
    return out.lstrip(".")


def _line(node: yaml.Node | None, loc: Iterable[str | int]) -> int | None:
    for part in loc:
        if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else node
        elif isinstance(node, yaml.MappingNode):
            matches = [(k, v) for k, v in node.value if k.value == str(part)]
            if not matches:
                break
            node = matches[0][1] if part != "[key]" else matches[0][0]
        else:
            break
    return node.start_mark.line + 1 if node is not None else None


def _parse(directory: Path, name: str) -> _Parsed:
    file = f"{name}.yaml"
    path = directory / file
    if not path.is_file():
        raise VocabularyError(file, "", f"file not found in {directory}", "restore it from git")
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=_LOADER)
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise VocabularyError(file, "", f"invalid YAML ({exc})", "fix the syntax", line) from exc
    if node is None:
        raise VocabularyError(file, "", "the file is empty", "restore it from git")
    try:
        model = SCHEMAS[name].model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        hint = _hint(error["type"], loc)
        raise VocabularyError(file, format_path(loc), error["msg"], hint, _line(node, loc)) from exc
    return _Parsed(file, node, model, text)


def _hint(kind: str, loc: tuple[Any, ...]) -> str:
    if kind == "extra_forbidden":
        return f"remove the unknown key '{loc[-1]}' or correct its spelling (see README.md)"
    if kind == "missing":
        return f"add the required key '{loc[-1]}'"
    if kind == "literal_error" or "[key]" in loc:
        return f"use one of the allowed values; languages are {', '.join(LANGUAGES)}"
    return "correct the value (see README.md for the format)"


class Vocabularies:
    """All vocabularies, validated together. Build with `load_vocabularies()`."""

    def __init__(self, parsed: dict[str, _Parsed]):
        self._parsed = parsed
        self.firearms: FirearmsFile = parsed["firearms"].model
        self.calibres: CalibresFile = parsed["calibres"].model
        self.components: ComponentsFile = parsed["components"].model
        self.terms: TermsFile = parsed["terms"].model
        self.slang: SlangFile = parsed["slang"].model
        self.confounders: ConfoundersFile = parsed["confounders"].model
        cues = parsed.get("cues")
        self.cues: CuesFile = cues.model if cues else CuesFile(version=1, cues={})
        self.version = ",".join(f"{n}:{parsed[n].model.version}" for n in FILES)
        digest = hashlib.sha256("\0".join(parsed[n].text for n in FILES).encode())
        self.content_hash = digest.hexdigest()[:16]
        self._models = {m.name.lower(): m for m in self.firearms.models}
        self._check()

    # ---------------------------------------------------------------- public API
    def phrases(self, language: str) -> list[VocabPhrase]:
        """Every phrase to match in a listing of `language` (English phrases always included)."""
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}; use one of {', '.join(LANGUAGES)}")
        seen: set[tuple[str, str]] = set()
        out: list[VocabPhrase] = []
        for phrase in self._all_phrases(language):
            key = (phrase.text.lower(), phrase.label)
            if key not in seen:
                seen.add(key)
                out.append(phrase)
        return out

    def model_by_name(self, name: str) -> FirearmModel | None:
        """The model (make, type, calibres) whose canonical name is `name`, if any."""
        return self._models.get(name.lower())

    def make_of(self, model_name: str) -> str | None:
        model = self.model_by_name(model_name)
        return model.make if model else None

    def non_lethal_makes(self) -> frozenset[str]:
        """Makes of blank, gas and air guns only (Ekol, Zoraki, Retay, Bruni, ...)."""
        return frozenset(m.name for m in self.firearms.makes if m.non_lethal)

    def non_lethal_models(self) -> frozenset[str]:
        """Models that are not firearms: flagged themselves or made by a non-lethal make."""
        makes = self.non_lethal_makes()
        models = self.firearms.models
        return frozenset(m.name for m in models if m.non_lethal or m.make in makes)

    def after_gun_words(self, language: str) -> dict[str, str]:
        """Words naming a component right after a make or model: word → component id."""
        return {
            word: component.id
            for component in self.components.components
            for word in terms_for_language(component.after_gun, language)
        }

    def quantity_units(self, language: str) -> tuple[str, ...]:
        """Unit words that count ammunition after a number ("50 rds"), plus the English ones."""
        return tuple(dict.fromkeys(terms_for_language(self.terms.quantity_units, language)))

    # ---------------------------------------------------------------- phrase generation
    def _all_phrases(self, lang: str) -> Iterator[VocabPhrase]:
        for i, make in enumerate(self.firearms.makes):
            names = [make.name] if make.match_name else []
            yield from _each(
                [*names, *make.aliases], "MAKE", make.name, f"firearms.yaml:makes[{i}]"
            )
        for i, model in enumerate(self.firearms.models):
            names = [model.name] if model.match_name else []
            src = f"firearms.yaml:models[{i}]"
            yield from _each([*names, *model.aliases], "MODEL", model.name, src)
        for i, cal in enumerate(self.calibres.calibres):
            src = f"calibres.yaml:calibres[{i}]"
            yield from _each([cal.name, *cal.aliases], "CALIBRE", cal.name, src)
        for i, comp in enumerate(self.components.components):
            src = f"components.yaml:components[{i}]"
            yield from _each(terms_for_language(comp.terms, lang), "COMPONENT", comp.id, src)
        for label, entries in self.terms.labels.items():
            for i, entry in enumerate(entries):
                src = f"terms.yaml:labels.{label}[{i}]"
                words = terms_for_language(entry.terms, lang)
                yield from _each(words, label, entry.normalized, src)
        for i, slang in enumerate(self.slang.entries):
            if lang in slang.languages or "en" in slang.languages:
                src = f"slang.yaml:entries[{i}]"
                yield from _each([slang.text], slang.label, slang.normalized, src)

    # ---------------------------------------------------------------- cross-file checks
    def _fail(self, name: str, loc: tuple[str | int, ...], problem: str, fix: str) -> None:
        parsed = self._parsed[name]
        raise VocabularyError(parsed.name, format_path(loc), problem, fix, _line(parsed.node, loc))

    def _check(self) -> None:
        makes = {m.name for m in self.firearms.makes}
        calibres = {c.name for c in self.calibres.calibres}
        for i, model in enumerate(self.firearms.models):
            if model.make not in makes:
                fix = "add the make under `makes:` or correct the spelling"
                self._fail("firearms", ("models", i, "make"), f"unknown make {model.make!r}", fix)
            for j, cal in enumerate(model.calibres):
                if cal not in calibres:
                    fix = "use a canonical `name` from calibres.yaml or add the calibre there"
                    loc = ("models", i, "calibres", j)
                    self._fail("firearms", loc, f"unknown calibre {cal!r}", fix)
        self._check_slang()
        self._check_confounders()
        for language in LANGUAGES:
            self._check_conflicts(language)

    def _known_values(self) -> dict[str, set[str]]:
        values: dict[str, set[str]] = {
            "MAKE": {m.name for m in self.firearms.makes},
            "MODEL": {m.name for m in self.firearms.models},
            "CALIBRE": {c.name for c in self.calibres.calibres},
            "COMPONENT": {c.id for c in self.components.components},
        }
        for label, entries in self.terms.labels.items():
            values[label] = {e.normalized for e in entries}
        return values

    def _check_slang(self) -> None:
        known = self._known_values()
        for i, entry in enumerate(self.slang.entries):
            if entry.normalized not in known.get(entry.label, set()):
                problem = f"{entry.normalized!r} is not a known {entry.label} value"
                fix = "use a canonical name/id/normalized value defined in the other files"
                self._fail("slang", ("entries", i, "normalized"), problem, fix)

    def _check_confounders(self) -> None:
        contexts = self.confounders.contexts
        for i, phrase in enumerate(self.confounders.phrases):
            if phrase.requires_context is not None and phrase.requires_context not in contexts:
                fix = f"use null or one of: {', '.join(contexts)}"
                loc = ("phrases", i, "requires_context")
                self._fail("confounders", loc, f"unknown context {phrase.requires_context!r}", fix)

    def _check_conflicts(self, language: str) -> None:
        owners: dict[tuple[str, str], VocabPhrase] = {}
        for phrase in self._all_phrases(language):
            key = (phrase.text.lower(), phrase.label)
            other = owners.setdefault(key, phrase)
            if other.normalized != phrase.normalized:
                file, _, path = phrase.source.partition(":")
                problem = (
                    f"{phrase.text!r} ({phrase.label}) means {phrase.normalized!r} here but "
                    f"{other.normalized!r} in {other.source} (language {language})"
                )
                fix = "keep the phrase in one entry only, or make it longer and unambiguous"
                name = file.removesuffix(".yaml")
                raise VocabularyError(
                    file, path, problem, fix, _line(self._parsed[name].node, _split(path))
                )


def _each(texts: Iterable[str], label: str, normalized: str, source: str) -> Iterator[VocabPhrase]:
    for text in texts:
        yield VocabPhrase(text=text, label=label, normalized=normalized, source=source)


def terms_for_language(terms: dict[Any, tuple[str, ...]], language: str) -> list[str]:
    """The terms of `language`, then (for other languages) the English ones."""
    own = list(terms.get(language, ()))
    return own if language == "en" else [*own, *terms.get("en", ())]


def _split(path: str) -> tuple[str | int, ...]:
    parts: list[str | int] = []
    for name, index in re.findall(r"([A-Za-z_]+)|\[(\d+)\]", path):
        parts.append(name if name else int(index))
    return tuple(parts)


def load_vocabularies(directory: Path | None = None) -> Vocabularies:
    """Load and validate the vocabularies (the shipped ones by default, cached)."""
    if directory is None:
        return _load_default()
    return Vocabularies(_parse_all(Path(directory)))


@functools.cache
def _load_default() -> Vocabularies:
    return Vocabularies(_parse_all(DEFAULT_DIRECTORY))


def _parse_all(directory: Path) -> dict[str, _Parsed]:
    parsed = {name: _parse(directory, name) for name in FILES}
    for name in OPTIONAL_FILES:
        if (directory / f"{name}.yaml").is_file():
            parsed[name] = _parse(directory, name)
    return parsed
