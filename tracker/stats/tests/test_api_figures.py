"""Every endpoint's figures for the hand-built scenario, number by number, unfiltered and under each filter."""

from fractions import Fraction

import pytest
from django.urls import reverse

from ..api.serializers import FiguresSerializer
from ..selectors.figures import FIGURE_FIELDS
from . import expected as e
from .factories import NOW, stamp

pytestmark = pytest.mark.django_db


@pytest.fixture
def get(scenario, client_for, office):
    """get(name, **params) → the office's JSON answer of stats-api:<name>."""
    client = client_for(office)

    def do(name: str, **params):
        response = client.get(reverse(f"stats-api:{name}"), params)
        assert response.status_code == 200, response.content
        return response.json()

    return do


def by_key(results, subject: str, field: str, keys: dict) -> dict:
    """Rows of a breakdown by the scenario's names (R1, U2, C3 ...), via the subject's `field`."""
    names = {getattr(obj, field): name for name, obj in keys.items()}
    return {names[row[subject][field]]: row for row in results}


def test_the_overview_counts_everything(get, scenario):
    data = get("overview")

    assert data["figures"] == e.OVERVIEW
    assert data["target_cities"] == 3
    # R3 red; R2, R4 yellow; R1, R5 green (see expected.REFORM_COLOURS).
    assert data["reform_colours"] == {"red": 1, "yellow": 2, "green": 2}
    assert data["as_of"] == NOW.isoformat()


def test_the_reform_breakdown_has_each_reforms_figures_lead_and_colour(get, scenario):
    data = get("reforms")

    assert data["count"] == 5
    rows = by_key(data["results"], "reform", "id", scenario.reforms)
    for name, row in rows.items():
        assert row["figures"] == e.REFORMS[name], name
        assert row["status"]["colour"] == e.REFORM_COLOURS[name], name
    # The table's order: the newer batch B2 first (Batch.Meta.ordering), then by position.
    assert [row["reform"]["code"] for row in data["results"]] == [
        scenario.reforms[k].code for k in ("R4", "R5", "R1", "R2", "R3")
    ]
    r1 = rows["R1"]["reform"]
    assert r1["lead_unit"] == {"id": scenario.units["U1"].pk, "name": "省测试甲厅"}
    assert r1["batch"] == {"id": scenario.batches["B1"].pk, "code": "stats-b1", "title": scenario.batches["B1"].title}
    assert r1["deadline"] == "2026-12-31"  # the batch's default
    assert rows["R3"]["reform"]["deadline"] == "2026-11-15"  # its own


def test_the_unit_breakdown_splits_lead_and_co_unit(get, scenario):
    data = get("units")

    assert data["count"] == 4
    rows = by_key(data["results"], "unit", "id", scenario.units)
    for name, row in rows.items():
        assert row["figures"] == e.UNITS[name]["figures"], name
        assert row["as_lead"] == e.UNITS[name]["as_lead"], name
        assert row["as_co"] == e.UNITS[name]["as_co"], name
        assert row["status"]["colour"] == e.UNIT_COLOURS[name], name


def test_the_city_breakdown_lists_every_city_even_without_targets(get, scenario):
    data = get("cities")

    assert [row["city"]["code"] for row in data["results"]] == ["370100", "370200", "370300", "370500"]
    rows = by_key(data["results"], "city", "id", scenario.cities)
    for name, row in rows.items():
        assert row["figures"] == e.CITIES[name], name
        assert row["status"]["colour"] == e.CITY_COLOURS[name], name


def test_the_batch_category_and_scope_breakdowns(get, scenario):
    batches = by_key(get("batches")["results"], "batch", "id", scenario.batches)
    assert {name: row["figures"] for name, row in batches.items()} == e.BATCHES

    categories = {row["category"]["value"]: row for row in get("categories")["results"]}
    assert {value: row["figures"] for value, row in categories.items()} == e.CATEGORIES
    assert categories["pilot"]["category"]["label"] == "改革试点经验"

    scopes = {row["scope"]["value"]: row["figures"] for row in get("scopes")["results"]}
    assert scopes == e.SCOPES


def test_rows_of_a_breakdown_add_up_to_the_overview_where_they_do_not_overlap(get):
    overview = get("overview")["figures"]
    for name in ("batches", "categories", "scopes"):
        rows = get(name)["results"]
        for figure in ("reforms", "targets", "done", "reports_due", "reports_missing", "reports_late"):
            assert sum(row["figures"][figure] for row in rows) == overview[figure], (name, figure)


@pytest.mark.parametrize(
    ("params", "expected", "cities"),
    [
        ({"batch": "stats-b1"}, e.BATCHES["B1"], 3),
        ({"category": "pilot"}, e.CATEGORIES["pilot"], 3),
        ({"scope": "qualified_cities"}, e.SCOPES["qualified_cities"], 2),
        ({"scope": ["qualified_cities", "unverified"]}, None, 2),
    ],
)
def test_the_overview_under_a_filter_on_the_reform_is_that_breakdown_row(get, scenario, params, expected, cities):
    data = get("overview", **params)

    if expected is None:  # two scopes at once: their rows summed
        q, u = e.SCOPES["qualified_cities"], e.SCOPES["unverified"]
        assert data["figures"]["reforms"] == q["reforms"] + u["reforms"]
        assert data["figures"]["reports_missing"] == q["reports_missing"] + u["reports_missing"]
    else:
        assert data["figures"] == expected
    assert data["target_cities"] == cities


def test_the_batch_id_filter_matches_the_batch_code_filter(get, scenario):
    assert get("overview", batch_id=scenario.batches["B2"].pk)["figures"] == e.BATCHES["B2"]


def test_the_unit_filter_keeps_the_units_reforms_and_only_its_own_obligations(get, scenario):
    data = get("overview", unit="省测试丙厅")

    # R4 and R5, U3 leading both; R5's co-unit U1 owes a contribution, which these figures leave out.
    assert data["figures"] == e.figures(
        reforms=2, targets=1, not_started=1, completion=0, expected=e.B2, due=2, on_time=1, late=1, last=stamp(10, 20)
    )
    assert data["target_cities"] == 1
    assert get("overview", unit_id=scenario.units["U1"].pk)["figures"] == e.UNITS["U1"]["figures"]


def test_the_city_filter_keeps_the_citys_targets_and_the_obligations_of_reforms_targeting_it(get, scenario):
    data = get("overview", city="370300")

    # R1 (not applicable in Zibo) and R2 (done there); their obligations count once each: R1·U1 (P1 on time, P2
    # late, P3 upcoming, last 11-18) and R2·U2 (P1, P2 on time, P3 upcoming, 11-17).
    assert data["figures"] == e.figures(
        reforms=2,
        targets=2,
        done=1,
        not_applicable=1,
        completion=1,
        expected=e.B1,
        due=4,
        on_time=3,
        late=1,
        upcoming=2,
        last=stamp(11, 18),
    )
    assert data["target_cities"] == 1


def test_a_city_without_targets_has_nothing(get, scenario):
    data = get("overview", city_id=scenario.cities["C4"].pk)

    assert data["figures"] == e.figures()
    assert data["target_cities"] == 0
    assert data["reform_colours"] == {"red": 0, "yellow": 0, "green": 0}


@pytest.mark.parametrize(
    ("params", "reports"),
    [
        # P2, due 11-10: R1·U1 late (11-11 07:00 China time), R2 on time, R3 returned = missing. B2 has no period
        # coded 2026-10.
        ({"period": "2026-10"}, {"due": 3, "on_time": 1, "late": 1, "missing": 1, "last": stamp(11, 11, 7)}),
        # Q1 only (due 10-15): R4 on time, R5 late (10-20).
        (
            {"date_from": "2026-10-11", "date_to": "2026-10-31"},
            {"due": 2, "on_time": 1, "late": 1, "last": stamp(10, 20)},
        ),
        # P1 only (due 10-10): R1 (10-09), R2 (10-10 11:00, the latest) and R3 (10-08) on time.
        ({"date_to": "2026-10-12"}, {"due": 3, "on_time": 3, "last": stamp(10, 10, 11)}),
        # R1's P2 report (R4 has no 2026-10 period): late.
        ({"category": "pilot", "period": "2026-10"}, {"due": 1, "late": 1, "last": stamp(11, 11, 7)}),
    ],
)
def test_period_and_date_filters_select_obligations_and_leave_targets_alone(get, params, reports):
    data = get("overview", **params)["figures"]

    expected = {"due": 0, "on_time": 0, "late": 0, "missing": 0, "upcoming": 0, "due_soon": 0, **reports}
    assert data["reports_due"] == expected["due"]
    assert data["reports_on_time"] == expected["on_time"]
    assert data["reports_late"] == expected["late"]
    assert data["reports_missing"] == expected["missing"]
    assert data["reports_upcoming"] == 0
    assert data["reports_due_soon"] == 0
    assert data["last_report_at"] == e.iso(expected["last"])
    targets = e.CATEGORIES["pilot"] if "category" in params else e.OVERVIEW
    assert data["targets"] == targets["targets"]
    assert data["done"] == targets["done"]


def test_the_current_period_is_upcoming_and_one_report_is_due_soon(get, scenario):
    data = get("overview", period_id=scenario.periods["P3"].pk)["figures"]

    # R1·U1 (filed 11-18), R2·U2 (11-17), R3·U1 (nothing yet, due 11-23: due soon).
    assert (data["reports_due"], data["reports_upcoming"], data["reports_due_soon"]) == (0, 3, 1)
    assert data["last_report_at"] == e.iso(stamp(11, 18))


def test_breakdowns_take_the_same_filters(get, scenario):
    reforms = get("reforms", category="pilot")["results"]
    assert [row["reform"]["code"] for row in reforms] == [scenario.reforms["R4"].code, scenario.reforms["R1"].code]

    units = by_key(get("units", city="370300")["results"], "unit", "id", scenario.units)
    # Zibo's targets: R1 (U1, U2, U4; not applicable there) and R2 (U2; done there).
    assert set(units) == {"U1", "U2", "U4"}
    assert units["U1"]["figures"] == e.figures(
        reforms=1, targets=1, not_applicable=1, expected=None, due=2, on_time=1, late=1, upcoming=1, last=stamp(11, 18)
    )
    assert units["U2"]["figures"]["targets"] == 2
    assert units["U2"]["figures"]["done"] == 1

    cities = by_key(get("cities", unit_id=scenario.units["U3"].pk)["results"], "city", "id", scenario.cities)
    assert cities["C2"]["figures"] == e.figures(
        reforms=1, targets=1, not_started=1, completion=0, expected=e.B2, due=1, on_time=1
    )
    assert cities["C1"]["figures"] == e.figures()

    rows = get("reforms", period="2026-10", batch="stats-b1")["results"]
    assert {row["reform"]["code"]: row["figures"]["reports_missing"] for row in rows} == {
        scenario.reforms["R1"].code: 0,
        scenario.reforms["R2"].code: 0,
        scenario.reforms["R3"].code: 1,
    }


def test_the_matrix_has_a_cell_per_target_city_and_none_elsewhere(get, scenario):
    data = get("matrix", batch="stats-b1")

    assert [c["city"]["code"] for c in data["cities"]] == ["370100", "370200", "370300", "370500"]
    assert data["cities"][0]["figures"] == e.CITIES["C1"]
    rows = {row["reform"]["code"]: row for row in data["results"]}
    assert list(rows) == [scenario.reforms[k].code for k in ("R1", "R2", "R3")]
    r3 = rows[scenario.reforms["R3"].code]
    assert r3["figures"] == e.REFORMS["R3"]
    c1, c2, c3, c4 = r3["cells"]
    assert c1 == {
        "city_id": scenario.cities["C1"].pk,
        "status": "in_progress",
        "status_changed_on": "2026-09-01",
        "overdue": True,
        # Without claims=1.
        "claim": None,
        "claim_differs": None,
    }
    assert (c2["status"], c2["overdue"]) == ("not_started", True)
    assert c3 is None and c4 is None
    r1 = rows[scenario.reforms["R1"].code]["cells"]
    assert [cell and (cell["status"], cell["overdue"]) for cell in r1] == [
        ("done", False),
        ("done", False),
        ("not_applicable", False),
        None,
    ]


def test_the_trend_counts_completions_per_month_and_runs_the_rate(get):
    data = get("trend")

    assert (data["interval"], data["date_from"], data["date_to"]) == ("month", "2026-09-01", "2026-11-20")
    assert (data["applicable"], data["done"], data["undated_done"]) == (8, 3, 0)
    points = [
        (p["start"], p["end"], p["completed"], p["cumulative_done"], p["cumulative_rate"]) for p in data["points"]
    ]
    assert points == [
        ("2026-09-01", "2026-09-30", 1, 1, e.rate(Fraction(1, 8))),
        ("2026-10-01", "2026-10-31", 1, 2, e.rate(Fraction(2, 8))),
        ("2026-11-01", "2026-11-20", 1, 3, e.rate(Fraction(3, 8))),
    ]


def test_the_trend_per_week_in_a_date_range_counts_earlier_completions_in_its_start(get):
    data = get("trend", interval="week", date_from="2026-10-19", date_to="2026-11-08")

    # Weeks start on Monday; 09-15 is before the range (counted in the running total), 10-20 and 11-05 in it.
    assert [(p["start"], p["completed"], p["cumulative_done"]) for p in data["points"]] == [
        ("2026-10-19", 1, 2),
        ("2026-10-26", 0, 2),
        ("2026-11-02", 1, 3),
    ]
    assert data["points"][-1]["end"] == "2026-11-08"


def test_the_missing_report_list_says_what_is_there_instead(get, scenario):
    data = get("missing-reports")

    # The one missing report: R3·U1 of P2, returned (R5's co-unit U1 owes a contribution, not a report).
    assert data["count"] == 1
    assert [
        (r["reform"]["code"], r["unit"]["name"], r["period"]["code"], r["due_on"], r["days_overdue"], r["report_state"])
        for r in data["results"]
    ] == [
        (scenario.reforms["R3"].code, "省测试甲厅", "2026-10", "2026-11-10", 10, "returned"),
    ]
    assert get("missing-reports", period="2026-10")["count"] == 1


def test_ordering_sorts_by_figures_and_colour_with_empty_values_last(get, scenario):
    codes = {v.code: k for k, v in scenario.reforms.items()}

    by_rate = get("reforms", ordering="-completion_rate")["results"]
    # Ties (R4 and R3 at 0) keep the table's order; R5 has no applicable target and sorts last.
    assert [codes[r["reform"]["code"]] for r in by_rate] == ["R1", "R2", "R4", "R3", "R5"]
    by_colour = get("reforms", ordering="colour,code")["results"]
    # Red R3; yellow R2, R4; green R1, R5.
    assert [codes[r["reform"]["code"]] for r in by_colour] == ["R3", "R2", "R4", "R1", "R5"]
    units = get("units", ordering="-reports_missing,name")["results"]
    assert [r["unit"]["name"] for r in units] == ["省测试甲厅", "省测试丁厅", "省测试丙厅", "省测试乙厅"]


def test_pages_of_rows(get):
    first = get("reforms", page_size=2)
    assert (first["count"], len(first["results"])) == (5, 2)
    assert "page=2" in first["next"]
    last = get("reforms", page_size=2, page=3)
    assert len(last["results"]) == 1 and last["next"] is None


@pytest.mark.django_db
def test_with_no_data_every_figure_is_zero_and_rates_are_empty(client_for, office, frozen):
    client = client_for(office)

    overview = client.get(reverse("stats-api:overview")).json()
    assert overview["figures"] == e.figures()
    assert overview["as_of"] is None  # never refreshed
    assert overview["target_cities"] == 0
    for name in ("reforms", "units", "cities", "batches", "missing-reports"):
        assert client.get(reverse(f"stats-api:{name}")).json()["count"] == 0, name
    categories = client.get(reverse("stats-api:categories")).json()["results"]
    assert [(row["category"]["value"], row["figures"]) for row in categories] == [
        ("pilot", e.figures()),
        ("best_practice", e.figures()),
    ]
    trend = client.get(reverse("stats-api:trend")).json()
    assert [(p["start"], p["completed"], p["cumulative_rate"]) for p in trend["points"]] == [("2026-11-01", 0, None)]


def test_the_trend_and_the_missing_list_take_the_filters(get, scenario):
    pilot = get("trend", category="pilot")
    # R1 (Jinan done 09-15, Qingdao 10-20; Zibo not applicable) and R4 (Qingdao not started): 3 applicable targets.
    assert pilot["applicable"] == 3
    assert [(p["start"], p["cumulative_done"], p["cumulative_rate"]) for p in pilot["points"]] == [
        ("2026-09-01", 1, e.rate(Fraction(1, 3))),
        ("2026-10-01", 2, e.rate(Fraction(2, 3))),
        ("2026-11-01", 2, e.rate(Fraction(2, 3))),
    ]
    zibo = get("trend", city="370300", date_from="2026-11-01")
    assert [(p["start"], p["completed"], p["cumulative_done"]) for p in zibo["points"]] == [("2026-11-01", 1, 1)]

    # The one missing report is R3·U1's of P2 (batch B1, due 11-10).
    assert get("missing-reports", unit="省测试乙厅")["count"] == 0
    assert get("missing-reports", unit="省测试甲厅")["count"] == 1
    assert get("missing-reports", batch="stats-b1")["count"] == 1
    assert get("missing-reports", batch="stats-b2")["count"] == 0
    assert get("missing-reports", date_to="2026-10-31")["count"] == 0
    assert get("missing-reports", date_from="2026-11-01")["count"] == 1


def test_the_orderable_figures_are_the_figures_the_api_publishes():
    assert tuple(FiguresSerializer().fields) == FIGURE_FIELDS
