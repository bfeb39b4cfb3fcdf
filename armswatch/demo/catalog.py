"""The catalog of demo offers on each day, built deterministically from a seed.

Day 1 is the baseline: 900 market offers, 300 forum threads and 400 classified ads. Each
following day removes about 3% of every site's offers, adds about 3% new ones (new ids) and
changes the price of about 5% (same id); day N applies N-1 such steps. From day 3 on, part of
the additions are offers removed the day before that come back: about a third under their own
id (a listing that reappears), about another third re-posted by the same vendor under a new id
with nearly the same text (`armswatch.demo.relisting`).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import timedelta

from armswatch.demo.generate import new_offer
from armswatch.demo.model import DAY_ONE, SITE_NAMES, SITES, DemoOffer, day_date
from armswatch.demo.pricing import DemoPrice, reprice
from armswatch.demo.relisting import plan_relisting, reposted_offer
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
    "sized_offers",
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
    # removed offers back under their own id (not in `added`)
    returned: frozenset[tuple[str, str]] = frozenset()
    # (new key, old key): removed offers re-posted under a new id (the new keys are in `added`)
    reposted: frozenset[tuple[tuple[str, str], tuple[str, str]]] = frozenset()


@dataclass(frozen=True)
class _State:
    offers: tuple[DemoOffer, ...]
    next_ids: tuple[tuple[str, int], ...]
    changes: DayChanges
    by_key: dict[tuple[str, str], DemoOffer]
    gone: tuple[DemoOffer, ...] = ()  # the offers removed on the step into this day


def _state_of(
    offers: Iterable[DemoOffer],
    next_ids: dict[str, int],
    changes: DayChanges,
    gone: Iterable[DemoOffer] = (),
) -> _State:
    ordered = tuple(sorted(offers, key=lambda offer: offer.sort_key))
    return _State(
        offers=ordered,
        next_ids=tuple(sorted(next_ids.items())),
        changes=changes,
        by_key={offer.key: offer for offer in ordered},
        gone=tuple(sorted(gone, key=lambda offer: offer.sort_key)),
    )


def _first_offers(site: str, count: int) -> list[DemoOffer]:
    """The first `count` day-one offers of `site`; a larger count only appends offers."""
    rng = random.Random(f"{SEED}:day1:{site}")
    offers = []
    for position in range(count):
        posted_on = DAY_ONE - timedelta(days=rng.randint(0, MAX_POSTED_AGE_DAYS))
        offers.append(new_offer(site, str(FIRST_IDS[site] + position), posted_on, 1, rng))
    return offers


def _day_one() -> _State:
    offers = [offer for site in SITES for offer in _first_offers(site, SITE_SIZES[site])]
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


_Key = tuple[str, str]


@dataclass
class _Step:
    """The changes of one day, gathered site by site."""

    offers: list[DemoOffer] = field(default_factory=list)
    gone: list[DemoOffer] = field(default_factory=list)
    added: set[_Key] = field(default_factory=set)
    repriced: set[_Key] = field(default_factory=set)
    returned: set[_Key] = field(default_factory=set)
    reposted: set[tuple[_Key, _Key]] = field(default_factory=set)

    def changes(self) -> DayChanges:
        return DayChanges(
            removed=frozenset(offer.key for offer in self.gone),
            added=frozenset(self.added),
            repriced=frozenset(self.repriced),
            returned=frozenset(self.returned),
            reposted=frozenset(self.reposted),
        )


def _evolve(previous: _State, day: int) -> _State:
    rng = random.Random(f"{SEED}:day{day}")
    next_ids = dict(previous.next_ids)
    step = _Step()
    for site in SITES:
        _evolve_site(step, previous, site, day, rng, next_ids)
    return _state_of(step.offers, next_ids, step.changes(), step.gone)


def _evolve_site(
    step: _Step,
    previous: _State,
    site: str,
    day: int,
    rng: random.Random,
    next_ids: dict[str, int],
) -> None:
    current = [offer for offer in previous.offers if offer.site == site]
    additions = max(1, round(len(current) * ADD_SHARE))
    back = plan_relisting(site, previous.gone, day, additions)  # its own generator
    gone = set(rng.sample(current, max(1, round(len(current) * REMOVE_SHARE))))
    survivors = [offer for offer in current if offer not in gone]
    changed = set(rng.sample(survivors, max(1, round(len(current) * REPRICE_SHARE))))
    step.offers.extend(_repriced(o, rng) if o in changed else o for o in survivors)
    for _ in range(additions - back.size):
        offer = new_offer(site, str(next_ids[site]), day_date(day), day, rng)
        next_ids[site] += 1
        step.offers.append(offer)
        step.added.add(offer.key)
    step.offers.extend(back.returned)
    step.returned.update(offer.key for offer in back.returned)
    for old in back.reposted:
        offer = reposted_offer(old, str(next_ids[site]), day)
        next_ids[site] += 1
        step.offers.append(offer)
        step.added.add(offer.key)
        step.reposted.add((offer.key, old.key))
    step.gone.extend(gone)
    step.repriced.update(offer.key for offer in changed)


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


def sized_offers(site: str, count: int) -> list[DemoOffer]:
    """Day one of `site` with `count` offers instead of its usual number (for benchmarks).

    Deterministic; never cached. The first offers are those of the default day one (the same
    ids and texts), the rest follow in the same way, with ids counting on."""
    if site not in SITES:
        raise KeyError(f"no demo site called {site!r}")
    if count < 1:
        raise ValueError(f"a site needs at least one offer, not {count}")
    return _first_offers(site, count)


def build_catalog(day: int = 1) -> list[DemoOffer]:
    """The catalog of `day` built afresh, bypassing the cache (for determinism checks)."""
    if day < 1:
        raise ValueError(f"days start at 1, not {day}")
    state = _day_one()
    for step in range(2, day + 1):
        state = _evolve(state, step)
    return list(state.offers)
