"""Hostile Bazaar on a free port: one for a test module, or one of a test's own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from armswatch.demo.hostile import HostileSite


@pytest.fixture(scope="module")
def site() -> Iterator[HostileSite]:
    with HostileSite() as running:
        yield running


@pytest.fixture
def fresh_site() -> Iterator[HostileSite]:
    """A site of its own, for the pages that keep state (429, 503) or for stopping it."""
    with HostileSite() as running:
        yield running
