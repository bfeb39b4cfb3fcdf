"""Stemmed search: title and description reduced to Snowball stems in the listing's language.

A listing's text goes through the stemmer of its `language` (its route): en, de, es, fr, ru, pt,
it and nl have one; a listing in any other language, or without one, takes the `folded` route
(the words unstemmed). A query term of a stem field (`stem:`, `title.stem:`,
`description.stem:`) is stemmed once per route and matches the listings of that route, so
`stem:pistolen` finds a German listing saying "Pistole" and an English listing saying "pistol"
only through English stemming of "pistolen" (which leaves it "pistolen").

Both backends stem here, with PyStemmer (the Snowball project's C stemmers; 150 times faster
than the pure-Python `snowballstemmer`, whose stems it gives): the embedded index stores the
stems, Elasticsearch indexes them (`index.elasticsearch.documents.folded_stems`) with its
built-in `whitespace` analyzer, so any stock Elasticsearch 8 cluster serves stemmed search
without plugins and both backends find the same listings. Stored stems depend on the stemmer's
version, so PyStemmer is held below 3.0 (Snowball 3's new Dutch stemmer gives other stems,
"pistolen" → "pistool" instead of "pistol"): a new major version means a reindex.

A token is lowercased, then stemmed, and diacritics are removed afterwards (by FTS5 in the
embedded index, by `fold_token` for Elasticsearch), because the stemmers read
diacritics: the Russian one needs "й", the German one "ä".
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import Stemmer

from index.query.terms import split_tokens

# language code -> Snowball algorithm
STEMMED_LANGUAGES: dict[str, str] = {
    "en": "english",
    "de": "german",
    "es": "spanish",
    "fr": "french",
    "ru": "russian",
    "pt": "portuguese",
    "it": "italian",
    "nl": "dutch",
}
UNSTEMMED_ROUTE = "folded"
ROUTES: tuple[str, ...] = (*STEMMED_LANGUAGES, UNSTEMMED_ROUTE)


def stem_route(language: str | None) -> str:
    """The route of a listing language (`de`, `de-AT`, `DE_at` -> `de`; others -> `folded`)."""
    if not language:
        return UNSTEMMED_ROUTE
    code = language.strip().lower().replace("_", "-").partition("-")[0]
    return code if code in STEMMED_LANGUAGES else UNSTEMMED_ROUTE


_PER_THREAD = threading.local()


def _stemmer(route: str) -> Stemmer.Stemmer:
    """This thread's stemmer of a route (a stemmer keeps state while it works)."""
    stemmers: dict[str, Stemmer.Stemmer] = _PER_THREAD.__dict__.setdefault("stemmers", {})
    if route not in stemmers:
        stemmers[route] = Stemmer.Stemmer(STEMMED_LANGUAGES[route])
    return stemmers[route]


def stem_tokens(text: str, route: str) -> list[str]:
    """The lowercase stems of the words of `text` on `route`, diacritics not yet removed."""
    if route not in ROUTES:
        raise ValueError(f"unknown stemming route {route!r}; known: {', '.join(ROUTES)}")
    tokens = [token.lower() for token in split_tokens(text)]
    if route == UNSTEMMED_ROUTE:
        return tokens
    stems = _stemmer(route).stemWords(tokens)
    return [stem or token for stem, token in zip(stems, tokens, strict=True)]


def stemmed_text(text: str, route: str) -> str:
    """`text` as its space-separated stems (what the embedded index's stem table holds)."""
    return " ".join(stem_tokens(text, route))


def stems_by_route(text: str, routes: Iterable[str] = ROUTES) -> dict[str, list[str]]:
    """The routes that give the same stems of a query text, grouped: {stems: [routes]}."""
    grouped: dict[str, list[str]] = {}
    for route in routes:
        grouped.setdefault(stemmed_text(text, route), []).append(route)
    return grouped
