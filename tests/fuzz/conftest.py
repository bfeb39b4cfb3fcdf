"""Hypothesis settings of the fuzz tests: bounded and derandomized, so `make test` stays fast
and a CI failure replays the same way on any machine.

`HYPOTHESIS_PROFILE=fuzz-long pytest tests/fuzz` searches longer (random, many examples).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_QUIET = settings(
    deadline=None,  # a first call compiles CSS and pydantic validators: slow, not a bug
    database=None,  # nothing written into the repository
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("fuzz", parent=_QUIET, max_examples=200, derandomize=True)
settings.register_profile("fuzz-long", parent=_QUIET, max_examples=5000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fuzz"))
