"""Contact details in listing text: e-mail addresses and messenger handles.

`EMAIL` (normalized: the lowercased address) covers plain addresses, onion mail hosts
(`name@xyz….onion`) and common obfuscations: "name [at] domain [dot] com", "name(at)domain.com",
"name at protonmail dot com". A bare " at " is only accepted together with a written " dot ",
so ordinary sentences ("sold at shop.com") are rejected.

`MESSENGER` is normalized `<app>:<handle>`:

* `telegram:` — `t.me/handle`, or a handle after a Telegram word (telegram, tg, телеграм, тг,
  телега …): "telegram: handle", "пиши в тг @handle"; handles are lowercased (Telegram
  usernames are case-insensitive, 5–32 characters);
* `wickr:` — "wickr: handle", "wickr me: handle" (lowercased);
* `session:` — 66-hex Session IDs starting with 05 (lowercased);
* `xmpp:` — "jabber: user@host", "xmpp:user@host" (lowercased; such an address is not also an
  EMAIL);
* `signal:` — "signal: +49 …" (normalized `signal:+<digits>`) or a username such as "name.01";
* `threema:` — 8-character Threema IDs (uppercase letters and digits) after "threema";
* `whatsapp:` — `wa.me/<digits>` or a number after "whatsapp" → `whatsapp:+<digits>`;
* `unknown:` — an `@handle` after a contact cue word (contact, kontakt, contacto, contactez,
  contatto, contato, связь, пиши …) when no app is named.

Bare `@handle`s with no cue are rejected: they are ambiguous (forum mentions, vendor names).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from crawlers.listing import Entity
from extractors.signals._base import (
    GATES,
    Span,
    Triggered,
    alternation,
    entity,
    gate_holds,
    literal_prefix,
    overlaps_taken,
)

_LOCAL = r"[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}"
_DOMAIN = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62})(?:\.[A-Za-z0-9\-]{1,63})*\.[A-Za-z]{2,10}"
_ADDRESS = rf"{_LOCAL}@{_DOMAIN}"
_AT_BRACKET = r"\s*(?:\[\s*at\s*\]|\(\s*at\s*\)|\{\s*at\s*\}|<\s*at\s*>|\[@\]|\(@\))\s*"
_DOT_WORD = r"\s*(?:\[\s*dot\s*\]|\(\s*dot\s*\)|\{\s*dot\s*\}|<\s*dot\s*>)\s*|\s+dot\s+"
_LABEL_PART = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62})"

EMAIL = re.compile(rf"(?<![\w.+\-@]){_ADDRESS}(?![\w@])")
EMAIL_OBFUSCATED = re.compile(
    rf"(?<![\w.+\-])(?P<local>{_LOCAL})(?:{_AT_BRACKET}(?P<d1>{_LABEL_PART}(?:(?:\.|{_DOT_WORD})"
    rf"{_LABEL_PART})*?)(?:\.|{_DOT_WORD})|\s+at\s+(?P<d2>{_LABEL_PART}(?:(?:{_DOT_WORD})"
    rf"{_LABEL_PART})*?)(?:{_DOT_WORD}))(?P<tld>[A-Za-z]{{2,10}})(?![\w@])",
    re.IGNORECASE,
)
_GAP = r"[^\S\n]*[:=\-–—(]?[^\n@:.!?]{0,20}?"
_TG_WORDS = r"telegram+|tg|телеграм+\w*|телег[аеиу]|тг|телеграмм?е"
CONTACT_WORDS = [
    r"contact", r"contact\s+me", r"kontakt", r"kontaktiere\s+mich", r"contacto", r"contáctame",
    r"contactez(?:-moi)?", r"contatto", r"contattami", r"contato", r"contate", r"связь",
    r"пиши(?:те)?", r"пишите", r"writes?\s+me", r"message\s+me",
]  # fmt: skip
TELEGRAM_LINK = re.compile(r"(?<![\w.])(?:https?://)?(?:t|telegram)\.me/(?P<h>[A-Za-z0-9_]{5,32})")
TELEGRAM_CUED = re.compile(
    rf"(?<!\w)(?:{_TG_WORDS})(?:\s*[:=]\s*@?|{_GAP}@)(?P<h>[A-Za-z][A-Za-z0-9_]{{4,31}})(?!\w)",
    re.IGNORECASE,
)
WICKR = re.compile(
    r"(?<!\w)wickr(?:\s*me)?(?:\s*id)?\s*[:=\-]\s*@?(?P<h>[A-Za-z0-9][A-Za-z0-9_.\-]{2,31})",
    re.IGNORECASE,
)
SESSION = re.compile(r"(?<![0-9A-Za-z])(?P<h>05[0-9a-fA-F]{64})(?![0-9A-Za-z])")
XMPP = re.compile(
    rf"(?<!\w)(?:jabber|xmpp|jid)(?:\s*id)?\s*[:=\-]?\s*(?:xmpp:)?(?P<h>{_ADDRESS})(?![\w@])",
    re.IGNORECASE,
)
SIGNAL = re.compile(
    r"(?<!\w)signal(?:\s*(?:messenger|app|nr\.?|number|username))?\s*[:=\-]\s*"
    r"(?:(?P<phone>\+?\d[\d \-()]{6,18}\d)|(?P<h>[A-Za-z][A-Za-z0-9_]{2,31}\.\d{2,9}))(?!\w)",
    re.IGNORECASE,
)
THREEMA = re.compile(
    r"(?<!\w)(?i:threema)(?:\s*(?i:id))?\s*[:=\-]?\s*(?P<h>[A-Z0-9*][A-Z0-9]{7})(?![\w])"
)
WHATSAPP = re.compile(
    r"(?<![\w.])(?:(?:https?://)?wa\.me/(?P<link>\d{7,15})"
    r"|(?:whats\s?app|ватсап|вотсап|уатсап)\s*[:=\-]?\s*(?P<phone>\+?\d[\d \-()]{6,18}\d))(?!\w)",
    re.IGNORECASE,
)
CONTACT_HANDLE = re.compile(
    rf"(?<!\w)(?:{alternation(CONTACT_WORDS)}){_GAP}@(?P<h>[A-Za-z][A-Za-z0-9_]{{3,31}})(?![\w@.])",
    re.IGNORECASE,
)


def _digits(raw: str) -> str:
    return "+" + re.sub(r"\D", "", raw)


Normalizer = Callable[[re.Match[str]], str]
MESSENGERS: list[tuple[Triggered, Normalizer]] = [
    (
        Triggered(XMPP, ["jabber", "xmpp", "jid"]),
        lambda m: "xmpp:" + m.group("h").lower(),
    ),
    (Triggered(SESSION, ["05"]), lambda m: "session:" + m.group("h").lower()),
    (
        Triggered(TELEGRAM_LINK, ["t.me/", "telegram.me/", "http"]),
        lambda m: "telegram:" + m.group("h").lower(),
    ),
    (
        Triggered(TELEGRAM_CUED, ["telegra", "tg", "телег", "тг"]),
        lambda m: "telegram:" + m.group("h").lower(),
    ),
    (Triggered(WICKR, ["wickr"]), lambda m: "wickr:" + m.group("h").rstrip(".-").lower()),
    (
        Triggered(SIGNAL, ["signal"]),
        lambda m: (
            "signal:" + (_digits(m.group("phone")) if m.group("phone") else m.group("h").lower())
        ),
    ),
    (Triggered(THREEMA, ["threema"]), lambda m: "threema:" + m.group("h")),
    (
        Triggered(WHATSAPP, ["wa.me/", "http", "whats", "ватсап", "вотсап", "уатсап"]),
        lambda m: "whatsapp:" + _digits(m.group("link") or m.group("phone")),
    ),
    (
        Triggered(CONTACT_HANDLE, [literal_prefix(word) for word in CONTACT_WORDS]),
        lambda m: "unknown:" + m.group("h").lower(),
    ),
]
OBFUSCATED_AT = Triggered(
    EMAIL_OBFUSCATED, ["[at", "[ at", "(at", "( at", "{at", "<at", "[@", "(@", " at "], False
)
# Gate (lowercased text): e-mails, XMPP and cued handles need an "@"; every other pattern
# needs its app word, a link, a Session ID or an obfuscated "at"/"dot".
GATE_WORDS = (
    "@|.me/|telegra|tg|телег|тг|wickr|signal|threema|whats|ватсап|вотсап|уатсап|dot"
).split("|")
_SESSION_ID = re.compile(r"05[0-9a-f]{64}")
_BRACKET_AT = re.compile(r"[\[({<]\s*at")
GATE = GATES.gate(GATE_WORDS)
GATES.gate(["05"], lambda lower, start, end: _SESSION_ID.match(lower, start) is not None, GATE)
GATES.gate("[({<", lambda lower, start, end: _BRACKET_AT.match(lower, start) is not None, GATE)


def may_contain(text: str) -> bool:
    """False only when the text cannot hold an EMAIL or MESSENGER entity."""
    return gate_holds(text, GATE)


_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")


def find(text: str, field: str) -> list[Entity]:
    """EMAIL and MESSENGER entities; a span claimed by a messenger is not also an e-mail."""
    return find_unfiltered(text, field) if may_contain(text) else []


def find_unfiltered(text: str, field: str) -> list[Entity]:
    """`find` for a text that `may_contain` let through."""
    found: list[Entity] = []
    taken: list[Span] = []
    for triggered, normalize in MESSENGERS:
        for match in triggered.finditer(text):
            if not overlaps_taken(taken, *match.span()):
                found.append(entity("MESSENGER", text, *match.span(), field, normalize(match)))
    for match in _emails(text, EMAIL, _at_signs(text)):
        if not overlaps_taken(taken, *match.span()):
            found.append(entity("EMAIL", text, *match.span(), field, match.group().lower()))
    for match in _emails(text, EMAIL_OBFUSCATED, OBFUSCATED_AT.starts(text)):
        if not overlaps_taken(taken, *match.span()):
            found.append(entity("EMAIL", text, *match.span(), field, _deobfuscate(match)))
    return found


def _at_signs(text: str) -> Iterator[int]:
    position = text.find("@")
    while position >= 0:
        yield position
        position = text.find("@", position + 1)


def _emails(
    text: str, pattern: re.Pattern[str], separators: Iterable[int]
) -> Iterator[re.Match[str]]:
    """Matches of an e-mail pattern whose local part ends just before a separator ("@", "[at]")."""
    end = 0
    for separator in separators:
        start = separator
        while start > end and text[start - 1] in " \t":
            start -= 1
        while start > end and text[start - 1] in _LOCAL_CHARS:
            start -= 1
        while start < separator and text[start] in "._%+-":
            start += 1
        match = pattern.match(text, start) if text[start : start + 1].isalnum() else None
        if match:
            end = match.end()
            yield match


_DOT_SPLIT = re.compile(rf"\.|{_DOT_WORD}", re.IGNORECASE)


def _deobfuscate(match: re.Match[str]) -> str:
    domain = match.group("d1") or match.group("d2")
    labels = [part for part in _DOT_SPLIT.split(domain) if part]
    return f"{match.group('local')}@{'.'.join(labels)}.{match.group('tld')}".lower()
