"""The catalog of demo offers on each day, built deterministically from a seed.

Day 1 is the baseline: 900 market offers, 300 forum threads and 400 classified ads. Each
following day removes about 3% of every site's offers, adds about 3% new ones (new ids) and
changes the price of about 5% (same id); day N applies N-1 such steps.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import timedelta

from armswatch.demo.generate import new_offer
from armswatch.demo.model import DAY_ONE, SITE_NAMES, SITES, DemoOffer, day_date
from armswatch.demo.pricing import DemoPrice, reprice
from armswatch.demo.vendors import SEED, DemoVendor, vendor_by_handle, vendors

__all__ = [
    "DAY_ONE",
    "SITES",
    "SITE_NAMES",
    "DayChanges",
    "DemoOffer",
    "DemoVendor",
    "build_catalog",
    "catalog",
    "changes",
    "day_date",
    "expected_listing",
    "offers_by_site",
    "vendor_by_handle",
    "vendors",
]

SITE_SIZES = {"market": 900, "forum": 300, "classifieds": 400}
FIRST_IDS = {"market": 210001, "forum": 48001, "classifieds": 2803100001}
REMOVE_SHARE = 0.03
ADD_SHARE = 0.03
REPRICE_SHARE = 0.05
MAX_POSTED_AGE_DAYS = 75


@dataclass(frozen=True)
class DayChanges:
    """What happened on the step into a day (empty for day 1)."""

    removed: frozenset[tuple[str, str]] = frozenset()  # (site, offer_id)
    added: frozenset[tuple[str, str]] = frozenset()
    repriced: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class _State:
    offers: tuple[DemoOffer, ...]
    next_ids: tuple[tuple[str, int], ...]
    changes: DayChanges
    by_key: dict[tuple[str, str], DemoOffer]


def _state_of(offers: Iterable[DemoOffer], next_ids: dict[str, int], changes: DayChanges) -> _State:
    ordered = tuple(sorted(offers, key=lambda offer: offer.sort_key))
    return _State(
        offers=ordered,
        next_ids=tuple(sorted(next_ids.items())),
        changes=changes,
        by_key={offer.key: offer for offer in ordered},
    )


def _day_one() -> _State:
    offers: list[DemoOffer] = []
    for site in SITES:
        rng = random.Random(f"{SEED}:day1:{site}")
        for position in range(SITE_SIZES[site]):
            posted_on = DAY_ONE - timedelta(days=rng.randint(0, MAX_POSTED_AGE_DAYS))
            offers.append(new_offer(site, str(FIRST_IDS[site] + position), posted_on, 1, rng))
    next_ids = {site: FIRST_IDS[site] + SITE_SIZES[site] for site in SITES}
    return _state_of(offers, next_ids, DayChanges())


def _repriced(offer: DemoOffer, rng: random.Random) -> DemoOffer:
    factor = rng.choice((rng.uniform(0.8, 0.93), rng.uniform(1.07, 1.25)))
    old = DemoPrice(offer.price_amount, offer.currency, offer.price_usd, offer.price_text)
    new = reprice(offer.site, old, factor, offer.language, int(offer.offer_id))
    head, found, tail = offer.description.rpartition(old.text)
    description = head + new.text + tail if found else offer.description
    return replace(
        offer,
        price_amount=new.amount,
        price_usd=new.usd,
        price_text=new.text,
        description=description,
    )


def _evolve(previous: _State, day: int) -> _State:
    rng = random.Random(f"{SEED}:day{day}")
    next_ids = dict(previous.next_ids)
    offers: list[DemoOffer] = []
    removed: set[tuple[str, str]] = set()
    added: set[tuple[str, str]] = set()
    repriced: set[tuple[str, str]] = set()
    for site in SITES:
        current = [offer for offer in previous.offers if offer.site == site]
        gone = set(rng.sample(current, max(1, round(len(current) * REMOVE_SHARE))))
        survivors = [offer for offer in current if offer not in gone]
        changed = set(rng.sample(survivors, max(1, round(len(current) * REPRICE_SHARE))))
        offers.extend(_repriced(o, rng) if o in changed else o for o in survivors)
        for _ in range(max(1, round(len(current) * ADD_SHARE))):
            offer = new_offer(site, str(next_ids[site]), day_date(day), day, rng)
            next_ids[site] += 1
            offers.append(offer)
            added.add(offer.key)
        removed.update(offer.key for offer in gone)
        repriced.update(offer.key for offer in changed)
    changes = DayChanges(frozenset(removed), frozenset(added), frozenset(repriced))
    return _state_of(offers, next_ids, changes)


_STATES: dict[int, _State] = {}
_LOCK = threading.Lock()


def _state(day: int) -> _State:
    if day < 1:
        raise ValueError(f"days start at 1, not {day}")
    with _LOCK:
        if day in _STATES:
            return _STATES[day]
        known = max((d for d in _STATES if d <= day), default=0)
        state = _STATES[known] if known else _day_one()
        _STATES.setdefault(1, state)
        for step in range(max(known, 1) + 1, day + 1):
            state = _evolve(state, step)
            _STATES[step] = state
        return state


def catalog(day: int = 1) -> list[DemoOffer]:
    """Every offer online on `day`, ordered by site and id."""
    return list(_state(day).offers)


def offers_by_site(day: int = 1) -> dict[str, list[DemoOffer]]:
    grouped: dict[str, list[DemoOffer]] = {site: [] for site in SITES}
    for offer in _state(day).offers:
        grouped[offer.site].append(offer)
    return grouped


def expected_listing(site: str, offer_id: str, day: int = 1) -> DemoOffer | None:
    """The offer a detail page shows on `day`, or None when it is not online (404)."""
    return _state(day).by_key.get((site, offer_id))


def changes(day: int) -> DayChanges:
    """The offers removed, added and repriced on the step from `day - 1` to `day`."""
    return _state(day).changes


def build_catalog(day: int = 1) -> list[DemoOffer]:
    """The catalog of `day` built afresh, bypassing the cache (for determinism checks)."""
    if day < 1:
        raise ValueError(f"days start at 1, not {day}")
    state = _day_one()
    for step in range(2, day + 1):
        state = _evolve(state, step)
    return list(state.offers)
