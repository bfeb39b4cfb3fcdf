"""Evaluation on ingest: one alert per rule, listing and version; suppression and digests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from crawlers.listing import Annotations, Listing, Price, Vendor
from index.sqlite import SqliteIndex
from rules.dispatch import Dispatcher
from rules.engine import AlertEngine
from rules.store import AlertStore
from tests.index.conftest import build_listing
from tests.rules.conftest import WriteRules

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def sear(listing_id: str = "s1", at: datetime = T0, **fields: Any) -> Listing:
    values: dict[str, Any] = {
        "title": "Auto sear for AR-15, drop in",
        "price": Price(amount=300, currency="USD", amount_usd=300),
        "ships_to": ["DE"],
        "vendor": Vendor(handle="IronMike"),
        "annotations": Annotations(firearm_related=True, category="conversion_device"),
        "first_seen": at,
        "last_seen": at,
        "captured_at": at,
    }
    values.update(fields)
    return build_listing(listing_id, **values)


def ingest(engine: AlertEngine, index: SqliteIndex, *listings: Listing) -> list[Any]:
    return engine.on_indexed(index.upsert(listings))


def test_new_unchanged_and_changed_listings(
    write_rules: WriteRules, sqlite_index: SqliteIndex, store: AlertStore
) -> None:
    rules = write_rules(sears="query: category:conversion_device\n")
    engine = AlertEngine(rules, sqlite_index, store, clock=Clock())
    [first] = ingest(engine, sqlite_index, sear(), build_listing("other", title="A holster"))
    assert (first.rule, first.listing_id, first.listing_version, first.reason) == (
        "sears",
        "s1",
        1,
        "new",
    )
    # a recrawl of the unchanged listing, and the same version matched again: nothing
    assert ingest(engine, sqlite_index, sear(at=T0 + timedelta(days=1))) == []
    current = sqlite_index.get("s1")
    assert current is not None
    assert engine.evaluate([current], {"s1": "new"}) == []
    # a material change: one alert, saying what changed
    cheaper = sear(at=T0 + timedelta(days=2), price=Price(amount=250, currency="USD"))
    [changed] = ingest(engine, sqlite_index, cheaper)
    assert (changed.listing_version, changed.reason) == (2, "changed")
    assert [(c.field, c.before, c.after) for c in changed.changes] == [
        ("price", "300 USD", "250 USD")
    ]
    assert ingest(engine, sqlite_index, cheaper) == []
    assert len(store.alerts()) == 2
    assert [d.alert_ids for d in store.deliveries(status="pending")] == [
        (first.id,),
        (changed.id,),
    ]


def test_disabled_rules_and_rules_that_do_not_match_stay_silent(
    write_rules: WriteRules, sqlite_index: SqliteIndex, store: AlertStore
) -> None:
    rules = write_rules(
        disabled="query: category:conversion_device\nenabled: false\n",
        holsters="query: holster\n",
    )
    engine = AlertEngine(rules, sqlite_index, store)
    assert ingest(engine, sqlite_index, sear()) == []


def test_conditions_on_price_and_countries(
    write_rules: WriteRules, sqlite_index: SqliteIndex, store: AlertStore
) -> None:
    rules = write_rules(
        cheap_de="conditions: {ships_to: [DE], price: {max: 400}}\n",
        to_fr="conditions: {ships_to: [FR]}\n",
    )
    engine = AlertEngine(rules, sqlite_index, store)
    alerts = ingest(
        engine,
        sqlite_index,
        sear("a"),
        sear("b", price=Price(amount=900, currency="USD", amount_usd=900)),
    )
    assert [(a.rule, a.listing_id) for a in alerts] == [("cheap_de", "a")]
    assert alerts[0].matched_fields == ["ships_to", "price"]


def test_realert_on_change_false_keeps_the_change_but_does_not_deliver_it(
    write_rules: WriteRules, sqlite_index: SqliteIndex, store: AlertStore
) -> None:
    rules = write_rules(
        once="query: category:conversion_device\nsuppression: {realert_on_change: false}\n"
    )
    engine = AlertEngine(rules, sqlite_index, store)
    ingest(engine, sqlite_index, sear())
    [changed] = ingest(engine, sqlite_index, sear(at=T0 + timedelta(days=1), title="Auto sear v2"))
    assert changed.suppressed
    assert len(store.deliveries()) == 1
    assert [a.id for a in store.alerts(suppressed=True)] == [changed.id]


def test_quiet_period_and_hourly_cap(
    write_rules: WriteRules, sqlite_index: SqliteIndex, store: AlertStore
) -> None:
    rules = write_rules(
        quiet="query: category:conversion_device\nsuppression: {quiet_period: 6h}\n",
        capped="query: category:conversion_device\nsuppression: {max_per_hour: 2}\n",
    )
    clock = Clock()
    engine = AlertEngine(rules, sqlite_index, store, clock=clock)
    first = ingest(engine, sqlite_index, sear("a"), sear("b"), sear("c"))
    capped = sorted((a.listing_id, a.suppressed) for a in first if a.rule == "capped")
    assert capped == [("a", False), ("b", False), ("c", True)]
    clock.now = T0 + timedelta(hours=1)
    again = ingest(engine, sqlite_index, sear("a", at=clock.now, title="Auto sear, new batch"))
    assert [(a.rule, a.suppressed) for a in sorted(again, key=lambda a: a.rule)] == [
        ("capped", False),
        ("quiet", True),
    ]
    # the quiet period runs from the last alert delivered, not from the one kept back
    clock.now = T0 + timedelta(hours=6, minutes=30)
    later = ingest(engine, sqlite_index, sear("a", at=clock.now, title="Auto sear, third"))
    assert {a.rule: a.suppressed for a in later} == {"capped": False, "quiet": False}


def test_digest_rules_collect_and_send_one_message_per_window(
    write_rules: WriteRules, sqlite_index: SqliteIndex, store: AlertStore, tmp_path: Any
) -> None:
    rules = write_rules(digest="query: category:conversion_device\ndigest: 30m\n")
    clock = Clock()
    engine = AlertEngine(rules, sqlite_index, store, clock=clock)
    alerts = ingest(engine, sqlite_index, sear("a"), sear("b"))
    assert len(alerts) == 2 and store.deliveries() == []
    dispatcher = Dispatcher(
        rules, store, data_dir=tmp_path, dashboard_url="http://dash.example", clock=clock
    )
    clock.now = T0 + timedelta(minutes=10)
    ingest(engine, sqlite_index, sear("c", at=clock.now))
    assert dispatcher.run().digests == 0  # the window is still open
    clock.now = T0 + timedelta(minutes=31)
    report = dispatcher.run()
    assert (report.digests, report.delivered, report.dead) == (1, 1, 0)
    [delivery] = store.deliveries()
    assert sorted(delivery.alert_ids) == sorted(a.id for a in store.alerts())
    assert dispatcher.run().digests == 0  # nothing waits any more


def test_vendor_conditions(
    write_rules: WriteRules, sqlite_index: SqliteIndex, store: AlertStore
) -> None:
    rules = write_rules(
        known_elsewhere=(
            "query: '*'\nconditions: {seen_on_markets_at_least: 2, "
            "vendor_history_query: 'category:firearm', vendor_first_seen_within: 7d}\n"
        )
    )
    engine = AlertEngine(rules, sqlite_index, store)
    gun = Annotations(firearm_related=True, category="firearm")
    old = T0 - timedelta(days=60)
    sqlite_index.upsert(
        [
            sear("g1", at=old, market="OtherMarket", annotations=gun, title="Glock 17"),
            sear("h1", at=old, market="ThirdMarket", vendor=Vendor(handle="Harmless")),
        ]
    )
    alerts = ingest(
        engine,
        sqlite_index,
        sear("new-here"),  # IronMike sold firearms on OtherMarket, new on DemoMarket
        sear("harmless", vendor=Vendor(handle="Harmless")),  # never sold firearms
        sear("no-vendor", vendor=None),
    )
    assert [a.listing_id for a in alerts] == ["new-here"]
    # the same vendor on its old market is not new there
    assert ingest(engine, sqlite_index, sear("g2", market="OtherMarket", annotations=gun)) == []
