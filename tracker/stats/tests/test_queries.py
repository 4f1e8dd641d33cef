"""Query counts, pinned per endpoint: the same for 1 and for 50 reforms (with their units, cities, batches, periods
and reports), so no figure costs a query per row."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.test import APIClient

from reforms.choices import ResponsibilityRole, TargetStatus
from reforms.tests.factories import BatchFactory, ReformFactory, ResponsibilityFactory, RolloutTargetFactory
from tracker.choices import ReportState
from tracker.tests.factories import ReportingPeriodFactory
from units.tests.factories import UnitFactory

from ..choices import StatusColour, SubjectKind
from ..services import stats_refresh
from .factories import (
    ColourSnapshotFactory,
    StatusOverrideFactory,
    derive_obligations,
    make_city,
    make_report_row,
    stamp,
)

pytestmark = pytest.mark.django_db

# Every request starts with the role check of the signed-in user: 1 query (core.access.load_roles: its groups,
# units and permissions at once).
ROLE = 1
# Then the rollup's state (as_of): 1 query.
STATE = 1
# Reforms, units and cities: the rows' subjects, the target groups, the report groups, then this month's and last
# month's colour snapshots, then the active overrides.
COLOURED_BREAKDOWN = 3 + 2
# Batches, categories and scopes: subjects (or reform counts), target groups, report groups.
PLAIN_BREAKDOWN = 3

# Issue 12 in the ledger: the periods and their calendar, per reform the city submissions, the claims and the
# contributions, the matrix cells' latest claims, then the contributions sheet (its units, their counts).
LEDGER_PARTICIPATION = 2 + 3 + 1 + 2

EXPECTED = {
    # reform count, target groups (from the reforms' target counts), the target cities (an EXISTS per city; both
    # were one grouping of every target before issue 11), report totals, colour snapshots and overrides
    "overview": ROLE + STATE + 6,
    "reforms": ROLE + STATE + COLOURED_BREAKDOWN,
    "units": ROLE + STATE + COLOURED_BREAKDOWN,
    "cities": ROLE + STATE + COLOURED_BREAKDOWN,
    "batches": ROLE + STATE + PLAIN_BREAKDOWN,
    "categories": ROLE + STATE + PLAIN_BREAKDOWN,
    "scopes": ROLE + STATE + PLAIN_BREAKDOWN,
    # the reform breakdown, the city breakdown (the columns), then the cells of the page's reforms
    "matrix": ROLE + STATE + COLOURED_BREAKDOWN + COLOURED_BREAKDOWN + 1,
    # completions per month, then the totals
    "trend": ROLE + STATE + 2,
    # the count, then the page (obligations with their reform, unit and period joined)
    "missing-reports": ROLE + STATE + 2,
    # reform rows with colours, their units in order, their long texts, city rows (no colours), the cells, then the
    # participation columns (LEDGER_PARTICIPATION)
    "ledger-xlsx": ROLE + STATE + COLOURED_BREAKDOWN + 1 + 1 + PLAIN_BREAKDOWN + 1 + LEDGER_PARTICIPATION,
    "ledger-csv": ROLE + STATE + COLOURED_BREAKDOWN + 1 + 1 + PLAIN_BREAKDOWN + 1 + LEDGER_PARTICIPATION,
}


def build(count: int):
    """`count` reforms, each with its own batch, a lead and a co-unit, two cities, two periods, the lead's approved
    report for the first and its missing report for the second."""
    for index in range(count):
        batch = BatchFactory()
        reform = ReformFactory(batch=batch)
        unit, co_unit = UnitFactory(), UnitFactory()
        ResponsibilityFactory(reform=reform, unit=unit, role=ResponsibilityRole.LEAD, position=1)
        ResponsibilityFactory(reform=reform, unit=co_unit, role=ResponsibilityRole.CO, position=2)
        RolloutTargetFactory(
            reform=reform,
            city=make_city(f"37{2 * index:04d}", f"城市{2 * index}"),
            status=TargetStatus.DONE,
            status_changed_on=datetime.date(2026, 10, 1),
        )
        RolloutTargetFactory(reform=reform, city=make_city(f"37{2 * index + 1:04d}", f"城市{2 * index + 1}"))
        period = ReportingPeriodFactory(
            batch=batch,
            code="2026-09",
            starts_on=datetime.date(2026, 9, 1),
            ends_on=datetime.date(2026, 9, 30),
            due_on=datetime.date(2026, 10, 10),
        )
        make_report_row(reform, unit, period, ReportState.APPROVED, stamp(10, 9))
        # The lead's missing report (issue 12: only the lead owes reports; the co-unit owes a contribution).
        ReportingPeriodFactory(
            batch=batch,
            code="2026-10",
            starts_on=datetime.date(2026, 10, 1),
            ends_on=datetime.date(2026, 10, 31),
            due_on=datetime.date(2026, 11, 10),
        )
        ColourSnapshotFactory(kind=SubjectKind.UNIT, object_id=unit.pk, colour=StatusColour.RED)
    StatusOverrideFactory(reform=reform)
    StatusOverrideFactory(unit=unit)
    derive_obligations()
    stats_refresh()
    return reform


def fresh_client(user) -> APIClient:
    # A new user object: the role checks cache their answer on it, and each request must pay for them.
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(pk=user.pk))
    return client


@pytest.mark.parametrize("count", [1, 50])
@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_endpoint_runs_a_fixed_number_of_queries(name, count, office, frozen, django_assert_num_queries):
    build(count)
    client = fresh_client(office)

    with django_assert_num_queries(EXPECTED[name]):
        response = client.get(reverse(f"stats-api:{name}"))

    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 50])
def test_filters_add_one_query_per_object_they_name_whatever_the_data(count, office, frozen, django_assert_num_queries):
    reform = build(count)
    client = fresh_client(office)
    params = {
        "batch": reform.batch.code,  # +1: the batch looked up by code
        "unit": reform.responsibilities.first().unit.name,  # +1
        "city": reform.targets.first().city.code,  # +1
        "category": reform.category,
        "scope": reform.scope,
        "period": "2026-09",
        "date_from": "2026-01-01",
        "date_to": "2026-12-31",
    }

    with django_assert_num_queries(EXPECTED["reforms"] + 3):
        response = client.get(reverse("stats-api:reforms"), params)

    assert response.status_code == 200
    assert response.json()["count"] == 1


@pytest.mark.parametrize("count", [1, 50])
def test_a_unit_reporter_pays_no_more_role_checks_than_the_office(count, frozen, django_assert_num_queries):
    from units.tests.factories import make_unit_user

    reform = build(count)
    user = make_unit_user(reform.responsibilities.first().unit)
    client = fresh_client(user)

    # is_office, is_consumer and unit_ids_of read the groups and memberships in the one role query (before issue 11
    # they cost two queries more than the office's).
    with django_assert_num_queries(EXPECTED["reforms"]):
        response = client.get(reverse("stats-api:reforms"))

    assert response.json()["count"] == 1


@pytest.mark.parametrize("count", [1, 50])
def test_the_dashboard_runs_a_fixed_number_of_queries(count, client, office, frozen, django_assert_num_queries):
    build(count)
    client.force_login(office)

    # session, user with its roles (one query, core.authentication.ModelBackend); the filter choices (batches, units,
    # cities, periods); the rollup state; reform rows with colours (5), city rows with colours (5), unit rows with
    # colours (5); the heatmap's cells; the missing reports (page, count); the trend (3: the first batch's issue
    # date, where it starts, then 2); the overview (4: reforms, target counts, target cities, report totals) and its
    # colour counts (2).
    with django_assert_num_queries(2 + 4 + 1 + 5 + 5 + 5 + 1 + 2 + 3 + 4 + 2):
        response = client.get(reverse("stats:dashboard"))

    assert response.status_code == 200


# --- answers cached per (query, scope, generation of the figures) ---------------------------------------------------


@pytest.mark.parametrize("name", ["overview", "reforms", "matrix", "trend", "missing-reports"])
def test_the_same_question_again_costs_the_role_check_only(name, office, frozen, django_assert_num_queries):
    build(2)
    url = reverse(f"stats-api:{name}")
    first = fresh_client(office).get(url)
    client = fresh_client(office)

    # Not even the rollup's state (before the fourth step of issue 11 it was read for the key): the key holds the
    # generation, from the cache.
    with django_assert_num_queries(ROLE):
        again = client.get(url)

    assert again.status_code == 200
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]


def test_if_none_match_with_the_etag_answers_304_without_a_body(office, frozen):
    build(1)
    url = reverse("stats-api:overview")
    first = fresh_client(office).get(url)

    revalidated = fresh_client(office).get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert revalidated.status_code == 304
    assert revalidated.content == b""
    assert revalidated["ETag"] == first["ETag"]
    assert first["Cache-Control"] == "private, no-cache"


def test_a_refresh_of_the_rollup_makes_a_new_answer(
    office, frozen, time_machine, django_assert_num_queries, django_capture_on_commit_callbacks
):
    build(1)
    url = reverse("stats-api:overview")
    first = fresh_client(office).get(url)
    time_machine.move_to(frozen + datetime.timedelta(minutes=1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):  # the refresh moves the generation once it commits
        stats_refresh()
    client = fresh_client(office)

    with django_assert_num_queries(EXPECTED["overview"]):
        second = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    assert second.json()["as_of"] != first.json()["as_of"]


def test_a_units_staff_never_get_the_answer_cached_for_the_office(office, frozen):
    from units.tests.factories import make_unit_user

    reform = build(3)
    user = make_unit_user(reform.responsibilities.first().unit)
    url = reverse("stats-api:reforms")
    office_answer = fresh_client(office).get(url)

    staff_answer = fresh_client(user).get(url)

    assert office_answer.json()["count"] == 3
    assert staff_answer.json()["count"] == 1
    assert staff_answer["ETag"] != office_answer["ETag"]


def test_other_query_parameters_are_other_answers(office, frozen):
    build(3)
    url = reverse("stats-api:reforms")

    whole = fresh_client(office).get(url)
    paged = fresh_client(office).get(url, {"page_size": 1})

    assert len(whole.json()["results"]) == 3
    assert len(paged.json()["results"]) == 1
    assert whole["ETag"] != paged["ETag"]
