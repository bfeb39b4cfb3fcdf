"""Vendor resolution on small hand-made vendors: strong links, suggestions, decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from armswatch.demo import crypto
from crawlers.listing import Annotations, Entity, Listing, Photo, Vendor
from crawlers.vendor_profile import VendorProfile
from index.selection import open_index
from intel.decisions import DecisionStore
from intel.errors import UnknownVendorError
from intel.identifiers import add_listing, gather
from intel.resolution import COMMON_VENDORS, actor_id, resolve
from intel.vendor_records import VendorKey, VendorRecord, find_vendor
from intel.weak_signals import HANDLE_WEIGHT, PHOTO_STEP, PHOTO_WEIGHT, SHIPPING_WEIGHT

DAY = datetime(2026, 3, 16, tzinfo=UTC)
FINGERPRINT = crypto.pgp_fingerprint("shared-key").replace(" ", "")
WALLET = crypto.btc_p2pkh("shared-wallet")
LONG_TEXT = (
    "Selling a complete upper receiver group with a sixteen inch barrel, nitrided bolt carrier, "
    "charging handle and a free float handguard, all parts new in box, never fired, shipped "
    "discreetly in two packages with tracking, stealth packaging guaranteed, escrow only, "
    "reship once if seized, no questions asked, message me before ordering please"
)


def listing(
    number: int,
    market: str,
    handle: str,
    *,
    entities: tuple[Entity, ...] = (),
    photos: tuple[str, ...] = (),
    description: str = "",
    days: int = 0,
    shipping: tuple[str, str, str] = ("", "", ""),
    title: str = "",
) -> Listing:
    ships_from, ships_to, method = shipping
    return Listing(
        id=f"listing-{number}",
        source=f"src-{market.lower()}",
        market=market,
        url=f"http://127.0.0.1/{market}/{number}",
        title=title or f"offer {number}",
        description=description,
        vendor=Vendor(handle=handle),
        photos=[Photo(url=f"http://127.0.0.1/{p}", sha256=p * 4, phash=p) for p in photos],
        ships_from=[ships_from] if ships_from else [],
        ships_to=[ships_to] if ships_to else [],
        shipping_methods=[method] if method else [],
        first_seen=DAY + timedelta(days=days),
        last_seen=DAY + timedelta(days=days + 1),
        captured_at=DAY + timedelta(days=days + 1),
        annotations=Annotations(entities=list(entities)),
    )


def entity(label: str, normalized: str, text: str = "x") -> Entity:
    return Entity(
        label=label, text=text, start=0, end=1, field="description", normalized=normalized
    )


def vendors_of(*listings: Listing) -> dict[VendorKey, VendorRecord]:
    found: dict[VendorKey, VendorRecord] = {}
    for item in listings:
        add_listing(found, item)
    return found


def key(market: str, handle: str) -> VendorKey:
    return VendorKey.of(market, handle)


def test_shared_strong_identifiers_join_vendors_into_one_actor_with_evidence(
    tmp_path: Path,
) -> None:
    index = open_index(f"sqlite:///{tmp_path / 'index.db'}")
    profile = VendorProfile(
        source="src-alpha",
        market="Alpha",
        handle="SteelOne",
        url="http://127.0.0.1/alpha/vendor/SteelOne",
        pgp_key=crypto.pgp_public_key_block("shared-key"),
        crypto_addresses=["not-an-address", crypto.btc_p2pkh("own-wallet")],
        captured_at=DAY,
    )
    index.upsert_vendors([profile])
    index.upsert(
        [
            listing(1, "Alpha", "steelone"),  # the profile's vendor, handle in another case
            listing(2, "Beta", "steel_1", entities=(entity("PGP_FINGERPRINT", FINGERPRINT),)),
            listing(3, "Beta", "steel_1", entities=(entity("CRYPTO_ADDRESS", f"btc:{WALLET}"),)),
            listing(
                4, "Gamma", "quiet", entities=(entity("CRYPTO_ADDRESS", f"btc:{WALLET}"),), days=5
            ),
            listing(5, "Gamma", "other", entities=(entity("CRYPTO_ADDRESS", "btc:1Unrelated"),)),
        ]
    )
    read: list[int] = []
    vendors = gather(index, read.append)
    index.close()
    assert sum(read) == 5 and len(vendors) == 4
    [actor] = resolve(vendors, {}).actors
    assert actor.members == (
        key("Alpha", "steelone"),
        key("Beta", "steel_1"),
        key("Gamma", "quiet"),
    )
    by_pair = {link.pair: link for link in actor.links}
    pgp_link = by_pair[(key("Alpha", "steelone"), key("Beta", "steel_1"))]
    [evidence] = pgp_link.evidence
    assert (evidence.identifier.kind, evidence.identifier.value) == ("pgp_fingerprint", FINGERPRINT)
    assert evidence.first.profile_urls == {profile.url} and evidence.first.listing_ids == set()
    assert evidence.second.listing_ids == {"listing-2"}
    wallet_link = by_pair[(key("Beta", "steel_1"), key("Gamma", "quiet"))]
    [evidence] = wallet_link.evidence
    assert evidence.identifier.value == f"btc:{WALLET}"
    assert evidence.second.first_seen == DAY + timedelta(days=5)
    assert evidence.second.last_seen == DAY + timedelta(days=6)


def test_an_identifier_many_vendors_show_links_nobody() -> None:
    escrow = entity("CRYPTO_ADDRESS", f"btc:{WALLET}")
    vendors = vendors_of(
        *(listing(n, "Alpha", f"seller{n}x", entities=(escrow,)) for n in range(COMMON_VENDORS + 1))
    )
    found = resolve(vendors, {})
    assert found.actors == ()
    assert [str(identifier) for identifier in found.common] == [f"crypto_address btc:{WALLET}"]


def test_a_reused_photo_and_a_similar_handle_make_one_suggestion_with_both_reasons() -> None:
    vendors = vendors_of(
        listing(1, "Forum", "kraut_tactical", photos=("ffff0000ffff0000",)),
        listing(2, "Ads", "krauttactical", photos=("ffff0000ffff0003",)),  # 2 bits apart
        listing(3, "Ads", "somebody_else", photos=("0f0f0f0f0f0f0f0f",)),
    )
    [suggestion] = resolve(vendors, {}).suggestions
    assert (suggestion.first, suggestion.second) == (
        key("Ads", "krauttactical"),
        key("Forum", "kraut_tactical"),
    )
    assert [reason.kind for reason in suggestion.reasons] == ["handle", "photo"]  # by score
    handle, photo = suggestion.reasons
    assert photo.score == pytest.approx(PHOTO_WEIGHT - 2 * PHOTO_STEP)
    assert photo.listings == ("listing-1", "listing-2")
    assert handle.score == pytest.approx(HANDLE_WEIGHT)
    assert suggestion.confidence == round(1 - (1 - photo.score) * (1 - handle.score), 2)


def test_a_photo_many_vendors_show_is_a_stock_picture_and_no_reason() -> None:
    stock = ("1234123412341234",)
    vendors = vendors_of(*(listing(n, "Ads", f"{name}", photos=stock) for n, name in
                           enumerate(("anna", "bernd", "carla", "dieter"))))  # fmt: skip
    assert resolve(vendors, {}).suggestions == ()
    two = vendors_of(
        listing(1, "Ads", "anna", photos=stock), listing(2, "Ads", "bernd", photos=stock)
    )
    assert [s.reasons[0].kind for s in resolve(two, {}).suggestions] == ["photo"]


def test_near_identical_text_of_two_vendors_is_a_reason_of_many_a_template() -> None:
    two = vendors_of(
        listing(1, "Alpha", "gunsmith", description=LONG_TEXT, title="Upper"),
        listing(2, "Beta", "parts_dealer", description=LONG_TEXT + " thanks", title="Upper"),
    )
    [suggestion] = resolve(two, {}).suggestions
    assert [reason.kind for reason in suggestion.reasons] == ["text"]
    assert suggestion.reasons[0].listings == ("listing-1", "listing-2")
    many = vendors_of(
        *(listing(n, "Alpha", f"{name}", description=LONG_TEXT)
          for n, name in enumerate(("anna", "bernd", "carla", "dieter")))
    )  # fmt: skip
    assert resolve(many, {}).suggestions == ()


def test_a_shared_shipping_profile_only_supports_another_reason() -> None:
    route = ("CZ", "DE", "Registered mail")
    alone = vendors_of(
        listing(1, "A", "anna", shipping=route), listing(2, "B", "zoran", shipping=route)
    )
    assert resolve(alone, {}).suggestions == ()
    along = vendors_of(
        listing(1, "A", "balkan.parts", shipping=route),
        listing(2, "B", "balkanparts", shipping=route),
    )
    [suggestion] = resolve(along, {}).suggestions
    assert [reason.kind for reason in suggestion.reasons] == ["handle", "shipping"]
    assert suggestion.reasons[1].score == SHIPPING_WEIGHT


def test_decisions_are_kept_and_respected_by_later_runs(tmp_path: Path) -> None:
    shared = (entity("CRYPTO_ADDRESS", f"btc:{WALLET}"),)
    vendors = vendors_of(
        listing(1, "Alpha", "iron", entities=shared),
        listing(2, "Beta", "curtain", entities=shared),
        listing(3, "Gamma", "lonely"),
        listing(4, "Forum", "kraut_tactical"),
        listing(5, "Ads", "krauttactical"),
    )
    iron, curtain, lonely = key("Alpha", "iron"), key("Beta", "curtain"), key("Gamma", "lonely")
    kraut = (key("Ads", "krauttactical"), key("Forum", "kraut_tactical"))
    with DecisionStore(tmp_path / "intel.db") as store:
        store.record(curtain, iron, "unlink", analyst="kim", decided_at=DAY, note="shared escrow")
        store.record(iron, lonely, "link", analyst="kim", decided_at=DAY)
        store.record(*kraut, "unlink", analyst="ola", decided_at=DAY)
    with DecisionStore(tmp_path / "intel.db") as store:  # a later run reads them back
        decisions = store.current()
    found = resolve(vendors, decisions)
    [actor] = found.actors
    assert actor.members == (iron, lonely)
    assert actor.links[0].evidence == () and actor.links[0].decision is not None
    [rejected] = found.rejected
    assert rejected.pair == (iron, curtain) and rejected.decision is not None
    assert rejected.decision.note == "shared escrow" and rejected.evidence
    assert found.suggestions == ()  # the kraut suggestion was rejected
    with DecisionStore(tmp_path / "intel.db") as store:
        store.record(iron, curtain, "link", analyst="kim", decided_at=DAY + timedelta(days=1))
        assert [d.verdict for d in store.history()] == ["unlink", "link", "unlink", "link"]
        decisions = store.current()
    [actor] = resolve(vendors, decisions).actors
    assert actor.members == (iron, curtain, lonely)
    with DecisionStore(tmp_path / "intel.db") as store, pytest.raises(ValueError, match="itself"):
        store.record(iron, iron, "link", analyst="kim", decided_at=DAY)


def test_actor_ids_depend_on_the_members_only() -> None:
    members = [key("Beta", "b"), key("Alpha", "a")]
    assert actor_id(members) == actor_id(reversed(members)) == actor_id([key("Alpha", "a")])
    assert actor_id(members) != actor_id([key("Beta", "b")])
    assert actor_id(members).startswith("A") and len(actor_id(members)) == 9


def test_vendor_refs_name_market_or_source_and_unknown_ones_say_what_is_close() -> None:
    vendors = vendors_of(
        listing(1, "Obsidian Bazaar", "NordicSteel"), listing(2, "Iron Board", "nordic_steel")
    )
    wanted = key("Obsidian Bazaar", "nordicsteel")
    assert find_vendor("obsidian bazaar:NORDICSTEEL", vendors) == wanted
    assert find_vendor("src-obsidian bazaar:NordicSteel", vendors) == wanted
    assert find_vendor("nordic_steel", vendors) == key("Iron Board", "nordic_steel")
    with pytest.raises(UnknownVendorError) as raised:
        find_vendor("Obsidian Bazaar:NordicStee", vendors)
    assert raised.value.close[0] == "Obsidian Bazaar:NordicSteel"
    assert "MARKET:HANDLE" in str(raised.value)
