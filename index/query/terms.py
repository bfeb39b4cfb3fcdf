"""Query words: escapes, wildcards, and the tokens the full-text index sees.

The embedded index tokenises text with SQLite FTS5 `unicode61 remove_diacritics 2`: a token is
a run of letters, digits (and marks / private-use characters); everything else separates
tokens, and tokens are lowercased with diacritics removed. `split_tokens` and `fold_token`
mirror that closely enough to decide whether a word has tokens at all and to build wildcard
patterns; the backend itself always lets FTS5 tokenise the words it matches.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

WILDCARDS = frozenset("*?")
_GLOB_SPECIAL = frozenset("*?[")


def is_token_char(character: str) -> bool:
    category = unicodedata.category(character)
    return category[0] in "LNM" or category == "Co"


class _SeparatorsToSpaces(dict[int, int]):
    """A `str.translate` table that turns every separator into a space and keeps token
    characters: each code point is classified once, then looked up in C."""

    def __missing__(self, code: int) -> int:
        kept = code if is_token_char(chr(code)) else 0x20
        self[code] = kept
        return kept


_SEPARATORS_TO_SPACES = _SeparatorsToSpaces()
_TOKEN_RUN = re.compile(r"\S+")


def tokens_as_words(text: str) -> str:
    """`text` with every separator made a space (same length: offsets are kept)."""
    return text.translate(_SEPARATORS_TO_SPACES)


def token_runs(text: str) -> Iterator[re.Match[str]]:
    """The tokens of `text` as matches over `tokens_as_words(text)` (with their offsets)."""
    return _TOKEN_RUN.finditer(tokens_as_words(text))


def split_tokens(text: str) -> list[str]:
    """The tokens of `text` as FTS5 unicode61 would cut them (case and diacritics kept)."""
    return tokens_as_words(text).split()


def has_tokens(text: str) -> bool:
    return bool(tokens_as_words(text).strip())


@lru_cache(maxsize=65536)
def fold_token(text: str) -> str:
    """Lowercase without diacritics, as unicode61 `remove_diacritics 2` stores tokens."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", stripped).lower()


@dataclass(frozen=True)
class QueryWord:
    """One query word with escapes resolved; `wild[i]` says whether character i is a wildcard."""

    chars: str
    wild: tuple[bool, ...]

    @classmethod
    def parse(cls, raw: str) -> QueryWord:
        chars: list[str] = []
        wild: list[bool] = []
        escaped = False
        for character in raw:
            if escaped or character != "\\":
                chars.append(character)
                wild.append(not escaped and character in WILDCARDS)
                escaped = False
            else:
                escaped = True
        return cls("".join(chars), tuple(wild))

    @property
    def has_wildcards(self) -> bool:
        return any(self.wild)

    @property
    def is_match_all(self) -> bool:
        """Only `*` wildcards (e.g. `*`, `**`): matches any value."""
        return bool(self.chars) and all(self.wild) and set(self.chars) == {"*"}

    @property
    def prefix(self) -> str | None:
        """The text before a single trailing `*`, when that is the only wildcard."""
        if self.wild and self.wild[-1] and self.chars[-1] == "*" and not any(self.wild[:-1]):
            return self.chars[:-1]
        return None

    def glob(self) -> str:
        """A case-folded SQLite GLOB pattern; escaped wildcards match themselves."""
        parts: list[str] = []
        for character, wild in zip(self.chars, self.wild, strict=True):
            literal = character.lower()
            parts.append(f"[{literal}]" if not wild and literal in _GLOB_SPECIAL else literal)
        return "".join(parts)

    def token_patterns(self) -> list[str]:
        """The word cut where the tokeniser cuts it, wildcards kept, each piece folded."""
        pieces: list[str] = []
        current: list[str] = []
        for character, wild in zip(self.chars, self.wild, strict=True):
            if wild or is_token_char(character):
                current.append(character)
            elif current:
                pieces.append("".join(current))
                current = []
        if current:
            pieces.append("".join(current))
        return [fold_token(piece) for piece in pieces]


def parse_number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def parse_bool(text: str) -> bool | None:
    return {"true": True, "false": False}.get(text.strip().lower())


def unquote_phrase(raw: str) -> str:
    """The text of a luqum phrase: quotes removed, `\\"` and `\\\\` unescaped."""
    inner = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw
    return QueryWord.parse(inner).chars
