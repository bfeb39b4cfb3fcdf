"""Prices far from what a model usually costs: per model and category (a Glock 19 and a
Glock 19 frame are priced apart), the robust z-score of each listing's USD price against the
median and the median absolute deviation (MAD) of the model's listings in the window.

z = 0.6745 * (price - median) / MAD; a listing is flagged when |z| >= `Z_LIMIT` (3.5, after
Iglewicz and Hoaglin) and the model has at least `MIN_SAMPLE` priced listings. A model whose
prices do not vary (MAD 0) is skipped: any difference would be infinitely far.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from statistics import median

from crawlers.listing import Listing
from intel.patterns.model import (
    ARMS_CATEGORIES,
    Finding,
    ReportInput,
    category_of,
    normalized_entities,
)

NAME = "price_anomalies"
MIN_SAMPLE = 5
Z_LIMIT = 3.5
_MAD_SCALE = 0.6745


@dataclass(frozen=True, kw_only=True)
class PriceAnomalyFinding(Finding):
    model: str
    category: str
    price_usd: float
    median_usd: float
    mad_usd: float
    robust_z: float
    sample_size: int


def price_anomalies(data: ReportInput) -> list[Finding]:
    """Listings priced far above or below the median of their model (robust z-score)."""
    groups: dict[tuple[str, str], list[tuple[Listing, float]]] = defaultdict(list)
    for listing in data.listings:
        price = listing.price.amount_usd if listing.price else None
        category = category_of(listing)
        if price is None or category not in ARMS_CATEGORIES:
            continue
        if not data.window.overlaps(listing):
            continue
        for model in normalized_entities(listing, "MODEL"):
            groups[(model, category)].append((listing, price))
    findings: list[Finding] = []
    for (model, category), priced in sorted(groups.items()):
        findings.extend(_outliers(model, category, priced))
    return findings


def _outliers(model: str, category: str, priced: list[tuple[Listing, float]]) -> list[Finding]:
    if len(priced) < MIN_SAMPLE:
        return []
    middle = median(price for _, price in priced)
    mad = median(abs(price - middle) for _, price in priced)
    if mad == 0:
        return []
    found: list[Finding] = []
    for listing, price in sorted(priced, key=lambda pair: (pair[1], pair[0].id)):
        z = _MAD_SCALE * (price - middle) / mad
        if abs(z) >= Z_LIMIT:
            found.append(_finding(listing, model, category, price, middle, mad, z, len(priced)))
    return found


def _finding(
    listing: Listing,
    model: str,
    category: str,
    price: float,
    middle: float,
    mad: float,
    z: float,
    size: int,
) -> PriceAnomalyFinding:
    side = "below" if z < 0 else "above"
    return PriceAnomalyFinding(
        report=NAME,
        subject=f"{model} ({category})",
        explanation=(
            f"USD {price:,.0f} is far {side} the median USD {middle:,.0f} of {size} {model} "
            f"listings ({category}); robust z {z:+.1f}, limit ±{Z_LIMIT}"
        ),
        listing_ids=(listing.id,),
        model=model,
        category=category,
        price_usd=round(price, 2),
        median_usd=round(middle, 2),
        mad_usd=round(mad, 2),
        robust_z=round(z, 2),
        sample_size=size,
    )
