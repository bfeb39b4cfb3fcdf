"""spaCy pipelines per language: blank tokenizers plus rule components built from vocabularies.

Components (registered spaCy factories):

- `armswatch_token_norms` sets each token's NORM to its matching form (`token_norm`).
- `armswatch_vocabulary` matches every vocabulary phrase of the pipeline's language on NORM with
  a PhraseMatcher and sets `doc.ents`; each span's `kb_id_` holds the normalized reference
  ('Glock 19', '9x19mm Parabellum', 'essential_component/slide').

Texts go in folded (`fold_characters`), which keeps offsets, so a span's characters are the
listing's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from extractors.context_phrases import context_phrases
from extractors.text_folding import fold_characters, token_norm
from extractors.vocabulary import VocabPhrase, load_vocabularies

# When one phrase means several things, the first label here wins.
LABEL_PRIORITY = (
    "MODEL", "CALIBRE", "COMPONENT", "MAKE", "AMMUNITION", "PRINT_FILE", "MANUAL",
    "NON_LETHAL", "OTHER_WEAPON", "FIREARM_TYPE",
)  # fmt: skip
_KEY_SEPARATOR = "\x1f"
GUN_NAME_LABELS = frozenset({"MAKE", "MODEL"})
AFTER_GUN_REACH = 4  # tokens: "Glock 19 Gen5 frame", "AK 30 - round magazine"
_LETTERS_THEN_DIGITS = re.compile(r"^([^\W\d_]+)(\d+)$")
_UNITS = frozenset({"g", "mg", "kg", "gr", "ml", "mm", "cm", "x", "oz", "lb", "lbs", "mcg", "ug"})


class TokenNorms:
    def __call__(self, doc: Doc) -> Doc:
        for token in doc:
            token.norm_ = token_norm(token.text)
        return doc


def phrase_matcher(nlp: Language, phrases: Iterable[VocabPhrase]) -> PhraseMatcher:
    """A PhraseMatcher on NORM whose match ids are 'LABEL\x1fnormalized'."""
    matcher = PhraseMatcher(nlp.vocab, attr="NORM")
    patterns: dict[str, list[Doc]] = {}
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for phrase in phrases:
        key = f"{phrase.label}{_KEY_SEPARATOR}{phrase.normalized}"
        for norms in _variants(nlp, phrase.text):
            if (key, norms) not in seen:
                seen.add((key, norms))
                patterns.setdefault(key, []).append(_norm_doc(nlp, norms))
    for key, docs in patterns.items():
        matcher.add(key, docs)
    return matcher


def _matched_spans(matcher: PhraseMatcher, doc: Doc) -> Iterator[Span]:
    for match_id, start, end in matcher(doc):
        label, normalized = doc.vocab.strings[match_id].split(_KEY_SEPARATOR, 1)
        yield Span(doc, start, end, label=label, kb_id=normalized)


class VocabularyRuler:
    """Entities (`doc.ents`) and confounder contexts (`doc.spans["contexts"]`) from phrases."""

    def __init__(
        self,
        nlp: Language,
        phrases: Iterable[VocabPhrase],
        contexts: Iterable[VocabPhrase],
        after_gun: dict[str, str] | None = None,
    ) -> None:
        self.matcher = phrase_matcher(nlp, phrases)
        self.context_matcher = phrase_matcher(nlp, contexts)
        self.priority = {label: rank for rank, label in enumerate(LABEL_PRIORITY)}
        self.after_gun = {
            token_norm(word.lower()): part for word, part in (after_gun or {}).items()
        }

    def __call__(self, doc: Doc) -> Doc:
        candidates: dict[tuple[int, int], Span] = {}
        for span in _matched_spans(self.matcher, doc):
            known = candidates.get((span.start, span.end))
            if known is None or self._rank(span) < self._rank(known):
                candidates[(span.start, span.end)] = span
        entities = filter_spans(candidates.values())
        doc.ents = filter_spans([*entities, *self._parts_after_guns(doc, entities)])
        doc.spans["contexts"] = list(_matched_spans(self.context_matcher, doc))
        return doc

    def _parts_after_guns(self, doc: Doc, entities: list[Span]) -> Iterator[Span]:
        """'frame' in 'Glock 19 frame', 'magazine' in 'AK 30-round magazine'."""
        taken = {index for span in entities for index in range(span.start, span.end)}
        for span in entities:
            if span.label_ not in GUN_NAME_LABELS:
                continue
            for index in range(span.end, min(span.end + AFTER_GUN_REACH, len(doc))):
                if index in taken:
                    break
                part = self.after_gun.get(doc[index].norm_)
                if part is not None:
                    yield Span(doc, index, index + 1, label="COMPONENT", kb_id=part)
                    break

    def _rank(self, span: Span) -> int:
        return self.priority.get(span.label_, len(self.priority))


def _variants(nlp: Language, text: str) -> Iterator[tuple[str, ...]]:
    """Token norms of a phrase as written, joined ('glock 19' → 'glock19') and split ('g19')."""
    norms = tuple(token_norm(token.text) for token in nlp.make_doc(fold_characters(text)))
    if not norms:
        return
    yield norms
    if 2 <= len(norms) <= 3 and any(character.isdigit() for character in "".join(norms)):
        yield ("".join(norms),)
    split = _LETTERS_THEN_DIGITS.match(norms[0]) if len(norms) == 1 else None
    if split and split.group(1) not in _UNITS:
        yield (split.group(1), split.group(2))


def _norm_doc(nlp: Language, norms: tuple[str, ...]) -> Doc:
    doc = Doc(nlp.vocab, words=list(norms))
    for token, norm in zip(doc, norms, strict=True):
        token.norm_ = norm
    return doc


@Language.factory("armswatch_token_norms")
def make_token_norms(nlp: Language, name: str) -> TokenNorms:
    return TokenNorms()


@Language.factory("armswatch_vocabulary", default_config={"language": "en"})
def make_vocabulary_ruler(nlp: Language, name: str, language: str) -> VocabularyRuler:
    vocabularies = load_vocabularies()
    return VocabularyRuler(
        nlp,
        vocabularies.phrases(language),
        context_phrases(vocabularies, language),
        vocabularies.after_gun_words(language),
    )


@cache
def pipeline(language: str) -> Language:
    """The pipeline of one language (built once per process)."""
    nlp = spacy.blank(language)
    nlp.add_pipe("armswatch_token_norms")
    nlp.add_pipe("armswatch_vocabulary", config={"language": language})
    return nlp
