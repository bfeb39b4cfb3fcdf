"""Phrases that reveal what a listing really is when firearm words are used for something else.

Three labels, all kept out of a listing's entities and read only by the classifier:

- CONFOUNDER: a phrase that is always a confounder ('AK-47 Kush', 'Pink Grenade'), normalized
  to the context it belongs to ('drug', 'pill', ...).
- CONTEXT: a word of a context list ('strain', 'Pillen', 'pureza', 'subscription'), normalized to
  its context. Single letters ('g' for grams) are left out: they also abbreviate models.
- CUE: a word that changes what others mean ('converted', 'umgebaut'), normalized to its cue.
"""

from __future__ import annotations

from extractors.vocabulary import VocabPhrase, Vocabularies, terms_for_language

CONFOUNDER_LABEL = "CONFOUNDER"
CONTEXT_LABEL = "CONTEXT"
CUE_LABEL = "CUE"
CONTEXT_OF_KIND = {"cannabis_strain": "drug"}  # other kinds share their context's name


def context_phrases(vocabularies: Vocabularies, language: str) -> list[VocabPhrase]:
    confounders = vocabularies.confounders
    phrases: list[VocabPhrase] = []
    for kind, terms in confounders.contexts.items():
        phrases += [
            VocabPhrase(text=word, label=CONTEXT_LABEL, normalized=kind, source=f"contexts.{kind}")
            for word in terms_for_language(terms, language)
            if len(word) > 1
        ]
    for kind, terms in vocabularies.cues.cues.items():
        phrases += [
            VocabPhrase(text=word, label=CUE_LABEL, normalized=kind, source=f"cues.{kind}")
            for word in terms_for_language(terms, language)
        ]
    for number, phrase in enumerate(confounders.phrases):
        if phrase.requires_context is None and (
            language in phrase.languages or "en" in phrase.languages
        ):
            phrases.append(
                VocabPhrase(
                    text=phrase.text,
                    label=CONFOUNDER_LABEL,
                    normalized=CONTEXT_OF_KIND.get(phrase.kind, phrase.kind),
                    source=f"confounders.yaml:phrases[{number}]",
                )
            )
    return phrases
