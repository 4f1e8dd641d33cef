"""The reports list builds its rows as plain dicts (tracker.api.report_rows); ReportSerializer documents them.
These tests hold the two to the same bytes: the list as served against the list DRF's own ListModelMixin serializes
through ReportSerializer, for every state and status, for reports with and without city lines, in both shapes (the
lines' counts only, and with ?city_lines=1 the lines too), for every role, in both languages and in two time zones.
A field added, renamed, reordered or formatted differently on either side fails them."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.fields import DateField, DateTimeField
from rest_framework.mixins import ListModelMixin

from core.formats import date_text, datetime_text
from reforms.choices import TargetStatus
from reforms.tests.factories import BatchFactory
from tracker import services
from tracker.api.views import ProgressReportViewSet
from tracker.choices import ReportState
from tracker.cities.tests.factories import make_city_user
from tracker.models import ProgressReport
from tracker.services import CityLineInput
from units.tests.factories import make_consumer_user, make_office_user

from . import samples
from .factories import ReportingPeriodFactory, make_reform_for

pytestmark = pytest.mark.django_db

LIST = "/api/tracker/reports/"
STATES = [ReportState.DRAFT, ReportState.SUBMITTED, ReportState.APPROVED, ReportState.RETURNED]


@pytest.fixture
def world(reporter, other_reporter, unit_a, unit_b):
    """Reports of unit_a in every state × every status, on a reform with two target cities (city lines) and one
    without (none); a few of unit_b's; attachments on some; reviewers with and without a full name."""
    office = make_office_user(username="office_named", first_name="李", last_name="审核")
    plain_office = make_office_user(username="office_plain")
    reporter.first_name, reporter.last_name = "张", "三"
    reporter.save()
    batch = BatchFactory(code="rows-batch")
    with_cities = make_reform_for(unit_a, batch=batch, cities=2)
    without_cities = make_reform_for(unit_a, batch=batch, cities=0)
    of_b = make_reform_for(unit_b, batch=batch, cities=1)
    cities = [target.city for target in with_cities.targets.order_by("city__code")]
    statuses = list(TargetStatus.values)
    n = 0
    for state in STATES:
        for index, status in enumerate(statuses):
            for reform in (with_cities, without_cities):
                n += 1
                period = ReportingPeriodFactory(batch=batch, due_on=datetime.date(2026, 12, n % 28 + 1))
                lines = None
                if reform is with_cities:
                    lines = [
                        CityLineInput(city=cities[0], status=statuses[index], note="已出台实施细则"),
                        CityLineInput(
                            city=cities[1], status=statuses[(index + 1) % 4], note="" if index % 2 else "不适用：无口岸"
                        ),
                    ]
                report = services.report_create(
                    user=reporter,
                    reform=reform,
                    period=period,
                    data={
                        "status": status,
                        "percent": 100 if status == TargetStatus.DONE else 20 * index,
                        "work_done": f"第{n}项",
                        "problems": "无",
                    },
                    city_lines=lines,
                )
                if n % 3 == 0:
                    evidence = samples.upload("佐证.pdf", samples.pdf(), "application/pdf")
                    services.attachment_add(report=report, user=reporter, file=evidence)
                if state == ReportState.DRAFT:
                    continue
                report = services.report_submit(report=report, user=reporter)
                reviewer = office if n % 2 else plain_office
                if state == ReportState.APPROVED:
                    services.report_approve(report=report, user=reviewer, comment="同意")
                elif state == ReportState.RETURNED:
                    services.report_return(report=report, user=reviewer, comment="请补充佐证材料")
    for state in (ReportState.DRAFT, ReportState.APPROVED):
        period = ReportingPeriodFactory(batch=batch)
        report = services.report_create(user=other_reporter, reform=of_b, period=period, data={"work_done": "乙厅进展"})
        if state == ReportState.APPROVED:
            report = services.report_submit(report=report, user=other_reporter)
            services.report_approve(report=report, user=office)
    return {"office": office, "city_staff": make_city_user(cities[0], username="city_staff")}


def _roles(world, reporter, other_reporter):
    return {
        "office": world["office"],
        "consumer": make_consumer_user(username="rows_consumer"),
        "reporter": reporter,
        "other_reporter": other_reporter,
        "city_staff": world["city_staff"],
    }


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
@pytest.mark.parametrize("lines", [{}, {"city_lines": "1"}], ids=["counts", "lines"])
def test_the_fast_rows_are_byte_for_byte_the_serializers_answer(
    world, reporter, other_reporter, client_for, monkeypatch, language, zone, lines
):
    query = {"page_size": 200, **lines}
    served = {}
    for name, user in _roles(world, reporter, other_reporter).items():
        with timezone.override(zone):
            served[name] = client_for(user).get(LIST, query, HTTP_ACCEPT_LANGUAGE=language)
    # The same requests through DRF's own list: ReportSerializer on model instances.
    monkeypatch.setattr(ProgressReportViewSet, "list", ListModelMixin.list)
    for name, user in _roles(world, reporter, other_reporter).items():
        with timezone.override(zone):
            expected = client_for(user).get(LIST, query, HTTP_ACCEPT_LANGUAGE=language)
        assert served[name].status_code == expected.status_code == 200
        listed = [row["id"] for row in served[name].json()["results"]]
        assert set(listed) == set(ProgressReport.objects.restrict(user).values_list("pk", flat=True)), name
        # City staff see their cities' targets, not reports (core.access): their list is empty, and stays so.
        assert bool(listed) == (name != "city_staff"), f"{name}: the comparison would prove nothing"
        assert served[name].content == expected.content, name

    rows = served["office"].json()["results"]
    # The fixture covers what it says (else the byte comparison above could pass on a narrow sample).
    assert {row["state"] for row in rows} == set(ReportState.values)
    assert {row["status"] for row in rows} == set(TargetStatus.values)
    assert {row["city_line_count"] for row in rows} >= {0, 2}
    # Lines in different statuses on one report (counted apart), and reports without lines (all zeros).
    assert {max(row["city_status_counts"].values()) for row in rows} >= {0, 1}
    assert any(sorted(row["city_status_counts"].values()) == [0, 0, 1, 1] for row in rows)
    assert all(list(row["city_status_counts"]) == TargetStatus.values for row in rows)
    if lines:
        assert {len(row["city_lines"]) for row in rows} >= {0, 2}
        assert all(len(row["city_lines"]) == row["city_line_count"] for row in rows)
    else:
        assert not any("city_lines" in row for row in rows)
    assert {row["reviewer"] is None for row in rows} == {True, False}
    assert {row["reviewer"]["full_name"] for row in rows if row["reviewer"]} == {"李 审核", ""}
    assert {row["author"]["full_name"] for row in rows} == {"张 三", ""}
    labels = {row["state_display"] for row in rows}
    assert ("草稿" in labels) == (language == "zh-hans")
    assert all(row["submitted_at"].endswith("Z") == (zone == "UTC") for row in rows if row["submitted_at"])


@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai", "America/St_Johns"])
def test_datetimes_and_dates_are_written_as_drfs_fields_write_them(zone):
    moments = [
        None,
        datetime.datetime(2026, 11, 29, 12, 0, tzinfo=datetime.UTC),
        datetime.datetime(2026, 3, 8, 23, 59, 59, 123456, tzinfo=datetime.UTC),
    ]
    with timezone.override(zone):
        text = datetime_text()
        assert [text(m) for m in moments] == [DateTimeField().to_representation(m) for m in moments]
    dates = [None, datetime.date(2026, 1, 31)]
    assert [date_text(d) for d in dates] == [DateField().to_representation(d) for d in dates]
