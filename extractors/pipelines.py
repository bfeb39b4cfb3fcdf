"""spaCy pipelines per language: blank tokenizers plus rule components built from vocabularies.

Components (registered spaCy factories):

- (not a component) every lexeme's NORM is its matching form (`token_norm`), set once per word.
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
from spacy.attrs import NORM, ORTH
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.strings import hash_string  # type: ignore[attr-defined]
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from extractors.context_phrases import context_phrases
from extractors.part_words import with_part_words
from extractors.text_folding import QUOTES, fold_characters, token_norm
from extractors.vocabulary import VocabPhrase, load_vocabularies

# When one phrase means several things, the first label here wins.
LABEL_PRIORITY = (
    "MODEL", "CALIBRE", "COMPONENT", "MAKE", "AMMUNITION", "PRINT_FILE", "MANUAL",
    "NON_LETHAL", "OTHER_WEAPON", "FIREARM_TYPE",
)  # fmt: skip
_KEY_SEPARATOR = "\x1f"
_QUOTE_HASHES = frozenset(hash_string(mark) for mark in QUOTES)
_LETTERS_THEN_DIGITS = re.compile(r"^([^\W\d_]+)(\d+)$")
_UNITS = frozenset({"g", "mg", "kg", "gr", "ml", "mm", "cm", "x", "oz", "lb", "lbs", "mcg", "ug"})


def use_matching_norms(nlp: Language) -> None:
    """Make every lexeme's NORM its matching form (`token_norm`), computed once per word.

    spaCy computes lexeme attributes when it first meets a word, so setting the NORM getter
    costs nothing per token afterwards (a component rewriting token norms cost ~60 µs a text).
    """
    nlp.vocab.lex_attr_getters[NORM] = token_norm  # type: ignore[attr-defined]
    for lexeme in nlp.vocab:
        lexeme.norm_ = token_norm(lexeme.orth_)


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


def _parts(matches: list[tuple[int, int, int]], doc: Doc) -> list[tuple[int, int, str, str]]:
    strings = doc.vocab.strings
    return [(start, end, *_key_parts(strings[key])) for key, start, end in matches]


@cache
def _key_parts(key: str) -> tuple[str, str]:
    label, normalized = key.split(_KEY_SEPARATOR, 1)
    return label, normalized


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
        _merge_quotes(doc)
        entities = [
            Span(doc, start, end, label=label, kb_id=normalized)
            for start, end, label, normalized in self._longest(self.matcher(doc), doc)
        ]
        if self.after_gun:
            entities = filter_spans(with_part_words(doc, entities, self.after_gun))
        doc.ents = entities
        doc.spans["contexts"] = [
            Span(doc, start, end, label=label, kb_id=normalized)
            for start, end, label, normalized in _parts(self.context_matcher(doc), doc)
        ]
        return doc

    def _longest(
        self, matches: list[tuple[int, int, int]], doc: Doc
    ) -> list[tuple[int, int, str, str]]:
        """Non-overlapping matches, longest first; one phrase with several meanings takes the
        label of highest priority (what spaCy's filter_spans does, without building Spans)."""
        found = sorted(
            _parts(matches, doc),
            key=lambda m: (m[0] - m[1], m[0], self.priority.get(m[2], len(self.priority))),
        )
        taken: set[int] = set()
        kept = []
        for match in found:
            tokens = range(match[0], match[1])
            if not taken.intersection(tokens):
                kept.append(match)
                taken.update(tokens)
        return sorted(kept)


def _merge_quotes(doc: Doc) -> None:
    """Glue quote marks to the word they touch: '"Fuel filter" kit' matches 'fuel filter kit'."""
    orths = doc.to_array(ORTH).tolist()  # doc.text would build a Token object per token
    quotes = [index for index, orth in enumerate(orths) if orth in _QUOTE_HASHES]
    if not quotes:
        return
    merged: set[int] = set()
    with doc.retokenize() as retokenizer:
        for index in quotes:
            for start in (index - 1, index):  # glue to the word before, else to the one after
                pair = (start, start + 1)
                if start < 0 or pair[1] >= len(doc) or merged & set(pair):
                    continue
                word = doc[start] if start < index else doc[start + 1]
                if not doc[start].whitespace_ and _is_word(word):
                    retokenizer.merge(doc[start : start + 2])
                    merged.update(pair)
                    break


def _is_word(token: Token) -> bool:
    return not token.is_punct and not token.is_space


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
    use_matching_norms(nlp)
    nlp.add_pipe("armswatch_vocabulary", config={"language": language})
    return nlp
