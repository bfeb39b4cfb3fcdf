"""Pattern reports on listings built here: each finds what it should, explains it and names the
supporting listings, and stays quiet on look-alikes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawlers.listing import Annotations, Entity, Listing, Price, Vendor
from intel.patterns import REPORTS, ReportInput, report_names, run_report, write_findings
from intel.patterns.assembled_firearms import AssembledFirearmFinding, assembled_firearms
from intel.patterns.bursts import BurstFinding, bursts, poisson_tail
from intel.patterns.new_vendors import new_vendors
from intel.patterns.price_anomalies import PriceAnomalyFinding, price_anomalies
from intel.patterns.separate_parcels import SeparateParcelsFinding, separate_parcels
from intel.windows import Window

NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)
WINDOW = Window.since("30d", NOW)


def make(
    number: int,
    *,
    vendor: str = "alpha",
    market: str = "M1",
    category: str = "essential_component",
    entities: tuple[tuple[str, str], ...] = (),
    seen: datetime = NOW - timedelta(days=2),
    usd: float | None = None,
    description: str = "",
    methods: tuple[str, ...] = (),
    ships_to: tuple[str, ...] = ("DE",),
) -> Listing:
    found = [
        Entity(label=label, text=v, start=0, end=1, field="title", normalized=v)
        for label, v in entities
    ]
    return Listing(
        id=f"l{number:03d}",
        source="src",
        market=market,
        url=f"http://example.test/{number}",
        title=f"offer {number}",
        description=description,
        vendor=Vendor(handle=vendor),
        price=Price(amount=usd, currency="USD", amount_usd=usd) if usd is not None else None,
        shipping_methods=list(methods),
        ships_to=list(ships_to),
        first_seen=seen,
        last_seen=seen,
        captured_at=seen,
        annotations=Annotations(category=category, entities=found),
    )


def part(number: int, model: str, name: str, **options: object) -> Listing:
    entities = (("MODEL", model), ("COMPONENT", f"essential_component/{name}"))
    return make(number, entities=entities, **options)  # type: ignore[arg-type]


def test_frame_slide_and_barrel_of_one_model_from_one_vendor_make_a_pistol() -> None:
    listings = [
        part(1, "Glock 19", "frame"),
        part(2, "Glock 19", "slide"),
        part(3, "Glock 19", "barrel"),
        part(4, "Glock 17", "barrel"),  # another model: not part of the kit
        part(5, "Glock 19", "frame", vendor="beta"),  # another vendor
        part(6, "Glock 19", "slide", vendor="beta"),
    ]
    findings = assembled_firearms(ReportInput(listings, WINDOW))
    assert len(findings) == 1
    finding = findings[0]
    assert isinstance(finding, AssembledFirearmFinding)
    assert (finding.actor, finding.model, finding.kit) == ("M1/alpha", "Glock 19", "pistol")
    assert finding.listing_ids == ("l001", "l002", "l003")
    assert "frame in 1 listing(s)" in finding.explanation


def test_an_actor_mapping_joins_parts_sold_under_two_handles() -> None:
    listings = [
        part(1, "AR-15", "lower_receiver", vendor="alpha", market="M1"),
        part(2, "AR-15", "upper_receiver", vendor="alpha2", market="M2"),
    ]
    assert assembled_firearms(ReportInput(listings, WINDOW)) == []
    actors = {"M1/alpha": "actor-1", "M2/alpha2": "actor-1"}
    findings = assembled_firearms(ReportInput(listings, WINDOW, actors))
    assert [(f.subject, f.listing_ids) for f in findings] == [("actor-1: AR-15", ("l001", "l002"))]


def test_a_whole_kit_in_one_listing_is_not_parts_sold_separately() -> None:
    entities = (
        ("MODEL", "Glock 19"),
        *(("COMPONENT", f"essential_component/{p}") for p in ("frame", "slide", "barrel")),
    )
    assert assembled_firearms(ReportInput([make(1, entities=entities)], WINDOW)) == []


def test_price_anomalies_flag_the_outlier_with_a_robust_z_score() -> None:
    prices = [900, 950, 1000, 1050, 1100, 980, 150]
    listings = [
        make(n, category="firearm", entities=(("MODEL", "Glock 19"),), usd=price)
        for n, price in enumerate(prices)
    ]
    findings = price_anomalies(ReportInput(listings, WINDOW))
    assert len(findings) == 1
    finding = findings[0]
    assert isinstance(finding, PriceAnomalyFinding)
    assert finding.listing_ids == ("l006",)
    assert finding.median_usd == 980 and finding.robust_z < -3.5
    assert "below the median USD 980 of 7 Glock 19" in finding.explanation


def test_price_anomalies_need_a_minimum_sample() -> None:
    listings = [
        make(n, category="firearm", entities=(("MODEL", "Glock 19"),), usd=price)
        for n, price in enumerate([900, 1000, 1100, 100])
    ]
    assert price_anomalies(ReportInput(listings, WINDOW)) == []


@pytest.mark.parametrize(
    "text",
    [
        "Frame and slide go out in separate parcels by registered mail.",
        "Versand per DHL in getrennten Paketen.",
        "Envío por Correos en paquetes separados.",
        "Expédition Colissimo en colis séparés.",
        "Отправка Почтой России отдельными посылками.",
        "Split shipping available.",
        "Versand in mehreren Paketen",
    ],
)
def test_separate_parcels_in_five_languages(text: str) -> None:
    found = separate_parcels(ReportInput([make(1, description=text)], WINDOW))
    assert len(found) == 1 and found[0].listing_ids == ("l001",)


def test_separate_parcels_names_the_carrier_and_reads_shipping_methods() -> None:
    listing = make(1, methods=("registered mail", "parts in separate parcels"))
    found = separate_parcels(ReportInput([listing], WINDOW))
    assert isinstance(found[0], SeparateParcelsFinding)
    assert found[0].methods == ("post",)
    assert found[0].phrases == ("separate parcels",)


def test_separate_parcels_ignores_other_goods_and_plain_shipping() -> None:
    other = make(1, category="none", description="Sofa ships in separate parcels.")
    plain = make(2, description="Shipped by registered mail in one box.")
    assert separate_parcels(ReportInput([other, plain], WINDOW)) == []


def test_new_vendors_are_those_whose_first_listing_is_in_the_window() -> None:
    listings = [
        make(1, vendor="old", seen=NOW - timedelta(days=90)),
        make(2, vendor="old"),
        make(3, vendor="new"),
        make(4, vendor="newdrugs", category="none"),
    ]
    findings = new_vendors(ReportInput(listings, WINDOW))
    assert [(f.subject, f.listing_ids) for f in findings] == [("M1/new", ("l003",))]


def test_a_burst_for_one_model_stands_out_from_its_baseline() -> None:
    model = (("MODEL", "Glock 19"),)
    day = NOW - timedelta(days=3)
    baseline = [make(n, category="firearm", entities=model, seen=NOW - timedelta(days=40 + n))
                for n in range(3)]  # fmt: skip
    burst = [make(10 + n, category="firearm", entities=model, seen=day, ships_to=("WW",))
             for n in range(6)]  # fmt: skip
    findings = bursts(ReportInput(baseline + burst, WINDOW))
    assert len(findings) == 1
    finding = findings[0]
    assert isinstance(finding, BurstFinding)
    assert (finding.dimension, finding.value, finding.count) == ("model", "Glock 19", 6)
    assert finding.listing_ids == tuple(f"l{10 + n:03d}" for n in range(6))


def test_no_burst_without_history_or_when_the_rate_is_usual() -> None:
    model = (("MODEL", "Glock 19"),)
    fresh = [make(n, category="firearm", entities=model) for n in range(8)]
    assert bursts(ReportInput(fresh, WINDOW)) == []
    usual = [
        make(100 + n, category="firearm", entities=model, seen=NOW - timedelta(days=31 + n % 28))
        for n in range(28 * 6)
    ]
    assert bursts(ReportInput(usual + fresh[:6], WINDOW)) == []
    assert poisson_tail(0, 2.0) == pytest.approx(1.0)


class FakeIndex:
    def __init__(self, listings: list[Listing]) -> None:
        self.listings = listings

    def scan_listings(self, query: str = "*") -> list[Listing]:
        return self.listings


def test_run_report_and_write_findings(tmp_path: Path) -> None:
    index = FakeIndex([part(1, "Glock 19", "frame"), part(2, "Glock 19", "slide"),
                       part(3, "Glock 19", "barrel")])  # fmt: skip
    findings = run_report("all", index, "30d", NOW)
    assert {f.report for f in findings} == {"assembled_firearms", "new_vendors"}
    path = write_findings(findings, tmp_path / "out" / "f.json", window=WINDOW)
    document = json.loads(path.read_text())
    assert document["period"]["start"] == WINDOW.start.isoformat()  # type: ignore[union-attr]
    assert {f["report"] for f in document["findings"]} == {"assembled_firearms", "new_vendors"}
    csv_path = write_findings(findings, tmp_path / "f.csv", "csv")
    assert csv_path.read_text().splitlines()[0] == "report,subject,explanation,listing_ids"
    assert set(report_names("all")) == set(REPORTS)
    with pytest.raises(ValueError, match="the reports are: new_vendors"):
        report_names("nope")
