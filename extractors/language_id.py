"""Which language a listing is written in, to pick its spaCy pipeline.

lingua's detector is restricted to the languages armswatch has vocabularies for, which makes it
both faster and more accurate on short market texts. A language the source declares is trusted
when it is one of them.
"""

from __future__ import annotations

from functools import cache

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

SUPPORTED = ("en", "de", "es", "fr", "ru", "pt", "it", "nl")
FALLBACK = "en"
_MIN_LETTERS = 12
_SAMPLE_CHARACTERS = 400  # enough to tell the language; detection time grows with length


@cache
def _detector() -> LanguageDetector:
    languages = [Language.from_iso_code_639_1(IsoCode639_1.from_str(code)) for code in SUPPORTED]
    return (
        LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models().build()
    )


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the text's language among SUPPORTED (English when unsure)."""
    if sum(character.isalpha() for character in text) < _MIN_LETTERS:
        return FALLBACK
    found = _detector().detect_language_of(text[:_SAMPLE_CHARACTERS])
    if found is None:
        return FALLBACK
    return found.iso_code_639_1.name.lower()


def listing_language(declared: str | None, title: str, description: str) -> str:
    """The declared language if supported, else the one detected in the listing's text."""
    if declared:
        code = declared.strip().lower()[:2]
        if code in SUPPORTED:
            return code
    return detect_language(f"{title}\n{description}")
