"""Fixtures of the statistics tests: the clock stopped on the scenario's day, and the scenario itself."""

import os

import pytest
from django.db import connection

from ..services import stats_refresh
from .factories import NOW, make_scenario


@pytest.fixture
def frozen(time_machine):
    """Friday 2026-11-20, 10:00 in Jinan; the clock does not move during the test."""
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def scenario(db, frozen, unit_a, unit_b):
    """The scenario of factories.py, with the rollup refreshed. unit_a/unit_b (the personas' units) are U1/U2."""
    built = make_scenario()
    assert built.units["U1"] == unit_a and built.units["U2"] == unit_b
    stats_refresh()
    return built


@pytest.fixture
def postgresql():
    """For behaviour only PostgreSQL has (row locks with SKIP LOCKED). scripts/test runs on PostgreSQL with
    TEST_STRICT set, so there the test runs or fails; a quick SQLite run skips it with this reason."""
    if connection.vendor != "postgresql":
        if os.environ.get("TEST_STRICT") or os.environ.get("CI"):
            pytest.fail("This test needs PostgreSQL: run it through scripts/test (or set DATABASE_URL).")
        pytest.skip("needs PostgreSQL (scripts/test provides it)")
