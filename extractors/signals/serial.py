"""Serial-number status of a firearm or part (label SERIAL), in en, de, es, fr, ru, pt, it, nl.

Normalized values:

* `serial/removed` — the number is said to be removed, scratched, ground or filed off,
  obliterated ("Seriennummer abgeschliffen", "número de serie limado", "numéro de série effacé",
  "номер спилен", "número de série raspado", "matricola abrasa", "serienummer weggevijld");
  removal words only count within three words of a serial-number noun;
* `serial/none` — "no serial", "unserialized", "ohne Seriennummer", "sin número de serie",
  "sans numéro de série", "без номера", "sem número de série", "senza matricola",
  "zonder serienummer";
* `serial/untraceable` — "untraceable", "unregistered", "off paper", "clean, no papers",
  "nicht registriert", "sin registrar", "non déclarée", "незарегистрированный", "чистый",
  "sem registro", "non denunciata", "niet geregistreerd", and "ghost" only as "ghost gun/kit/…"
  (a firearm noun within three words), so "ghost" as a brand or word alone is rejected;
* `serial/present` — "serial number intact", "with serial", "mit Seriennummer", or a number
  given after a cue ("SN: ABC123", "S/N 12345"; the number must contain a digit).

When phrases overlap at one position the more specific status wins (removed, none,
untraceable, then present).
"""

from __future__ import annotations

import re

from crawlers.listing import Entity
from extractors.signals._base import (
    GATES,
    Triggered,
    alternation,
    entity,
    gate_holds,
    literal_prefix,
)

LABEL = "SERIAL"
NOUNS = [
    r"serial(?:\s*(?:numbers?|nos?\.?|#))?", r"serials", r"s/n", r"seriennummer[n]?",
    r"seriennr\.?", r"numeros?\s+de\s+serie", r"números?\s+de\s+serie",
    r"numéro\s+de\s+série", r"номер\w*", r"numero\s+de\s+série", r"número\s+de\s+série",
    r"matricol[ae]", r"serienummers?", r"numbers?",
]  # fmt: skip
CODE_NOUNS = [
    r"serial(?:\s*(?:numbers?|nos?\.?|#))?", r"s/n", r"sn", r"seriennummer", r"seriennr\.?",
    r"numero\s+de\s+s[ée]rie", r"número\s+de\s+s[ée]rie", r"numéro\s+de\s+s[ée]rie",
    r"серийный\s+номер",
    r"заводской\s+номер", r"matricola", r"serienummer",
]  # fmt: skip
REMOVED_WORDS = [
    r"removed", r"scratched", r"ground", r"grinded", r"filed", r"obliterated", r"defaced",
    r"erased", r"drilled", r"milled", r"entfernt\w*", r"abgeschliffen\w*",
    r"weggeschliffen\w*", r"herausgefeilt\w*", r"ausgefr[äa]st\w*", r"unkenntlich",
    r"borrad[oa]s?", r"limad[oa]s?", r"eliminad[oa]s?", r"raspad[oa]s?", r"quitad[oa]s?",
    r"effac[ée]e?s?", r"lim[ée]e?s?", r"supprim[ée]e?s?", r"meul[ée]e?s?", r"gratt[ée]e?s?",
    r"спил\w*", r"сбит\w*", r"перебит\w*", r"удал[её]н\w*", r"стерт\w*", r"стёрт\w*", r"сточен\w*",
    r"removid[oa]s?", r"apagad[oa]s?", r"abras[oa]", r"cancellat[oa]", r"limat[oa]",
    r"rimoss[oa]", r"verwijderd", r"weggevijld", r"weggeslepen", r"onleesbaar",
]  # fmt: skip
NONE_WORDS = [
    r"no", r"without", r"ohne", r"keine?", r"sin", r"sans", r"без", r"sem", r"senza",
    r"zonder", r"geen",
]  # fmt: skip
NONE_ALONE = [r"un-?serial(?:i[sz]ed)?", r"non-serial(?:i[sz]ed)?", r"serial-?less"]
UNTRACEABLE = [
    r"untraceable", r"unregistered", r"off[\s-]paper", r"clean,?\s+no\s+papers",
    r"no\s+paperwork",
    r"ghost(?:[\s-]+[\w-]+){0,2}?[\s-]+(?:guns?|pistols?|rifles?|kits?|lowers?|frames?|builds?)",
    r"nicht\s+registriert\w*", r"unregistriert\w*", r"nicht\s+r[üu]ckverfolgbar",
    r"sin\s+registrar", r"no\s+registrad[oa]", r"irrastreable", r"non\s+d[ée]clar[ée]e?s?",
    r"non\s+enregistr[ée]e?s?", r"intra[çc]able", r"незарегистрированн\w*",
    r"не\s+зарегистрирован\w*", r"чист(?:ый|ая|ое|ые|ую)", r"sem\s+registro",
    r"não\s+registrad[oa]", r"nao\s+registrad[oa]", r"non\s+denunciat[oa]", r"non\s+registrat[oa]",
    r"niet\s+geregistreerd", r"ongeregistreerd",
]  # fmt: skip
WITH_WORDS = [r"with", r"mit", r"con", r"avec", r"с", r"com", r"met"]
PRESENT_WORDS = (
    r"intact|visible|present|legible|intakt|vorhanden|lesbar|intacto|legible|visible"
    r"|intacte?|lisible|целый|на\s+месте|читаем\w*|intatt[oa]|leggibile|aanwezig|leesbaar"
)
_FILLER = r"(?:[\s,:\-]+[\w.']+){0,3}?[\s,:\-]+"
_CODE = r"(?=[A-Z0-9\-]*\d)[A-Z0-9][A-Z0-9\-]{2,19}"
NOUN, CODE_NOUN = alternation(NOUNS), alternation(CODE_NOUNS)
REMOVED = alternation(REMOVED_WORDS)
PATTERN = re.compile(
    rf"(?<!\w)(?:"
    rf"(?P<removed>(?:{NOUN}){_FILLER}(?:{REMOVED})(?:\s+off|\s+out)?"
    rf"|(?:{REMOVED})(?:\s+off|\s+out)?(?:[\s,]+[\w']+)?[\s,]+(?:{NOUN}))"
    rf"|(?P<none>(?:{alternation(NONE_WORDS)})[\s-]+(?:{NOUN})|{alternation(NONE_ALONE)})"
    rf"|(?P<untraceable>{alternation(UNTRACEABLE)})"
    rf"|(?P<present>(?:{alternation(WITH_WORDS)})\s+(?:{NOUN})"
    rf"|(?:{NOUN})\s+(?:is\s+|ist\s+)?(?:{PRESENT_WORDS})"
    rf"|(?:{CODE_NOUN})\s*(?:[:#№]|nr\.?|no\.?)?\s*(?-i:{_CODE}))"
    r")(?!\w)",
    re.IGNORECASE,
)
WORD_LISTS = (NOUNS, CODE_NOUNS, REMOVED_WORDS, NONE_WORDS, NONE_ALONE, UNTRACEABLE, WITH_WORDS)
TRIGGERED = Triggered(PATTERN, [literal_prefix(word) for words in WORD_LISTS for word in words])

# Gate (lowercased text): every match holds a serial-number noun or an untraceable phrase;
# tests/extractors/signals/test_prefilter.py checks that each word list is covered.
GATE_WORDS = (
    "seri|s/n|sn|numer|númer|numér|номер|matricol|number|traceable|paper|ghost|regist|регистр"
    "|verfolgbar|irrastreable|clar|intra|чист|denunciat"
).split("|")
GATE = GATES.gate(GATE_WORDS)


def may_contain(text: str) -> bool:
    """False only when the text cannot hold a SERIAL entity."""
    return gate_holds(text, GATE)


def find(text: str, field: str) -> list[Entity]:
    """SERIAL entities normalized `serial/<present|removed|none|untraceable>`."""
    if not gate_holds(text, GATE):
        return []
    return [
        entity(LABEL, text, *match.span(), field, f"serial/{match.lastgroup}")
        for match in TRIGGERED.finditer(text)
        if match.lastgroup
    ]
