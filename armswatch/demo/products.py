"""The synthetic products the demo sites offer, with their ground truth.

A product is a name (as sellers write it), the product group it belongs to (each site maps
groups to its own category labels), its true category in the armswatch taxonomy, and a USD
price range. The list itself is data: `products.yaml` beside this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PRODUCTS_FILE = Path(__file__).with_name("products.yaml")
FIREARM_CATEGORIES = (
    "firearm",
    "essential_component",
    "accessory",
    "conversion_device",
    "ammunition",
    "3d_printed",
    "manual",
)
TRUTH_CATEGORIES = (*FIREARM_CATEGORIES, "other_weapon", "none")

# product group -> text family (which description templates fit it)
GROUP_FAMILY = {
    "pistols": "arms", "rifles": "arms", "components": "arms", "conversion": "arms",
    "ammo": "arms", "accessories": "arms", "manuals": "arms", "printing": "arms",
    "defense": "defense", "replicas": "replica",
    "cannabis": "drugs", "stimulants": "drugs", "ecstasy": "drugs", "pills": "drugs",
    "cards": "fraud", "fullz": "fraud", "documents": "fraud",
    "accounts": "digital", "software": "digital", "ebooks": "digital", "periodicals": "digital",
    "bikes": "goods", "electronics": "goods", "furniture": "goods", "books": "goods",
    "outdoor": "goods", "tools": "goods",
}  # fmt: skip


@dataclass(frozen=True)
class Product:
    key: str
    group: str
    truth: str
    kind: str  # key of KINDS: the noun for this product in each language
    usd: tuple[int, int]
    names: tuple[str, ...]
    confounder: bool = False
    obfuscated: bool = False
    with_kind: bool = False  # titles read "<kind> <name>" (generic goods)

    @property
    def firearm_related(self) -> bool:
        return self.truth in FIREARM_CATEGORIES

    @property
    def family(self) -> str:
        return GROUP_FAMILY[self.group]


@cache
def _document() -> dict[str, Any]:
    loaded = yaml.safe_load(PRODUCTS_FILE.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise ValueError(f"{PRODUCTS_FILE} must hold a mapping")
    return loaded


def _product(entry: dict[str, Any]) -> Product:
    flags = set(entry.get("flags", ()))
    product = Product(
        key=entry["key"],
        group=entry["group"],
        truth=entry["truth"],
        kind=entry["kind"],
        usd=(int(entry["usd"][0]), int(entry["usd"][1])),
        names=tuple(entry["names"]),
        confounder="confounder" in flags,
        obfuscated="obfuscated" in flags,
        with_kind="kind" in flags,
    )
    if product.group not in GROUP_FAMILY or product.truth not in TRUTH_CATEGORIES:
        raise ValueError(f"{PRODUCTS_FILE}: bad group or truth in {entry}")
    return product


PRODUCTS: tuple[Product, ...] = tuple(_product(entry) for entry in _document()["products"])
PRODUCTS_BY_GROUP: dict[str, tuple[Product, ...]] = {
    group: tuple(product for product in PRODUCTS if product.group == group)
    for group in GROUP_FAMILY
}
KINDS: dict[str, tuple[str, ...]] = {
    kind: tuple(nouns) for kind, nouns in _document()["kinds"].items()
}
