"""The status colour: the written rule, the office's overrides, last month's colour and the trend."""

import datetime
from fractions import Fraction

import pytest
from django.urls import reverse

from ..choices import StatusColour, SubjectKind, Trend
from ..formulas import colour_of, elapsed_share, trend_of
from ..selectors import Figures
from ..services import stats_refresh
from .factories import ColourSnapshotFactory, StatusOverrideFactory

D = datetime.date


@pytest.mark.parametrize(
    ("issued", "deadline", "today", "share"),
    [
        (D(2026, 3, 1), D(2026, 12, 31), D(2026, 11, 20), Fraction(264, 305)),
        (D(2026, 3, 1), D(2026, 12, 31), D(2026, 2, 1), Fraction(0)),  # not issued yet
        (D(2026, 3, 1), D(2026, 10, 31), D(2026, 11, 20), Fraction(1)),  # deadline passed
        (None, D(2026, 12, 31), D(2026, 11, 20), Fraction(0)),  # no schedule, nothing expected
        (D(2026, 3, 1), None, D(2026, 11, 20), Fraction(0)),
        (D(2026, 3, 1), D(2026, 3, 1), D(2026, 3, 1), Fraction(1)),  # due on the day it was issued
    ],
)
def test_elapsed_share_is_the_time_gone_between_issue_and_deadline(issued, deadline, today, share):
    assert elapsed_share(issued, deadline, today) == share


@pytest.mark.parametrize(
    ("figures", "colour"),
    [
        (Figures(targets=2, done=2, expected_sum=Fraction(1), reports_missing=1), StatusColour.RED),
        (Figures(targets=2, done=2, expected_sum=Fraction(2), overdue_targets=1), StatusColour.RED),
        (Figures(targets=2, done=1, expected_sum=Fraction(3, 2)), StatusColour.YELLOW),  # 50 % done, 75 % expected
        (Figures(targets=2, done=2, expected_sum=Fraction(2), reports_due_soon=1), StatusColour.YELLOW),
        (Figures(targets=2, done=1, expected_sum=Fraction(1), targets_due_soon=1), StatusColour.YELLOW),
        (Figures(targets=2, done=1, expected_sum=Fraction(1)), StatusColour.GREEN),  # exactly on schedule
        (Figures(targets=1, not_applicable=1, expected_sum=Fraction(0)), StatusColour.GREEN),
        (Figures(), StatusColour.GREEN),  # nothing to measure yet
    ],
)
def test_the_colour_rule(figures, colour):
    assert colour_of(figures) == colour


def test_the_trend_compares_with_last_months_colour():
    assert trend_of("green", "red") == Trend.BETTER
    assert trend_of("red", "yellow") == Trend.WORSE
    assert trend_of("yellow", "yellow") == Trend.SAME
    assert trend_of("green", None) is None


@pytest.fixture
def statuses(scenario, client_for, office):
    """statuses(endpoint) → {scenario name: status} for reforms, units or cities."""
    client = client_for(office)
    keys = {
        "reforms": ("reform", scenario.reforms),
        "units": ("unit", scenario.units),
        "cities": ("city", scenario.cities),
    }

    def get(endpoint: str) -> dict:
        subject, objects = keys[endpoint]
        names = {obj.pk: name for name, obj in objects.items()}
        data = client.get(reverse(f"stats-api:{endpoint}")).json()
        return {names[row[subject]["id"]]: row["status"] for row in data["results"]}

    return get


@pytest.mark.django_db
def test_why_each_reform_has_its_colour(statuses):
    reforms = statuses("reforms")

    # R1: done everywhere it applies, every report in: green. R2: a third done, 87 % of its time gone: yellow.
    # R3: deadline 11-15 passed, two cities not done (and a returned report): red. R4: nothing done, 44 % of the
    # time gone: yellow. R5: no targets, and its one report (the lead's) is in, late (lateness does not colour;
    # its co-unit owes a contribution, not a report): nothing to measure, green.
    assert {k: v["colour"] for k, v in reforms.items()} == {
        "R1": "green",
        "R2": "yellow",
        "R3": "red",
        "R4": "yellow",
        "R5": "green",
    }
    assert all(v["computed_colour"] == v["colour"] and v["override"] is None for v in reforms.values())
    # No snapshot of October exists: no previous colour, no trend.
    assert all(v["previous_colour"] is None and v["trend"] is None for v in reforms.values())


@pytest.mark.django_db
def test_an_override_wins_at_once_with_its_reason(statuses, scenario, client_for, office, frozen):
    StatusOverrideFactory(reform=scenario.reforms["R4"], colour=StatusColour.GREEN, created_by=office)

    r4 = statuses("reforms")["R4"]

    assert (r4["colour"], r4["computed_colour"]) == ("green", "yellow")
    assert r4["override"] == {
        "colour": "green",
        "reason": "已与牵头单位会商，进度符合预期",
        "expires_on": None,
        "set_by": "office",
        "set_at": frozen.isoformat(),
    }
    overview = client_for(office).get(reverse("stats-api:overview")).json()
    # R3 red, R2 yellow, R1, R5 and now R4 green.
    assert overview["reform_colours"] == {"red": 1, "yellow": 1, "green": 3}


@pytest.mark.django_db
def test_an_expired_override_no_longer_applies(statuses, scenario, office):
    StatusOverrideFactory(
        city=scenario.cities["C1"], colour=StatusColour.GREEN, expires_on=D(2026, 11, 19), created_by=office
    )
    StatusOverrideFactory(
        unit=scenario.units["U4"], colour=StatusColour.RED, expires_on=D(2026, 11, 20), created_by=office
    )

    assert statuses("cities")["C1"]["colour"] == "red"
    assert statuses("units")["U4"]["colour"] == "red"  # its last day


@pytest.mark.django_db
def test_last_months_colour_and_the_trend_are_shown_next_to_todays(statuses, scenario):
    october = D(2026, 10, 1)
    for key, colour in [("R1", "red"), ("R2", "yellow"), ("R3", "green")]:
        ColourSnapshotFactory(month=october, object_id=scenario.reforms[key].pk, computed_colour=colour)
    ColourSnapshotFactory(month=october, kind=SubjectKind.UNIT, object_id=scenario.units["U4"].pk, colour="yellow")

    reforms = statuses("reforms")

    assert {k: (v["previous_colour"], v["trend"]) for k, v in reforms.items()} == {
        "R1": ("red", "better"),
        "R2": ("yellow", "same"),
        "R3": ("green", "worse"),
        "R4": (None, None),
        "R5": (None, None),
    }
    assert (statuses("units")["U4"]["previous_colour"], statuses("units")["U4"]["trend"]) == ("yellow", "better")


@pytest.mark.django_db
def test_each_refresh_keeps_the_months_snapshot_so_the_next_month_shows_it(statuses, scenario, office, time_machine):
    from ..models import ColourSnapshot

    StatusOverrideFactory(reform=scenario.reforms["R2"], colour=StatusColour.RED, created_by=office)
    stats_refresh()
    november = ColourSnapshot.objects.get(
        month=D(2026, 11, 1), kind=SubjectKind.REFORM, object_id=scenario.reforms["R2"].pk
    )
    # The snapshot keeps the colour shown (with the override) and the computed one.
    assert (november.computed_colour, november.colour) == ("yellow", "red")
    assert ColourSnapshot.objects.filter(month=D(2026, 11, 1)).count() == 5 + 4 + 4

    time_machine.move_to(datetime.datetime(2026, 12, 1, 8, 0, tzinfo=datetime.UTC), tick=False)
    stats_refresh()

    reforms = statuses("reforms")
    assert (reforms["R1"]["previous_colour"], reforms["R2"]["previous_colour"]) == ("green", "red")
    assert ColourSnapshot.objects.filter(month=D(2026, 11, 1)).count() == 13  # November's rows were kept
    assert ColourSnapshot.objects.filter(month=D(2026, 12, 1)).count() == 13
