"""Annotate listings: language, spaCy entities, signal entities and the classifier's decision.

`Annotator.annotate_records` takes plain mappings (`id`, `title`, `description`, `language`,
any other Listing fields) and returns one `Annotations` per record, in order. Records are
grouped by language; each field is tokenized by that language's pipeline in batches and its
vocabulary ruler's matches are read as tuples (`VocabularyRuler.find`), without building Spans.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

from crawlers.listing import Annotations, Entity, Listing
from extractors.classifier import Makes, classify, evidence_of
from extractors.context_phrases import CUE_LABEL
from extractors.language_id import listing_language
from extractors.pipelines import RULER, VocabularyRuler, pipeline
from extractors.signals import extract_signals_many
from extractors.text_folding import QUOTES, fold_characters
from extractors.vocabulary import Vocabularies, load_vocabularies

FIELDS = ("title", "description")
CATEGORY = "category_path"  # the site's category: read for cues, not kept as entities
BATCH_SIZE = 256


@dataclass(frozen=True)
class _FieldText:
    record: int
    field: str
    text: str


class Annotator:
    def __init__(self, vocabularies: Vocabularies) -> None:
        self.vocabularies = vocabularies
        self.makes = Makes(vocabularies.non_lethal_makes(), vocabularies.non_lethal_models())

    @classmethod
    def load(cls) -> Annotator:
        return cls(load_vocabularies())

    @property
    def version(self) -> str:
        """Changes whenever the vocabularies do: listings annotated before need `reannotate`."""
        return self.vocabularies.version

    def annotate_records(self, records: Sequence[Mapping[str, Any]]) -> list[Annotations]:
        return [annotations for _, annotations in self.annotate_with_languages(records)]

    def annotate_with_languages(
        self, records: Sequence[Mapping[str, Any]]
    ) -> list[tuple[str, Annotations]]:
        """(language used, annotations) per record: the declared language or the detected one."""
        languages = [
            listing_language(
                record.get("language"), record.get("title") or "", record.get("description") or ""
            )
            for record in records
        ]
        found: list[dict[str, list[Entity]]] = [
            {name: [] for name in (*FIELDS, CATEGORY)} for _ in records
        ]
        for language in sorted(set(languages)):
            members = [i for i, code in enumerate(languages) if code == language]
            for item, entities in self._entities(language, records, members):
                found[item.record][item.field] = entities
        return [
            (languages[i], self._classify(record, found[i])) for i, record in enumerate(records)
        ]

    def annotate_listings(self, listings: Sequence[Listing]) -> list[Listing]:
        """The listings with annotations (and language, where the source gave none)."""
        return with_annotations(listings, self.annotate_with_languages(listing_records(listings)))

    def _entities(
        self, language: str, records: Sequence[Mapping[str, Any]], members: Iterable[int]
    ) -> Iterator[tuple[_FieldText, list[Entity]]]:
        items = [
            _FieldText(i, name, text)
            for i in members
            for name in (*FIELDS, CATEGORY)
            if (text := _field_text(records[i], name))
        ]
        nlp = pipeline(language)
        ruler: VocabularyRuler = nlp.get_pipe(RULER)  # type: ignore[assignment]
        folded = (fold_characters(item.text) for item in items)
        tokenizer = cast(Tokenizer, nlp.tokenizer)
        docs = tokenizer.pipe(folded, batch_size=BATCH_SIZE)
        texts = [(item.text if item.field in FIELDS else "", item.field) for item in items]
        signals = extract_signals_many(texts)
        for doc, item, found in zip(docs, items, signals, strict=True):
            yield item, _doc_entities(doc, item, ruler) + found

    def _classify(self, record: Mapping[str, Any], found: dict[str, list[Entity]]) -> Annotations:
        title, description = (
            evidence_of(name, record.get(name) or "", found[name]) for name in FIELDS
        )
        site = frozenset(
            entity.normalized or ""
            for entity in found[CATEGORY]
            if entity.label == CUE_LABEL and (entity.normalized or "").startswith("site_")
        )
        return classify(title, description, self.makes, site)


def listing_records(listings: Sequence[Listing]) -> list[dict[str, Any]]:
    """What annotation reads of each listing, as plain mappings (cheap to send elsewhere)."""
    fields = {"id", "title", "description", "language", CATEGORY}
    return [listing.model_dump(include=fields) for listing in listings]


def with_annotations(
    listings: Sequence[Listing], annotated: Sequence[tuple[str, Annotations]]
) -> list[Listing]:
    """The listings with the (language, annotations) of `annotate_with_languages`, in order."""
    return [
        listing.model_copy(
            update={"annotations": annotations, "language": listing.language or language}
        )
        for listing, (language, annotations) in zip(listings, annotated, strict=True)
    ]


def _field_text(record: Mapping[str, Any], name: str) -> str:
    value = record.get(name) or ""
    if isinstance(value, (list, tuple)):
        value = " / ".join(str(part) for part in value)
    return str(value).replace("/", " / ").replace(">", " > ") if name == CATEGORY else str(value)


def _doc_entities(doc: Doc, item: _FieldText, ruler: VocabularyRuler) -> list[Entity]:
    entities, contexts = ruler.find(doc)
    found = []
    for start, end, label, normalized in (*entities, *contexts):
        last = doc[end - 1]
        start_char, end_char = _without_quotes(item.text, doc[start].idx, last.idx + len(last))
        found.append(
            Entity(
                label=label,
                text=item.text[start_char:end_char],
                start=start_char,
                end=end_char,
                field=item.field,
                normalized=normalized or None,
            )
        )
    return found


def _without_quotes(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in QUOTES:
        start += 1
    while end > start and text[end - 1] in QUOTES:
        end -= 1
    return start, end
