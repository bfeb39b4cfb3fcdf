"""Offers that come back: from day 3 on, some offers removed the day before return.

On each day from `RELIST_FROM_DAY`, about a third of a site's offers removed on the step into
the day before come back under their own id, unchanged (a listing that reappears), and about
another third are re-posted by their vendor under a new id: the same title and text with a
one-word note that the offer is listed again, posted that day (a near-duplicate of the old
offer). Both count towards the day's additions, so a site keeps its size. Each site draws
from its own generator, apart from the day's other changes, so days 1 and 2 stay as they were.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from armswatch.demo.generate import posted_text
from armswatch.demo.model import DemoOffer, day_date
from armswatch.demo.vendors import SEED

RELIST_FROM_DAY = 3
RETURN_SHARE = 1 / 3
REPOST_SHARE = 1 / 3
RELISTED_NOTE = {  # one word: the re-post's text differs from the old one by one shingle
    "en": "Relisted.",
    "de": "Neueinstellung.",
    "es": "Republicado.",
    "fr": "Republié.",
    "ru": "Перевыставлено.",
}


@dataclass(frozen=True)
class Relisting:
    """What comes back to one site on one day."""

    returned: tuple[DemoOffer, ...] = ()  # the removed offers, unchanged
    reposted: tuple[DemoOffer, ...] = ()  # the removed offers to post again under new ids

    @property
    def size(self) -> int:
        return len(self.returned) + len(self.reposted)


def plan_relisting(site: str, gone: Sequence[DemoOffer], day: int, most: int) -> Relisting:
    """The offers of `site` among `gone` (removed the day before) that come back on `day`,
    at most `most` of them."""
    if day < RELIST_FROM_DAY:
        return Relisting()
    mine = sorted((offer for offer in gone if offer.site == site), key=lambda o: o.sort_key)
    rng = random.Random(f"{SEED}:day{day}:relist:{site}")
    chosen = rng.sample(mine, len(mine))
    returning = min(round(len(mine) * RETURN_SHARE), most)
    reposting = min(round(len(mine) * REPOST_SHARE), most - returning)
    return Relisting(
        returned=tuple(sorted(chosen[:returning], key=lambda o: o.sort_key)),
        reposted=tuple(sorted(chosen[returning : returning + reposting], key=lambda o: o.sort_key)),
    )


def reposted_offer(old: DemoOffer, new_id: str, day: int) -> DemoOffer:
    """`old` posted again by its vendor under `new_id` on `day`: the same title and text with
    a note that it is listed again."""
    rng = random.Random(f"{SEED}:day{day}:repost:{old.site}:{old.offer_id}")
    posted_on = day_date(day)
    note = RELISTED_NOTE[old.language]
    return replace(
        old,
        offer_id=new_id,
        description=f"{old.description} {note}",
        images=tuple(image.replace(old.offer_id, new_id) for image in old.images),
        posted=posted_text(old.site, old.language, posted_on, rng),
        posted_on=None if old.site == "market" else posted_on,
        first_day=day,
    )
