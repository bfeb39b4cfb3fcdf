"""Each demo site's own category labels, and which product groups they hold."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    label: str
    slug: str
    groups: tuple[str, ...] = ()
    children: tuple[Category, ...] = ()


def _c(label: str, slug: str, *groups: str) -> Category:
    return Category(label=label, slug=slug, groups=groups)


MARKET_TREE: tuple[Category, ...] = (
    Category("Weapons", "weapons", children=(
        _c("Handguns", "handguns", "pistols"),
        _c("Rifles & SMGs", "rifles", "rifles"),
        _c("Parts & Components", "parts", "components"),
        _c("Conversion & Auto", "conversion", "conversion"),
        _c("Ammunition", "ammunition", "ammo"),
        _c("Accessories", "accessories", "accessories"),
        _c("3D Printing", "3d-printing", "printing"),
        _c("Knives & Defense", "defense", "defense"),
        _c("Airsoft & Replicas", "replicas", "replicas"),
    )),
    Category("Drugs", "drugs", children=(
        _c("Cannabis", "cannabis", "cannabis"),
        _c("Stimulants", "stimulants", "stimulants"),
        _c("Ecstasy", "ecstasy", "ecstasy"),
        _c("Prescription", "prescription", "pills"),
    )),
    Category("Fraud", "fraud", children=(
        _c("Cards & CVV", "cards", "cards"),
        _c("Fullz", "fullz", "fullz"),
        _c("Documents & IDs", "documents", "documents"),
    )),
    Category("Digital Goods", "digital", children=(
        _c("Accounts", "accounts", "accounts"),
        _c("Software", "software", "software"),
        _c("E-Books", "ebooks", "ebooks", "periodicals"),
        _c("Guides & Manuals", "guides", "manuals"),
    )),
)  # fmt: skip

FORUM_TREE: tuple[Category, ...] = (
    Category("Trading Post", "trading-post", children=(
        _c("Handguns [WTS]", "handguns", "pistols"),
        _c("Long Guns [WTS]", "long-guns", "rifles"),
        _c("Parts & Builds", "parts", "components"),
        _c("Full-Auto Corner", "full-auto", "conversion"),
        _c("Ammo Exchange", "ammo", "ammo"),
        _c("Gear & Optics", "gear", "accessories"),
        _c("Print Shop", "print-shop", "printing"),
        _c("Library", "library", "manuals", "ebooks", "periodicals"),
    )),
    Category("Other Weapons", "other-weapons", children=(
        _c("Blades & Defense", "blades", "defense"),
        _c("Airsoft & Blanks", "airsoft", "replicas"),
    )),
    Category("Off-Topic Market", "off-topic", children=(
        _c("Greenhouse", "greenhouse", "cannabis"),
        _c("Pharmacy", "pharmacy", "stimulants", "ecstasy", "pills"),
        _c("Paper & Plastic", "paper", "cards", "fullz", "documents"),
        _c("Digital", "digital", "accounts", "software"),
    )),
)  # fmt: skip

CLASSIFIEDS_TREE: tuple[Category, ...] = (
    Category("Sport & Freizeit", "sport", children=(
        _c("Jagd & Schießsport", "jagd", "pistols", "rifles", "ammo", "accessories"),
        _c("Airsoft & Paintball", "airsoft", "replicas"),
        _c("Outdoor & Selbstschutz", "selbstschutz", "defense"),
        _c("Camping & Outdoor", "camping", "outdoor"),
    )),
    Category("Sammeln & Seltenes", "sammeln", children=(
        _c("Militaria", "militaria", "components"),
    )),
    Category("Heimwerken", "heimwerken", children=(
        _c("Werkzeug & Zubehör", "werkzeug", "conversion", "tools"),
    )),
    Category("Bücher & Zeitschriften", "buecher", children=(
        _c("Sachbücher", "sachbuecher", "manuals"),
        _c("Zeitschriften", "zeitschriften", "periodicals"),
        _c("Romane & Kochbücher", "romane", "books"),
    )),
    Category("Elektronik", "elektronik", children=(
        _c("Handys & Computer", "handys", "electronics"),
        _c("3D-Druck", "3d-druck", "printing"),
    )),
    Category("Fahrräder", "fahrraeder", children=(_c("Fahrräder & Zubehör", "raeder", "bikes"),)),
    Category("Haus & Garten", "haus", children=(_c("Möbel", "moebel", "furniture"),)),
)  # fmt: skip

TREES = {"market": MARKET_TREE, "forum": FORUM_TREE, "classifieds": CLASSIFIEDS_TREE}


def category_path(site: str, group: str) -> tuple[Category, Category]:
    """(parent, child) category of a product group on a site."""
    for parent in TREES[site]:
        for child in parent.children:
            if group in child.groups:
                return parent, child
    raise KeyError(f"no category for group {group!r} on {site}")


def all_categories(site: str) -> list[Category]:
    """Every category of a site, parents before their children."""
    found: list[Category] = []
    for parent in TREES[site]:
        found.append(parent)
        found.extend(parent.children)
    return found
