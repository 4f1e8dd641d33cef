"""Fixtures of the statistics tests: the clock stopped on the scenario's day, and the scenario itself."""

import pytest

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
