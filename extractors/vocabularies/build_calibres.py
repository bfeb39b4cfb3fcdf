"""One-off generator for `calibres.yaml` (run by hand; nothing at runtime imports this).

    .venv/bin/python extractors/vocabularies/build_calibres.py [/work/shared/data]

Sources (both MIT, notices in LICENSES.md): fbastin/calibers (`fbastin_calibers_cip_aliases.csv`)
and ammolytics/cartridges (`ammolytics_cartridges_saami_cip.csv`). On top of them, HAND lists the
written forms that markets use. Rules applied to every alias:

- separator variants are generated: `7.62x39` -> `7.62×39`, `7.62 x 39`, `7,62x39`, `7.62х39`
  (Cyrillic), and dotted/undotted forms of inch calibres that carry a word (`.45 ACP`/`45 ACP`);
- bare numbers (`45`, `308`, `215`) are never aliases; `.308` style is only added by hand;
- an alias that two calibres would share is dropped from both and reported on stderr.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = Path("/work/shared/data")

# (canonical name, type, hand aliases). Canonical names use ASCII "x".
# fmt: off
HAND: list[tuple[str, str, list[str]]] = [
    ("9x19mm Parabellum", "pistol", ["9mm", "9 mm", "9x19", "9x19mm", "9mm Luger", "9 mm Luger",
        "9mm Para", "9mm Parabellum", "9 mm Parabellum", "9mm NATO", "9 мм", "9мм", "9x19 Para",
        "9mm Luger +P", "9 Luger", "9 Para", "9mm Luger/Parabellum", "9x19 Parabellum",
        "9mm Luger (9x19)", "9 milímetros", "9 millimetri"]),
    (".45 ACP", "pistol", [".45", "45 acp", ".45 auto", "45 auto", "45 Automatic", ".45 ACP +P",
        "45 Automatic +P", ".45acp", "45acp", ".45 cal", "45 cal", "45 ACP (Auto)",
        "45 Auto / .45 ACP", "11.43x23", "11,43 mm"]),
    (".380 ACP", "pistol", [".380", "380 acp", ".380 auto", "380 auto", "380 Automatic",
        "9mm kurz", "9 mm kurz", "9mm short", "9x17", "9mm Browning court", "9mm Browning",
        "9 mm Browning court", "9mm corto", "9mm court", "9 мм К", ".380acp", "380acp"]),
    (".40 S&W", "pistol", [".40", "40 S&W", ".40 cal", "40 cal", ".40SW", "40SW", ".40 S&W",
        "40 Smith & Wesson", ".40 Smith & Wesson", "10x22", ".40sw"]),
    ("10mm Auto", "pistol", ["10mm", "10 mm", "10mm auto", "10 mm Auto", "10mm Automatic"]),
    (".357 Magnum", "revolver", [".357", "357 mag", ".357 mag", "357 magnum", ".357mag",
        "357mag", "9x33R"]),
    (".38 Special", "revolver", [".38", ".38 spl", "38 spl", ".38 special", "38 special",
        "38 Special +P", ".38 S&W Special", "38 Smith & Wesson Special", ".38spl", "38spl"]),
    (".45 GAP", "pistol", ["45 GAP", "45 Glock Automatic Pistol", "45 Glock Auto Pistol"]),
    (".357 SIG", "pistol", ["357 sig", ".357sig"]),
    (".38 Super", "pistol", ["38 Super", "38 Super Auto", "38 Super Automatic"]),
    (".44 Magnum", "revolver", [".44 mag", "44 mag", "44 magnum", ".44 Remington Magnum",
        "44 Remington Magnum", "44 Rem. Mag.", ".44"]),
    (".45 Colt", "revolver", ["45 Colt", "45 long colt", ".45 LC", "45 LC"]),
    (".22 LR", "rimfire", [".22", ".22lr", "22lr", "22 LR", ".22 LR", "22 Long Rifle",
        ".22 Long Rifle", ".22 l.r.", "22 l.r.", "22 lfb", ".22 lfb", "5.6mm lfB", "5,6 mm lfb",
        ".22 cal", "22 cal", "kal. 22lr", ".22 long"]),
    (".22 WMR", "rimfire", ["22 WMR", ".22 Magnum", "22 mag", ".22 mag",
        ".22 Winchester Magnum Rimfire", "22 Winchester Magnum"]),
    (".17 HMR", "rimfire", ["17 HMR", ".17 Hornady Magnum Rimfire", "17 Hornady Magnum Rimfire"]),
    (".25 ACP", "pistol", ["25 acp", ".25 auto", "25 auto", "6.35mm", "6,35 mm",
        "6.35 Browning", "25 Automatic"]),
    (".32 ACP", "pistol", ["32 acp", ".32 auto", "32 auto", "7.65mm", "7,65 mm",
        "7.65 Browning", "7.65mm Browning", "7,65Br", "7.65 Br", "32 Automatic", "7.65x17"]),
    ("7.65x21mm Parabellum", "pistol", ["7.65 Parabellum", "7.65 Luger", ".30 Luger",
        "30 Luger (7.65mm)"]),
    ("9x18mm Makarov", "pistol", ["9x18", "9x18 Makarov", "9x18mm", "9mm Makarov",
        "9 mm Makarov", "9х18 ПМ", "9 мм ПМ", "9x18 PM", "9 x 18"]),
    ("7.62x25mm Tokarev", "pistol", ["7.62x25", "7.62x25 Tokarev", "7.62 Tokarev",
        "7.62 x 25 Tokarev", "7,62 ТТ", "7.62 TT", "7.62x25 TT", ".30 Tokarev"]),
    ("7.62x38mmR Nagant", "revolver", ["7.62 Nagant", "7.62x38R", "7.62x38", "7,62 Наган"]),
    ("9x21mm IMI", "pistol", ["9x21", "9x21mm", "9 x 21"]),
    ("5.7x28mm", "pistol", ["5.7x28", "5.7x28mm", "5.7 x 28", "5.7mm FN", "5.7 FN", "5.7×28mm"]),
    ("4.6x30mm", "pistol", ["4.6x30", "4.6x30mm HK", "4.6mm HK", "4.6 x 30"]),
    ("5.45x18mm", "pistol", ["5.45x18", "5.45 x 18"]),
    (".50 AE", "pistol", ["50 AE", ".50 Action Express", "50 Action Express"]),
    (".500 S&W Magnum", "revolver", ["500 S&W", ".500 S&W", "500 S&W Magnum",
        "500 Smith & Wesson Magnum"]),
    (".454 Casull", "revolver", ["454 Casull"]),
    (".32 S&W Long", "revolver", ["32 S&W Long", ".32 Smith & Wesson Long",
        "32 Smith & Wesson Long"]),
    ("7.62x39mm", "rifle", ["7.62x39", "7.62x39mm", "7,62x39", "7.62 x 39", "7.62×39",
        "7.62х39", "7,62х39", "7.62x39 M43", "7,62 х 39", ".30 Soviet"]),
    ("5.56x45mm NATO", "rifle", ["5.56", "5.56 NATO", "5.56x45", "5.56x45mm", "5,56", "5,56x45",
        "5.56mm", "5,56 mm", "5.56 mm NATO", "5,56 NATO", "5.56×45", "5.56 х 45", "SS109",
        "M855", "M193", "5.56/.223", ".223/5.56", "223/5.56"]),
    (".223 Remington", "rifle", [".223", "223 rem", ".223 rem", "223 Remington", ".223 Rem.",
        "223 Rem.", ".223 Wylde", "223 Wylde"]),
    ("5.45x39mm", "rifle", ["5.45x39", "5.45x39mm", "5,45x39", "5.45 x 39", "5,45 мм",
        "5.45х39", "5,45х39", "5.45 Soviet", "5.45"]),
    ("7.62x51mm NATO", "rifle", ["7.62x51", "7.62x51mm", "7,62x51", "7.62 NATO", "7.62 x 51",
        "7.62х51", "7,62 NATO"]),
    (".308 Winchester", "rifle", [".308", ".308 win", "308 win", "308 Winchester", ".308 Win.",
        "308 Win.", ".308win", "308win"]),
    ("7.62x54mmR", "rifle", ["7.62x54R", "7.62x54", "7,62x54R", "7.62x54mmR", "7,62х54R",
        "7.62x54r", "7.62 x 54 R", "7,62x54", "7.62х54", "7,62х54", "7,62х54R"]),
    ("7.62mm (unspecified)", "rifle", ["7,62 мм", "7.62 мм", "7.62mm", "7,62mm", "7.62 mm",
        "7,62 mm"]),
    ("9x39mm", "rifle", ["9x39", "9х39", "9 x 39"]),
    ("12.7x108mm", "rifle", ["12.7x108", "12,7x108", "12.7 x 108", "12,7х108"]),
    ("14.5x114mm", "rifle", ["14.5x114", "14,5x114", "14,5х114"]),
    (".50 BMG", "rifle", [".50 BMG", "50 BMG", ".50 cal BMG", "12.7x99", "12.7x99mm", "12,7x99",
        "50 Browning", ".50 Browning", "50 cal", ".50 cal", ".50 caliber"]),
    (".300 AAC Blackout", "rifle", [".300 blackout", "300 blackout", "300 blk", ".300 blk",
        "300 AAC", ".300 AAC", "300BLK", "7.62x35", "300 AAC Blackout", "300 AAC BLK",
        "300 Advanced Armament Corporation Blackout"]),
    ("6.5 Creedmoor", "rifle", ["6.5 creedmoor", "6.5 CM", "6.5mm Creedmoor", "6,5 Creedmoor"]),
    (".30-06 Springfield", "rifle", [".30-06", "30-06", ".30-06 Springfield",
        "30-06 Springfield", "7.62x63"]),
    (".303 British", "rifle", ["303 British", ".303 Brit", "303 Brit", ".303"]),
    ("7.92x57mm Mauser", "rifle", ["8mm Mauser", "8x57", "8x57 IS", "8x57 JS", "8x57IS",
        "7.92x57", "7,92x57", "8 mm Mauser", "8x57 Mauser", "8 x 57 IS", "8mm Mauser (8 x 57)",
        "8×57mm IS (8mm Mauser)"]),
    ("7.92x33mm Kurz", "rifle", ["7.92x33", "7.92 Kurz", "7,92x33", "7.92 x 33 kurz"]),
    ("7.5x55mm Swiss", "rifle", ["7.5x55", "7.5 Swiss", "GP11", "7,5x55"]),
    ("6.5x55mm Swedish", "rifle", ["6.5x55", "6.5x55 Swedish", "6,5x55", "6.5 Swede"]),
    (".30 Carbine", "rifle", ["30 Carbine", ".30 M1 Carbine", "7.62x33"]),
    (".30-30 Winchester", "rifle", ["30-30", ".30-30", "30-30 Win", "30-30 Winchester"]),
    (".45-70 Government", "rifle", ["45-70", ".45-70", "45-70 Gov", "45-70 Government"]),
    (".243 Winchester", "rifle", [".243", "243 win", ".243 win", "243 Winchester"]),
    (".270 Winchester", "rifle", [".270", "270 win", ".270 win", "270 Winchester"]),
    (".300 Winchester Magnum", "rifle", ["300 win mag", ".300 win mag", "300 Winchester Magnum",
        ".300 WM", "300 WM"]),
    (".338 Lapua Magnum", "rifle", ["338 lapua", ".338 lapua", ".338 LM", "338 LM", "8.6x70"]),
    (".22-250 Remington", "rifle", ["22-250", ".22-250", "22-250 Rem"]),
    ("6.8mm Remington SPC", "rifle", ["6.8 SPC", "6.8mm SPC", "6.8 Remington SPC",
        "6.8mm Remington Special Purpose Cartridge"]),
    (".300 Winchester Short Magnum", "rifle", [".300 WSM", "300 WSM",
        "300 Winchester Short Magnum"]),
    ("12 gauge", "shotgun", ["12ga", "12 ga", "12 gauge", "12-gauge", "12 bore", "12/70",
        "12/76", "calibre 12", "Kaliber 12", "Kal. 12", "12 калибр", "12-й калибр", "12 кал",
        "calibro 12", "cal. 12", "12-gauge shotgun", "12GA"]),
    ("16 gauge", "shotgun", ["16ga", "16 ga", "16 gauge", "16-gauge", "16/70", "Kaliber 16",
        "16 калибр", "calibro 16"]),
    ("20 gauge", "shotgun", ["20ga", "20 ga", "20 gauge", "20-gauge", "20/70", "20/76",
        "Kaliber 20", "20 калибр", "calibro 20"]),
    ("28 gauge", "shotgun", ["28ga", "28 ga", "28 gauge", "28-gauge"]),
    ("10 gauge", "shotgun", ["10ga", "10 ga", "10 gauge", "10-gauge"]),
    (".410 bore", "shotgun", [".410", "410 bore", ".410 bore", "410 gauge", ".410 ga", "410ga",
        "36 gauge", "410/76", "410/65"]),
]
# fmt: on

GAUGE_OF = {
    "10": "10 gauge",
    "12": "12 gauge",
    "16": "16 gauge",
    "20": "20 gauge",
    "28": "28 gauge",
    "410": ".410 bore",
}
FBASTIN_TYPE = {"Handgun": "pistol", "Rifle": "rifle", "Rimfire": "rimfire"}
AMMO_TYPE = {"pistol": "pistol", "rifle": "rifle", "rimfire": "rimfire", "shotshell": "shotgun"}
REVOLVER_WORDS = (
    "Magnum",
    "Special",
    "Colt",
    "Casull",
    "Linebaugh",
    "Nagant",
    "Schofield",
    "Russian",
    "Smith & Wesson",
    "S&W",
)
VARIANT_SUFFIX = re.compile(
    r"\s*(\+P|- Match|Match|- Shot|- Sporting|\(carb\)|Wad ?[Cc]utter"
    r"|Army Marksmanship Unit)\s*$"
)
DENY = {"45 HP", "30 Court", "308 Match", "4 Bore Rifle", "215", "30 BR", "30 TC", "308 EH"}
XFORM = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(mm)?\s*[x×х]\s*(\d+(?:[.,]\d+)?)(.*)$")
BARE_NUMBER = re.compile(r"^\d+$")


def canonical(name: str) -> str:
    """`7.62 x 53 R` -> `7.62x53mmR`, `10.75 x 68` -> `10.75x68mm`; other names unchanged."""
    match = XFORM.match(name.replace("×", "x"))
    if not match:
        inch = re.match(r"^\d{2,3}(?:[\s-]|$)", name)
        return f".{name}" if inch and not re.search(r"gauge|bore", name, re.I) else name
    a, _, b, rest = match.groups()
    rest = rest.strip()
    if rest.startswith("mm"):
        rest = rest[2:].strip()
    if rest == "R" or rest.startswith("R "):
        return f"{a}x{b}mmR{rest[1:]}"
    return f"{a}x{b}mm {rest}".strip()


def key(text: str) -> str:
    """Loose identity used to merge the sources: case, dots, spaces and `×` do not matter."""
    text = (
        text.lower()
        .replace("smith & wesson", "s&w")
        .replace("×", "x")
        .replace("х", "x")
        .replace(",", ".")
    )
    text = re.sub(r"\bmm\b|mm(?=\s|$|r\b)", "", text)
    return re.sub(r"[\s.\-]", "", text)


def variants(alias: str) -> set[str]:
    """The alias plus its separator, decimal-comma and leading-dot variants."""
    out = {alias}
    match = XFORM.match(alias)
    if match:
        a, mm, b, rest = match.groups()
        for x in ("x", "×", " x ", "х"):
            for left in {a, a.replace(".", ",")}:
                out.add(f"{left}{mm or ''}{x}{b}{rest}")
    dotted = re.match(r"^\.(\d+)\s+([A-Za-z].*)$", alias)
    if dotted:
        out.add(f"{dotted.group(1)} {dotted.group(2)}")
    undotted = re.match(r"^(\d{2,3})\s+([A-Za-z].*)$", alias)
    if undotted and not re.search(r"gauge|ga$|bore|^\d+ mm", alias):
        out.add(f".{undotted.group(1)} {undotted.group(2)}")
    return {v.strip() for v in out if v.strip() and not BARE_NUMBER.match(v.strip())}


class Builder:
    def __init__(self) -> None:
        self.entries: dict[str, dict[str, object]] = {}
        self.by_key: dict[str, str] = {}

    def add(self, name: str, ctype: str, aliases: list[str]) -> str:
        target = self.find([name, *aliases])
        if target is None:
            target = name
            self.entries[name] = {"name": name, "type": ctype, "aliases": []}
        for alias in [name, *aliases]:
            self.add_alias(target, alias)
        return target

    def find(self, texts: list[str]) -> str | None:
        for text in texts:
            if key(text) in self.by_key:
                return self.by_key[key(text)]
        return None

    def add_alias(self, target: str, alias: str) -> None:
        alias = alias.strip()
        if not alias or BARE_NUMBER.match(alias) or alias in DENY or " / " in alias:
            return
        self.by_key.setdefault(key(alias), target)
        aliases = self.entries[target]["aliases"]
        assert isinstance(aliases, list)
        if alias not in aliases:
            aliases.append(alias)


def calibre_type(category: str, name: str) -> str:
    ctype = FBASTIN_TYPE.get(category) or AMMO_TYPE.get(category, "rifle")
    if ctype == "pistol" and any(word in name for word in REVOLVER_WORDS):
        return "revolver"
    return ctype


def load_fbastin(builder: Builder, data: Path) -> None:
    with (data / "fbastin_calibers_cip_aliases.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name = canonical(row["name"])
            aliases = [a for a in row["aliases"].split("|") if a]
            builder.add(name, calibre_type(row["category"], name), [row["name"], *aliases])


def load_ammolytics(builder: Builder, data: Path) -> None:
    with (data / "ammolytics_cartridges_saami_cip.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name = row["name"].strip().strip('"')
            if row["category"] == "shotshell":
                gauge = re.match(r"^(\d+)(?:/| Gauge| Bore)", name)
                if gauge and gauge.group(1) in GAUGE_OF:
                    continue  # gauges and their common N/70 forms are in HAND
                continue  # other CIP shotshell codes ("4/82", "24/65") read like dates
            base = VARIANT_SUFFIX.sub("", name).strip()
            if base in DENY or BARE_NUMBER.match(base) or "Flobert" in base:
                continue
            target = builder.find([base])
            if target is None:
                builder.add(canonical(base), calibre_type(row["category"], base), [base])


def drop_ambiguous(builder: Builder) -> None:
    owners: dict[str, set[str]] = {}
    for name, entry in builder.entries.items():
        aliases = entry["aliases"]
        assert isinstance(aliases, list)
        expanded = set().union(*(variants(a) for a in aliases))
        unique = {a.lower(): a for a in sorted(expanded, reverse=True) if a.lower() != name.lower()}
        entry["aliases"] = sorted(unique.values(), key=str.lower)
        for alias in expanded:
            owners.setdefault(alias.lower(), set()).add(name)
    clashes = {alias for alias, names in owners.items() if len(names) > 1}
    for alias in sorted(clashes):
        print(f"dropping ambiguous alias {alias!r}: {sorted(owners[alias])}", file=sys.stderr)
    for entry in builder.entries.values():
        aliases = entry["aliases"]
        assert isinstance(aliases, list)
        entry["aliases"] = [a for a in aliases if a.lower() not in clashes]


def build(data: Path) -> dict[str, object]:
    builder = Builder()
    for name, ctype, aliases in HAND:
        builder.add(name, ctype, aliases)
    load_fbastin(builder, data)
    load_ammolytics(builder, data)
    drop_ambiguous(builder)
    return {"version": 1, "calibres": list(builder.entries.values())}


HEADER = """\
# GENERATED by build_calibres.py from fbastin/calibers and ammolytics/cartridges (MIT, see
# LICENSES.md) plus hand-written market forms. Edit HAND in build_calibres.py and re-run it,
# or edit this file directly and bump `version`. Canonical `name` values are what the CALIBRE
# entity normalises to; `aliases` are matched case-insensitively.
"""


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DATA
    document = build(data)
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
    (HERE / "calibres.yaml").write_text(HEADER + text, encoding="utf-8")
    calibres = document["calibres"]
    assert isinstance(calibres, list)
    print(f"wrote {len(calibres)} calibres", file=sys.stderr)


if __name__ == "__main__":
    main()
