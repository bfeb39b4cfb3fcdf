"""Undo the obfuscations sellers use, so 'GL0CK', 'G.lock' and 'S1G' match 'Glock' and 'SIG'.

Two steps, applied alike to listing texts and to vocabulary phrases:

- `fold_characters` rewrites leetspeak digits and symbols sitting between letters ('GL0CK' →
  'GLOCK', 'S1G' → 'SIG', 'Gl@ck' → 'Glack') one character for one, so entity offsets into
  the folded text are offsets into the original text too.
- `token_norm` is the matching form of one token: lower case, separators between letters dropped
  ('g.lock' → 'glock', 'ak-47' → 'ak47'), decimal commas and multiplication signs between digits
  unified ('7,62х39' → '7.62x39').
"""

from __future__ import annotations

import re

QUOTES = "\"“”„«»‘’'`"
LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_LETTER = r"[^\W\d_]"
# Each pattern starts with its character class, so `re` skips ahead to candidates in C (a
# leading look-behind would be tried at every position: 3-4 times slower).
_LEET_BETWEEN_LETTERS = re.compile(rf"[013457@$](?<={_LETTER}.)(?={_LETTER})")
_DOLLAR_LEADING_WORD = re.compile(rf"\$(?<![\w$]\$)(?={_LETTER}{{2}})")
_SEPARATOR_IN_WORD = re.compile(r"(?<=[^\W_])[.\-'’_*](?=[^\W\d_])|(?<=[^\W\d_])[.\-'’_*](?=\d)")
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
_TIMES = re.compile(r"(?<=\d)[×хХ*](?=\d)")


def fold_characters(text: str) -> str:
    """The text with leetspeak undone between letters; always the same length as `text`."""
    folded = _LEET_BETWEEN_LETTERS.sub(lambda match: LEET[match.group()], text)
    return _DOLLAR_LEADING_WORD.sub("s", folded)


def token_norm(token: str) -> str:
    """The form a token is matched by."""
    lowered = token.lower().strip(QUOTES) or token.lower()
    if len(lowered) < 3:
        return lowered
    lowered = _SEPARATOR_IN_WORD.sub("", lowered)
    lowered = _DECIMAL_COMMA.sub(".", lowered)
    return _TIMES.sub("x", lowered)
