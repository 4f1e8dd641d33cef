"""The reports list's opt-in cursor (`?cursor=`, tracker.api.pagination): every report once, in the list's order,
at the same query count as a page number, within the user's scope; anything else in the parameter a 400 in Chinese."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tracker import services
from tracker.models import ProgressReport

from .factories import ReportingPeriodFactory
from .test_api_lists import _count_queries, _reports_of_many_units

pytestmark = pytest.mark.django_db

LIST = reverse("tracker-api:report-list")


def _walk(client, url) -> tuple[list[int], list[dict]]:
    seen, bodies = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        bodies.append(body)
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    return seen, bodies


@pytest.fixture
def reports(reporter, other_reporter, reform_a, reform_b):
    """Seven of unit_a's reports, four of them changed in the same microsecond (the id breaks the tie), and two of
    unit_b's, which reporter must never meet."""
    mine = []
    for _ in range(7):
        period = ReportingPeriodFactory(batch=reform_a.batch)
        mine.append(services.report_create(user=reporter, reform=reform_a, period=period).pk)
    for _ in range(2):
        period = ReportingPeriodFactory(batch=reform_b.batch)
        services.report_create(user=other_reporter, reform=reform_b, period=period)
    same = timezone.now() - datetime.timedelta(days=1)
    ProgressReport.objects.filter(pk__in=mine[1:5]).update(updated_at=same)
    return mine


def test_following_next_from_an_empty_cursor_lists_every_report_once_in_the_lists_order(client_for, office, reports):
    client = client_for(office)
    by_page, _ = _walk(client, f"{LIST}?page_size=100")

    by_cursor, bodies = _walk(client, f"{LIST}?cursor=&page_size=2")

    assert by_cursor == by_page and len(by_cursor) == 9
    assert all("cursor=" in body["next"] and "page=" not in body["next"] for body in bodies[:-1])
    assert {(body["count"], body["count_capped"], body["previous"]) for body in bodies} == {(9, False, None)}


def test_a_cursor_walk_stays_in_the_users_scope(client_for, reporter, reports):
    seen, _ = _walk(client_for(reporter), f"{LIST}?cursor=&page_size=3")

    assert sorted(seen) == sorted(reports)


def test_a_cursor_combines_with_filters(client_for, office, reporter, reports):
    unit_id = ProgressReport.objects.get(pk=reports[0]).unit_id

    seen, _ = _walk(client_for(office), f"{LIST}?cursor=&page_size=2&unit_id={unit_id}")

    assert sorted(seen) == sorted(reports)


@pytest.mark.parametrize(
    "query",
    [
        "cursor=abc",
        "cursor=1.2.3",
        "cursor=-1.5",
        "cursor=999999999999999999.1",  # past year 9999
        "cursor=1764000000000000.9223372036854775808",  # past the largest id
        "cursor=１７.1",  # digits, but not ASCII ones
        "cursor=&page=2",
        "cursor=&ordering=id",
    ],
)
def test_anything_but_a_cursor_of_the_list_answers_400_in_chinese(client_for, office, reports, query):
    response = client_for(office).get(f"{LIST}?{query}")

    assert response.status_code == 400
    message = " ".join(response.json()["errors"]["cursor"])
    assert "游标" in message


@pytest.mark.parametrize("rows", [1, 50])
def test_a_cursor_page_costs_the_same_queries_as_a_numbered_one(client_for, office, rows):
    _reports_of_many_units(office, rows + 1)
    first = client_for(office).get(LIST, {"cursor": "", "page_size": 1}).json()

    # 1 roles, 2 COUNT (capped), 3 the page's reports after the cursor with their foreign keys, 4 city lines.
    assert _count_queries(client_for, office, f"{LIST}?cursor=&page_size={rows}") == 4
    assert _count_queries(client_for, office, first["next"]) == 4
