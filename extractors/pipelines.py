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

import gc
import re
import threading
from collections.abc import Iterable, Iterator
from functools import cache
from typing import cast

import spacy
from spacy.attrs import NORM
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span
from spacy.util import compile_prefix_regex, compile_suffix_regex

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
RULER = "armswatch_vocabulary"
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
    tokenizer = cast(Tokenizer, nlp.tokenizer)
    tokenizer.rules = {  # the norms of special cases too ("'s")
        orth: [_with_matching_norm(attrs) for attrs in tokens]
        for orth, tokens in (tokenizer.rules or {}).items()
    }


def _with_matching_norm(attrs: dict[int, str]) -> dict[int, str]:
    return {**attrs, NORM: token_norm(attrs[NORM])} if NORM in attrs else attrs


Match = tuple[int, int, str, str]  # token start, token end, label, normalized
ENTITY, CONTEXT, PART_WORD = "entity", "context", "part_word"


def keep_quotes_on_words(nlp: Language) -> None:
    """Leave quote marks on the word they touch: '"Fuel filter" kit' is read as '"Fuel',
    'filter"', 'kit', whose norms (`token_norm` strips quotes) match 'fuel filter kit'.

    Only bare quote prefixes and suffixes go; the suffixes "'s" and "’s" stay.
    """
    quotes = set(QUOTES) | {"´", "‚"}
    tokenizer = cast(Tokenizer, nlp.tokenizer)
    prefixes = [p for p in nlp.Defaults.prefixes or () if not _is_quote(p, quotes)]
    suffixes = [p for p in nlp.Defaults.suffixes or () if not _is_quote(p, quotes)]
    tokenizer.prefix_search = compile_prefix_regex(prefixes).search
    tokenizer.suffix_search = compile_suffix_regex(suffixes).search


def _is_quote(affix: str | re.Pattern[str], quotes: set[str]) -> bool:
    return isinstance(affix, str) and affix.replace("\\", "") in quotes


def phrase_matcher(
    nlp: Language, groups: dict[str, Iterable[VocabPhrase]]
) -> tuple[PhraseMatcher, dict[int, tuple[str, str, str]]]:
    """One PhraseMatcher on NORM for every group of phrases, and what each match id means:
    (group, label, normalized)."""
    matcher = PhraseMatcher(nlp.vocab, attr="NORM")
    patterns: dict[str, list[Doc]] = {}
    meanings: dict[int, tuple[str, str, str]] = {}
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for group, phrases in groups.items():
        for phrase in phrases:
            key = _KEY_SEPARATOR.join((group, phrase.label, phrase.normalized))
            meanings[nlp.vocab.strings.add(key)] = (group, phrase.label, phrase.normalized)
            variants = [(phrase.text,)] if group == PART_WORD else _variants(nlp, phrase.text)
            for norms in variants:
                if (key, norms) not in seen:
                    seen.add((key, norms))
                    patterns.setdefault(key, []).append(_norm_doc(nlp, norms))
    for key, docs in patterns.items():
        matcher.add(key, docs)
    return matcher, meanings


class VocabularyRuler:
    """Entities (`doc.ents`) and confounder contexts (`doc.spans["contexts"]`) from phrases.

    `find` gives the same as plain (token start, token end, label, normalized) tuples, without
    building spaCy Spans: the annotator's fast path.
    """

    def __init__(
        self,
        nlp: Language,
        phrases: Iterable[VocabPhrase],
        contexts: Iterable[VocabPhrase],
        after_gun: dict[str, str] | None = None,
    ) -> None:
        part_of = {token_norm(word.lower()): part for word, part in (after_gun or {}).items()}
        part_words = [
            VocabPhrase(text=norm, label="COMPONENT", normalized=part, source="after_gun")
            for norm, part in part_of.items()
        ]
        groups = {ENTITY: phrases, CONTEXT: contexts, PART_WORD: part_words}
        self.matcher, self.meanings = phrase_matcher(nlp, groups)
        self.priority = {label: rank for rank, label in enumerate(LABEL_PRIORITY)}

    def __call__(self, doc: Doc) -> Doc:
        entities, contexts = self.find(doc)
        doc.ents = _spans(doc, entities)
        doc.spans["contexts"] = _spans(doc, contexts)
        return doc

    def find(self, doc: Doc) -> tuple[list[Match], list[Match]]:
        """(entities, contexts) of a tokenized doc; entities do not overlap, in text order."""
        found: dict[str, list[Match]] = {ENTITY: [], CONTEXT: [], PART_WORD: []}
        meanings = self.meanings
        for key, start, end in self.matcher(doc):
            group, label, normalized = meanings[key]
            found[group].append((start, end, label, normalized))
        entities = self._longest(found[ENTITY])
        if found[PART_WORD]:
            part_at = {start: normalized for start, _, _, normalized in found[PART_WORD]}
            entities = with_part_words(doc, entities, part_at)
        return entities, found[CONTEXT]

    def _longest(self, matches: list[Match]) -> list[Match]:
        """Non-overlapping matches, longest first; one phrase with several meanings takes the
        label of highest priority (what spaCy's filter_spans does, without building Spans)."""
        if len(matches) < 2:
            return matches
        rank, last = self.priority.get, len(self.priority)
        found = sorted(matches, key=lambda m: (m[0] - m[1], m[0], rank(m[2], last)))
        taken: set[int] = set()
        kept = []
        for match in found:
            tokens = range(match[0], match[1])
            if not taken.intersection(tokens):
                kept.append(match)
                taken.update(tokens)
        return sorted(kept)


def _spans(doc: Doc, matches: list[Match]) -> list[Span]:
    return [Span(doc, start, end, label=label, kb_id=kb) for start, end, label, kb in matches]


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


@Language.factory(RULER, default_config={"language": "en"})
def make_vocabulary_ruler(nlp: Language, name: str, language: str) -> VocabularyRuler:
    vocabularies = load_vocabularies()
    return VocabularyRuler(
        nlp,
        vocabularies.phrases(language),
        context_phrases(vocabularies, language),
        vocabularies.after_gun_words(language),
    )


_BUILDING = threading.Lock()


def pipeline(language: str) -> Language:
    """The pipeline of one language (built once per process, whichever thread asks first:
    the extraction pipeline annotates batches in several threads at once)."""
    with _BUILDING:
        return _built_pipeline(language)


@cache
def _built_pipeline(language: str) -> Language:
    nlp = spacy.blank(language)
    keep_quotes_on_words(nlp)
    use_matching_norms(nlp)
    nlp.add_pipe(RULER, config={"language": language})
    # A pipeline (its vocabulary, matcher and the vocabularies behind it: some 10^5 objects)
    # lives as long as the process: move everything alive now out of the cyclic collector's
    # way, which otherwise walks it on every full collection while listings are annotated.
    gc.freeze()
    return nlp
