"""The reports API's lists: filters and the query count of every list endpoint."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reforms.choices import TargetStatus
from tests.helpers import ids
from tracker import services
from tracker.choices import ReportState
from tracker.filtersets import ProgressReportFilterSet
from tracker.models import ProgressReport
from tracker.services import CityLineInput
from units.tests.factories import MembershipFactory, UnitFactory, UserFactory

from .factories import ReportingPeriodFactory, make_reform_for

pytestmark = pytest.mark.django_db

LIST = reverse("tracker-api:report-list")


def act(report, name: str) -> str:
    return reverse(f"tracker-api:report-{name}", args=[report.pk])


# --- filters ------------------------------------------------------------------------------------------------------


def test_filters_narrow_the_list_by_id_and_by_readable_key(
    client_for, reporter, other_reporter, office, reform_a, reform_b, make_report
):
    report_a = make_report(reporter, reform_a)
    report_b = make_report(other_reporter, reform_b, state=ReportState.SUBMITTED)
    city_a = reform_a.targets.first().city
    client = client_for(office)

    def listed(**params):
        response = client.get(LIST, params)
        assert response.status_code == 200, response.json()
        return ids(response)

    assert listed(reform_id=reform_a.pk) == listed(reform=reform_a.code) == {report_a.pk}
    assert listed(unit_id=report_b.unit_id) == listed(unit=report_b.unit.name) == {report_b.pk}
    assert listed(city_id=city_a.pk) == listed(city=city_a.code) == {report_a.pk}
    assert listed(period_id=report_a.period_id) == listed(period="2026-11") == {report_a.pk, report_b.pk}
    assert listed(batch_id=reform_a.batch_id) == listed(batch=reform_a.batch.code) == {report_a.pk, report_b.pk}
    assert listed(state="submitted") == {report_b.pk}
    assert listed(state=["draft", "submitted"]) == {report_a.pk, report_b.pk}
    assert listed(q=reform_b.title) == {report_b.pk}
    assert listed(submitted_after="2000-01-01T00:00:00Z") == {report_b.pk}


def test_an_unknown_id_in_a_filter_answers_400(client_for, office):
    response = client_for(office).get(LIST, {"reform_id": 999999})

    assert response.status_code == 400
    assert "reform_id" in response.json()["errors"]


def test_only_a_request_with_a_filter_or_another_unknown_parameter_builds_the_filterset(
    client_for, office, reporter, reform_a, make_report, monkeypatch
):
    make_report(reporter, reform_a)
    built = []
    original = ProgressReportFilterSet.__init__

    def spy(self, *args, **kwargs):
        built.append(True)
        original(self, *args, **kwargs)

    monkeypatch.setattr(ProgressReportFilterSet, "__init__", spy)
    client = client_for(office)

    # core.filters.FilterBackend: no filter parameter, no FilterSet (its form cost milliseconds per page).
    for query in ("", "?page=1&page_size=10&ordering=id", "?cursor=", "?format=json", "?city_lines=1"):
        assert client.get(f"{LIST}{query}").status_code == 200
    assert built == []
    assert client.get(LIST, {"state": "draft"}).status_code == 200
    assert client.get(LIST, {"made_up": "x"}).status_code == 200
    assert len(built) == 2


def test_periods_are_listed_and_filtered_by_batch(client_for, consumer, period):
    other = ReportingPeriodFactory()
    url = reverse("tracker-api:period-list")

    everything = client_for(consumer).get(url)
    mine = client_for(consumer).get(url, {"batch": period.batch.code})

    assert {p["id"] for p in everything.json()["results"]} == {period.pk, other.pk}
    assert [p["code"] for p in mine.json()["results"]] == ["2026-11"]


# --- city lines: counted in the list, listed with ?city_lines=1 and in the detail ----------------------------------


@pytest.fixture
def counted(reporter, unit_a, batch, period):
    """A report with four city lines in three statuses, and one on a reform without target cities (no lines)."""
    reform = make_reform_for(unit_a, batch=batch, cities=4)
    cities = [target.city for target in reform.targets.order_by("city__code")]
    statuses = [TargetStatus.DONE, TargetStatus.IN_PROGRESS, TargetStatus.DONE, TargetStatus.NOT_APPLICABLE]
    lines = [CityLineInput(city=c, status=s, note="无口岸") for c, s in zip(cities, statuses, strict=True)]
    with_lines = services.report_create(user=reporter, reform=reform, period=period, city_lines=lines)
    bare = services.report_create(user=reporter, reform=make_reform_for(unit_a, batch=batch, cities=0), period=period)
    return with_lines, bare


def _rows(response) -> dict[int, dict]:
    assert response.status_code == 200, response.json()
    return {row["id"]: row for row in response.json()["results"]}


def test_the_list_counts_each_reports_city_lines_per_status_without_listing_them(client_for, reporter, counted):
    with_lines, bare = counted

    rows = _rows(client_for(reporter).get(LIST))

    assert rows[with_lines.pk]["city_line_count"] == 4
    assert rows[with_lines.pk]["city_status_counts"] == {
        "not_started": 0,
        "in_progress": 1,
        "done": 2,
        "not_applicable": 1,
    }
    assert rows[bare.pk]["city_line_count"] == 0
    assert rows[bare.pk]["city_status_counts"] == dict.fromkeys(TargetStatus.values, 0)
    # Every status, in TargetStatus's order, as a reform's target_status_counts.
    assert all(list(row["city_status_counts"]) == TargetStatus.values for row in rows.values())
    assert not any("city_lines" in row for row in rows.values())
    assert _rows(client_for(reporter).get(LIST, {"city_lines": "0"})) == rows


@pytest.mark.parametrize("value", ["1", "true"])
def test_with_city_lines_1_the_list_carries_the_lines_as_the_detail_does(client_for, reporter, counted, value):
    with_lines, bare = counted
    client = client_for(reporter)

    rows = _rows(client.get(LIST, {"city_lines": value}))

    for report in (with_lines, bare):
        detail = client.get(reverse("tracker-api:report-detail", args=[report.pk])).json()
        row = rows[report.pk]
        assert row["city_lines"] == detail["city_lines"]
        assert (row["city_line_count"], row["city_status_counts"]) == (
            detail["city_line_count"],
            detail["city_status_counts"],
        )
        # The detail is a superset of a list row.
        assert {key: detail[key] for key in row} == row
    statuses = [line["status"] for line in rows[with_lines.pk]["city_lines"]]
    assert statuses == ["done", "in_progress", "done", "not_applicable"]
    assert rows[bare.pk]["city_lines"] == []


@pytest.mark.parametrize("value", ["bogus", "2", "yes"])
def test_a_city_lines_value_neither_true_nor_false_answers_400_in_chinese(client_for, reporter, counted, value):
    client = client_for(reporter)

    chinese = client.get(LIST, {"city_lines": value})
    english = client.get(LIST, {"city_lines": value}, HTTP_ACCEPT_LANGUAGE="en")

    assert chinese.status_code == english.status_code == 400
    assert chinese.json()["errors"] == {"city_lines": ["请填写 1 或 0。"]}
    assert english.json()["errors"] == {"city_lines": ["Use 1 or 0."]}


# --- query counts -------------------------------------------------------------------------------------------------


def _count_queries(client_for, user, url) -> int:
    # A fresh user object, as each request has: roles cached on the fixture's object by the setup must not count.
    client = client_for(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _reports_of_many_units(office, count: int) -> None:
    batch_period = ReportingPeriodFactory()
    for _ in range(count):
        unit = UnitFactory()
        user = UserFactory()
        MembershipFactory(user=user, unit=unit)
        reform = make_reform_for(unit, batch=batch_period.batch)
        report = services.report_create(user=user, reform=reform, period=batch_period, data={"work_done": "x"})
        services.report_submit(report=report, user=user)


@pytest.mark.parametrize("query", ["", "?city_lines=1"])
@pytest.mark.parametrize("rows", [1, 50])
def test_the_report_list_costs_the_same_queries_for_1_and_50_rows(client_for, office, rows, query):
    _reports_of_many_units(office, rows)

    # 1 is_office (groups of the user), 2 COUNT of at most 10,001 rows (tracker.api.pagination), 3 reports joined
    # with reform, unit, period, author, reviewer, 4 their city lines counted per report and status, or with
    # ?city_lines=1 the lines joined with their city (the counts taken from them).
    assert _count_queries(client_for, office, LIST + query) == 4


@pytest.mark.parametrize("query", ["", "?city_lines=1"])
@pytest.mark.parametrize("rows", [1, 50])
def test_the_report_list_of_a_reporter_costs_the_same_queries_for_1_and_50_rows(
    client_for, reporter, reform_a, rows, query
):
    for _ in range(rows):
        period = ReportingPeriodFactory(batch=reform_a.batch)
        services.report_create(user=reporter, reform=reform_a, period=period)

    # 1 the user's roles (groups, unit ids, permissions: one query, core.access.load_roles), 2 COUNT (capped),
    # 3 reports with their foreign keys, 4 city lines counted (or, with ?city_lines=1, read).
    assert _count_queries(client_for, reporter, LIST + query) == 4


@pytest.mark.parametrize("rows", [1, 50])
def test_the_period_list_costs_the_same_queries_for_1_and_50_rows(client_for, consumer, rows):
    ReportingPeriodFactory.create_batch(rows)

    # 1 COUNT, 2 periods joined with their batch.
    assert _count_queries(client_for, consumer, reverse("tracker-api:period-list")) == 2


@pytest.mark.parametrize("revisions", [1, 5])
def test_the_revision_list_costs_the_same_queries_for_1_and_5_revisions(
    client_for, reporter, office, reform_a, make_report, revisions
):
    report = make_report(reporter, reform_a, state=ReportState.SUBMITTED)
    for _ in range(revisions - 1):
        report = services.report_return(report=report, user=office, comment="再改")
        report = services.report_submit(report=report, user=reporter)

    # 1 is_office, 2 the report in scope, 3 revisions joined with their author.
    assert _count_queries(client_for, office, act(report, "revisions")) == 3


# --- the capped count ---------------------------------------------------------------------------------------------


def test_past_the_count_limit_the_count_stops_and_next_still_leads_to_every_report(
    client_for, reporter, reform_a, monkeypatch
):
    monkeypatch.setattr("tracker.api.pagination.COUNT_LIMIT", 3)
    created = set()
    for _ in range(5):
        period = ReportingPeriodFactory(batch=reform_a.batch)
        created.add(services.report_create(user=reporter, reform=reform_a, period=period).pk)
    client = client_for(reporter)

    seen, url, pages = set(), f"{LIST}?page_size=2", []
    while url:
        body = client.get(url).json()
        pages.append((body["count"], body["count_capped"]))
        seen |= {row["id"] for row in body["results"]}
        url = body["next"]

    assert seen == created
    assert pages == [(3, True)] * 3
    assert client.get(LIST, {"page_size": 2, "page": 4}).status_code == 404


def test_under_the_count_limit_the_count_is_exact(client_for, reporter, reform_a):
    for _ in range(3):
        period = ReportingPeriodFactory(batch=reform_a.batch)
        services.report_create(user=reporter, reform=reform_a, period=period)

    body = client_for(reporter).get(LIST, {"page_size": 2}).json()

    assert (body["count"], body["count_capped"], len(body["results"])) == (3, False, 2)
    assert body["next"] is not None


@pytest.mark.parametrize("params", [{}, {"cursor": ""}, {"state": "draft"}])
def test_the_count_reads_the_reports_alone_not_the_pages_joined_columns(
    client_for, office, reporter, reform_a, make_report, params
):
    make_report(reporter, reform_a)
    client = client_for(office)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, params)

    assert response.status_code == 200 and response.json()["count"] == 1
    counts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    # The office sees every report: the count needs no join at all (an index-only scan at a million reports).
    assert len(counts) == 1 and "JOIN" not in counts[0], counts


# --- pages past the first: the deferred join -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "order"),
    [
        ({}, ("-updated_at", "-id")),
        ({"ordering": "id"}, ("id",)),
        ({"ordering": "-id"}, ("-id",)),
        ({"state": "draft"}, ("-updated_at", "-id")),
    ],
)
def test_every_page_holds_the_rows_of_the_list_in_order(client_for, office, reporter, reform_a, params, order):
    moment = timezone.now()
    for n in range(7):
        period = ReportingPeriodFactory(batch=reform_a.batch)
        # Three reports share an instant: ties are where a page boundary could lose or repeat a row.
        services.report_create(user=reporter, reform=reform_a, period=period, at=moment if n < 3 else None)
    expected = list(ProgressReport.objects.filter(state="draft").order_by(*order).values_list("pk", flat=True))
    client = client_for(office)

    pages = [client.get(LIST, {**params, "page_size": 2, "page": n}).json() for n in range(1, 5)]

    assert [row["id"] for page in pages for row in page["results"]] == expected
    assert [page["next"] is not None for page in pages] == [True, True, True, False]


def test_a_later_page_joins_only_its_own_rows(client_for, office, reporter, reform_a):
    for _ in range(3):
        services.report_create(user=reporter, reform=reform_a, period=ReportingPeriodFactory(batch=reform_a.batch))

    with CaptureQueriesContext(connection) as queries:
        response = client_for(office).get(LIST, {"page_size": 2, "page": 2})

    assert response.status_code == 200 and len(response.json()["results"]) == 1
    page = next(q["sql"] for q in queries.captured_queries if '"reforms_reform"."code"' in q["sql"])
    # The rows skipped are chosen in a subquery over the reports alone; the outer query joins the page's rows only.
    inner = page[page.index("IN (SELECT") :]
    assert "OFFSET 2" in inner and "JOIN" not in inner.split(")")[0], page
