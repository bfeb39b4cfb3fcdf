"""The fast path of `shipping.find` (phrase texts found in one Aho-Corasick pass) gives what
the regex path gives: every phrase, in any case, spacing and context."""

from __future__ import annotations

import pytest

from crawlers.listing import Entity
from extractors.signals import shipping
from tests.extractors.signals import normalized

ALTERNATIVES = [
    *shipping.FROM_CUES,
    *shipping.TO_CUES,
    *shipping.WORLDWIDE_PHRASES,
    *(word for words in shipping.METHOD_WORDS.values() for word in words),
]
# samples for the alternatives the fast path matches as a regex (an open repeat)
REGEX_SAMPLES = [
    "курьером", "курьер", "vacuum - sealed", "vacuum-sealed", "скрытная упаковка",
    "разобранном", "разобранн", "закладки", "закладк", "клад", "кладом", "кладовка",
    "pick up", "pick-up", "pickup", "pick  up", "pick\nup",
]  # fmt: skip
CONTEXTS = [
    "{}", "{} Germany, EU and USA", "{}: DE/AT/CH", "x{} Germany", "{}s Germany", "{}_ DE",
    "foo {} la France.", "{}\nGermany", "{} 42 Germany", "{}' Italia", "({}) la Suisse",
]  # fmt: skip


def _texts() -> list[str]:
    samples = list(REGEX_SAMPLES)
    for alternative in ALTERNATIVES:
        samples += shipping._expansions(alternative) or []
    texts = []
    for sample in samples:
        for variant in (sample, sample.upper(), sample.title(), sample.replace(" ", "  ")):
            texts += [context.format(variant) for context in CONTEXTS]
    return texts


def _as_tuples(found: list[Entity]) -> list[tuple[str, int, int, str | None]]:
    return [(item.label, item.start, item.end, item.normalized) for item in found]


def test_every_regex_alternative_is_expanded_or_sampled() -> None:
    unexpanded = [alt for alt in ALTERNATIVES if shipping._expansions(alt) is None]
    assert len(unexpanded) == 7, unexpanded  # each has samples in REGEX_SAMPLES


def test_fast_path_equals_regex_path() -> None:
    texts = _texts()
    assert len(texts) > 5000
    for text in texts:
        fast = shipping.find(text, "t")
        slow = shipping._find_with_regexes(text, "t") if shipping.may_contain(text) else []
        assert _as_tuples(fast) == _as_tuples(slow), text


@pytest.mark.parametrize(
    ("text", "spaced"),
    [
        ("Ships from Germany", "ships from germany"),
        ("Ships\tfrom\nGermany", "ships from germany"),
        ("Ships from\u00a0Germany", "ships from germany"),
        ("ships  from Germany", None),  # a whitespace run: the regex path
        ("ships \nfrom Germany", None),
        ("\u017fhips from Germany", None),  # long s: folds onto "s" in `re` only
    ],
)
def test_spaced(text: str, spaced: str | None) -> None:
    assert shipping._spaced(text) == spaced


@pytest.mark.parametrize(
    ("text", "label", "codes"),
    [
        ("ships  from   Germany", "SHIPS_FROM", ["DE"]),
        ("Spedizione dall'Italia", "SHIPS_FROM", ["IT"]),
        ("spedizione dalla Italia", "SHIPS_FROM", ["IT"]),  # "da" fails the word end
        ("Versand in die Schweiz", "SHIPS_TO", ["CH"]),
        ("ships to:\tDE", "SHIPS_TO", ["DE"]),
        ("Ships from: 42 Germany", "SHIPS_FROM", ["DE"]),
        ("ships to " + "Germany, " * 13 + "Netherlands", "SHIPS_TO", ["DE"] * 13),  # window
        ("Stealth shipping via DHL", "SHIPPING_METHOD", ["stealth", "courier"]),
    ],
)
def test_cases_at_the_edges(text: str, label: str, codes: list[str]) -> None:
    assert normalized(text, shipping.find(text, "t"), label) == codes


def test_longest_method_form_wins() -> None:
    found = shipping.find("Stealth shipping via DHL", "t")
    assert [item.text for item in found] == ["Stealth shipping", "DHL"]
