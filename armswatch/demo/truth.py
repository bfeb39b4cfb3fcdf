"""Ground truth for searches an analyst runs first on the demo data.

Text matching mimics a full-text index: case-insensitive, on word tokens, a phrase being
consecutive tokens (so 'GL0CK' and 'G.lock' do not match `glock`, as in a real index).
"""

from __future__ import annotations

import re

from armswatch.demo.catalog import DemoOffer, catalog

_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.casefold())


def mentions(offer: DemoOffer, phrase: str) -> bool:
    """Whether the title or description holds `phrase` as consecutive word tokens."""
    wanted = tokens(phrase)
    for text in (offer.title, offer.description):
        found = tokens(text)
        for start in range(len(found) - len(wanted) + 1):
            if found[start : start + len(wanted)] == wanted:
                return True
    return False


def expected_search(
    day: int = 1,
    *,
    phrase: str | None = None,
    ships_to: str | None = None,
    category: str | None = None,
    site: str | None = None,
) -> list[DemoOffer]:
    """Offers online on `day` matching every given condition (category is the ground truth)."""
    return [
        offer
        for offer in catalog(day)
        if (phrase is None or mentions(offer, phrase))
        and (ships_to is None or ships_to in offer.ships_to_codes)
        and (category is None or offer.truth_category == category)
        and (site is None or offer.site == site)
    ]


def first_searches(day: int = 1) -> dict[str, list[DemoOffer]]:
    """What `armswatch demo` suggests searching first, with the offers each should find."""
    return {
        "glock AND ships_to:DE": expected_search(day, phrase="glock", ships_to="DE"),
        '"lower receiver"': expected_search(day, phrase="lower receiver"),
        "category:conversion_device": expected_search(day, category="conversion_device"),
    }
