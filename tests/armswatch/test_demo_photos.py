"""The demo's product photos: distinct per offer, the planted reuse and the planted EXIF.

Every picture of the day-1 catalog is described as the crawler describes a download
(`crawlers.photos.describe_photo`), from the bytes the demo sites serve.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from armswatch.demo import photos
from armswatch.demo.catalog import catalog
from armswatch.demo.model import DemoOffer
from crawlers.listing import Photo
from crawlers.photos.hashing import describe_photo, phash_distance

Ref = photos.PictureRef


@pytest.fixture(scope="module")
def offers() -> list[DemoOffer]:
    return catalog(1)


@pytest.fixture(scope="module")
def described(offers: list[DemoOffer]) -> dict[Ref, tuple[Photo, str]]:
    """Every picture of day 1: what the crawler makes of it, and the actor who shows it."""
    pictures = {}
    for offer in offers:
        for n, url in enumerate(offer.images, start=1):
            body, media_type = photos.picture(offer, n)
            photo = describe_photo(url, body)
            assert photo.media_type == media_type
            pictures[(offer.site, offer.offer_id, n)] = (photo, photos.actor_of(offer))
    return pictures


def test_each_picture_has_the_phash_it_was_designed_for(
    offers: list[DemoOffer], described: dict[Ref, tuple[Photo, str]]
) -> None:
    specs = photos.pictures(offers)
    assert len(described) > 2000
    wrong = [
        ref for ref, (p, _) in described.items() if p.phash != photos.designed_phash(specs[ref].key)
    ]
    assert wrong == []


def test_pictures_of_different_actors_are_far_apart(
    described: dict[Ref, tuple[Photo, str]],
) -> None:
    refs = list(described)
    bits = np.array(
        [[int(b) for b in f"{int(str(described[r][0].phash), 16):064b}"] for r in refs], np.int16
    )
    signs = bits * 2 - 1
    distances = (64 - signs @ signs.T) // 2
    actors = np.array([described[r][1] for r in refs])
    different = actors[:, None] != actors[None, :]
    assert different.any() and int(distances[different].min()) > 10


def test_actor_kraut_shows_one_photo_on_both_sites_re_encoded(
    offers: list[DemoOffer], described: dict[Ref, tuple[Photo, str]]
) -> None:
    reused = photos.reused_pictures(offers)
    assert reused, "no photo of actor-kraut is shown on two sites"
    for refs in reused.values():
        assert {site for site, _, _ in refs} == {"forum", "classifieds"}
        shown = [described[ref][0] for ref in refs]
        assert {described[ref][1] for ref in refs} == {photos.REUSING_ACTOR}
        forum = next(p for ref, p in zip(refs, shown, strict=True) if ref[0] == "forum")
        ad = next(p for ref, p in zip(refs, shown, strict=True) if ref[0] == "classifieds")
        assert forum.sha256 != ad.sha256
        assert (forum.media_type, ad.media_type) == ("image/png", "image/jpeg")
        assert (forum.width, ad.width) == (240, 320)
        assert forum.phash and ad.phash and phash_distance(forum.phash, ad.phash) <= 4
        assert (forum.flags, forum.exif) == ([], {})
        assert ad.flags == ["gps", "device"] and ad.exif["GPSPosition"] == "48.370500, 8.217000"
        assert (ad.exif["Make"], ad.exif["Model"]) == photos.CAMERA


def test_gps_is_on_actor_krauts_ads_only_device_on_a_few_private_sellers(
    offers: list[DemoOffer], described: dict[Ref, tuple[Photo, str]]
) -> None:
    gps = {ref for ref, (p, _) in described.items() if "gps" in p.flags}
    assert gps and gps == photos.exif_pictures(offers, "gps")
    assert {described[ref][1] for ref in gps} == {photos.REUSING_ACTOR}
    device_only = {ref for ref, (p, _) in described.items() if p.flags == ["device"]}
    assert device_only == photos.exif_pictures(offers, "device")
    owners = {described[ref][1] for ref in device_only}
    assert owners and not any(owner.startswith("actor-") for owner in owners)
    assert {ref[0] for ref in device_only} == {"classifieds"}
    for ref, (photo, _) in described.items():
        if ref not in gps | device_only:
            assert (photo.exif, photo.flags) == ({}, []), ref


def test_pictures_are_deterministic_and_distinct_within_an_offer(
    offers: list[DemoOffer],
) -> None:
    offer = next(o for o in offers if len(o.images) >= 3)
    bodies = [photos.picture(offer, n)[0] for n in range(1, 4)]
    assert len(set(bodies)) == 3
    photos.encoded_picture.cache_clear()
    photos.drawn_picture.cache_clear()
    assert [photos.picture(offer, n)[0] for n in range(1, 4)] == bodies
    for first, second in itertools.combinations(bodies, 2):
        one, two = describe_photo("a", first).phash, describe_photo("b", second).phash
        assert one and two and phash_distance(one, two) > 10
