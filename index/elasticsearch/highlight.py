"""Highlights computed in Python, token for token as the embedded index's FTS5 marks them.

The query's positive full-text terms (not under NOT, not wildcard patterns) are matched
against the tokens of a hit's title and description (tokenised as they are indexed): each
phrase instance becomes one `<mark>` span from its first to its last token, overlapping spans
merge, and the text around is HTML-escaped. The title is returned whole; the description as
a snippet of SNIPPET_TOKENS tokens chosen as FTS5's snippet() chooses it, with `…` where
it was cut.
Fields without a match are left out.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from crawlers.listing import Listing
from index.elasticsearch.documents import TokenSpan, folded_tokens, token_spans
from index.query.nodes import TextMatch

SNIPPET_TOKENS = 32
ELLIPSIS = "…"
HIGHLIGHTED_FIELDS = ("title", "description")

TokenRange = tuple[int, int]  # first and last token index, inclusive
Instance = tuple[int, tuple[int, int], int]  # first token, phrase id, number of tokens


def highlight_listing(listing: Listing, terms: Iterable[TextMatch]) -> dict[str, list[str]]:
    terms = tuple(terms)
    marked: dict[str, list[str]] = {}
    for name in HIGHLIGHTED_FIELDS:
        text: str = getattr(listing, name)
        spans = token_spans(text)
        instances = sorted(
            (position, phrase, size)
            for number, term in enumerate(terms)
            if name in term.fields
            for position, phrase, size in _instances(term, number, spans)
        )
        if not instances:
            continue
        ranges = _merge((position, position + size - 1) for position, _, size in instances)
        first = 0 if name == "title" else _snippet_start(text, spans, instances)
        stop = len(spans) if name == "title" else first + SNIPPET_TOKENS
        marked[name] = [_render(text, spans, ranges, first, stop)]
    return marked


def _instances(term: TextMatch, number: int, spans: list[TokenSpan]) -> list[Instance]:
    """Where the term's phrases occur: (first token, phrase id, tokens)."""
    tokens = folded_tokens(term.text)
    words = [token for _, _, token in spans]
    if not tokens:
        return []
    if term.mode == "phrase" and term.slop and len(tokens) > 1:
        return _near_instances(tokens, words, term.slop, number)
    size = len(tokens)
    phrase = (number, 0)
    found: list[Instance] = []
    for first in range(len(words) - size + 1):
        window = words[first : first + size]
        if term.mode == "prefix":
            hit = window[:-1] == tokens[:-1] and window[-1].startswith(tokens[-1])
        else:
            hit = window == tokens
        if hit:
            found.append((first, phrase, size))
    return found


def _near_instances(tokens: list[str], words: list[str], slop: int, number: int) -> list[Instance]:
    """Each token of a NEAR group, wherever all of them occur within `slop` extra tokens."""
    width = len(tokens) + slop
    wanted = set(tokens)
    found: set[Instance] = set()
    for first in range(len(words)):
        window = words[first : first + width]
        if window and window[0] in wanted and wanted <= set(window):
            found.update(
                (first + offset, (number, tokens.index(word) + 1), 1)
                for offset, word in enumerate(window)
                if word in wanted
            )
    return sorted(found)


def _merge(ranges: Iterable[TokenRange]) -> list[TokenRange]:
    merged: list[TokenRange] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _snippet_start(text: str, spans: list[TokenSpan], instances: list[Instance]) -> int:
    """The first token of the snippet, chosen as FTS5's snippet() chooses it: the window with
    the most distinct phrases, preferring one that starts a sentence, centred on its hits."""
    if len(spans) <= SNIPPET_TOKENS:
        return 0
    sentences = _sentence_starts(text, spans)
    best_start, best_score = 0, 0
    for position, _, _ in instances:
        sentence = max(start for start in sentences if start <= position)
        if sentence < position:
            score = _window_score(instances, sentence)[0] + (120 if sentence == 0 else 100)
            if score > best_score:
                best_start, best_score = sentence, score
        score, centred = _window_score(instances, position, len(spans))
        if score > best_score:
            best_start, best_score = centred, score
    return best_start


def _window_score(
    instances: list[Instance], start: int, size: int | None = None
) -> tuple[int, int]:
    """Score of the window at `start` (1000 per distinct phrase, 1 per repeat) and the start
    that centres its hits (within a text of `size` tokens)."""
    seen: set[tuple[int, int]] = set()
    score, first, last = 0, -1, 0
    for position, phrase, length in instances:
        if start <= position < start + SNIPPET_TOKENS:
            score += 1 if phrase in seen else 1000
            seen.add(phrase)
            first = position if first < 0 else first
            last = position + length
    centred = first - int((SNIPPET_TOKENS - (last - first)) / 2)
    if size is not None and centred + SNIPPET_TOKENS > size:
        centred = size - SNIPPET_TOKENS
    return score, max(0, centred)


def _sentence_starts(text: str, spans: list[TokenSpan]) -> list[int]:
    """Tokens that start a sentence: the first, and any after `.` or `:` and white space."""
    starts = [0]
    for number, (start, _, _) in enumerate(spans[1:], 1):
        before = text[:start].rstrip(" \t\n\r")
        if len(before) < start and before.endswith((".", ":")):
            starts.append(number)
    return starts


def _render(
    text: str, spans: list[TokenSpan], ranges: list[TokenRange], first: int, stop: int
) -> str:
    begin = 0 if first == 0 else spans[first][0]
    end = len(text) if stop >= len(spans) else spans[stop - 1][1]
    parts = [ELLIPSIS] if first > 0 else []
    cursor = begin
    for low, high in ranges:
        if low < first or high >= stop:
            continue
        start, finish = spans[low][0], spans[high][1]
        parts += [html.escape(text[cursor:start], quote=False), "<mark>"]
        parts += [html.escape(text[start:finish], quote=False), "</mark>"]
        cursor = finish
    parts.append(html.escape(text[cursor:end], quote=False))
    if stop < len(spans):
        parts.append(ELLIPSIS)
    return "".join(parts)
