"""The contributions API: filing with version checks, who sees what (404 outside scope), the lead's view of a
report, evidence files, and the query count of every list."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reforms.choices import ResponsibilityRole
from reforms.tests.factories import ResponsibilityFactory
from tracker import services as report_services
from tracker.reminders.tests.factories import ReportingRuleFactory
from tracker.tests import samples
from tracker.tests.factories import ReportingPeriodFactory, make_reform_for
from units.tests.factories import MembershipFactory, UnitFactory, UserFactory

from .. import services

pytestmark = pytest.mark.django_db

LIST = reverse("contributions-api:contribution-list")


def detail(contribution, name: str = "detail") -> str:
    return reverse(f"contributions-api:contribution-{name}", args=[contribution.pk])


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


# --- filing -------------------------------------------------------------------------------------------------------


def test_a_co_unit_files_edits_and_submits_with_version_checks(client_for, other_reporter, reform, period, batch):
    ReportingRuleFactory(batch=batch, contribution_lead_days=3)
    client = client_for(other_reporter)

    created = client.post(LIST, {"reform": reform.pk, "period": period.pk, "work_done": "已对接"}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["state"], body["state_display"], body["due_on"]) == ("draft", "草稿", "2026-12-02")
    assert created["ETag"] == '"1"'
    url = f"{LIST}{body['id']}/"

    assert client.patch(url, {"problems": "缺数据"}, format="json").status_code == 428
    edited = client.patch(url, {"problems": "缺数据"}, format="json", HTTP_IF_MATCH='"1"')
    assert edited.status_code == 200, edited.json()
    stale = client.patch(url, {"problems": "旧"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"

    submitted = client.post(f"{url}submit/", HTTP_IF_MATCH='"2"')
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["state"] == "submitted"
    frozen = client.patch(url, {"problems": "再改"}, format="json", HTTP_IF_MATCH='"3"')
    assert frozen.status_code == 409
    withdrawn = client.post(f"{url}withdraw/")
    assert withdrawn.json()["state"] == "draft"


def test_bad_input_answers_400_in_chinese_and_stores_nothing(client_for, other_reporter, reform, period):
    client = client_for(other_reporter)

    long = client.post(LIST, {"reform": reform.pk, "period": period.pk, "work_done": "字" * 5001}, format="json")
    unknown = client.post(LIST, {"reform": 999999, "period": period.pk}, format="json")
    other_batch = client.post(LIST, {"reform": reform.pk, "period": ReportingPeriodFactory().pk}, format="json")

    assert (long.status_code, unknown.status_code, other_batch.status_code) == (400, 400, 400)
    assert "period" in other_batch.json()["errors"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in other_batch.json()["detail"])
    assert client.get(LIST).json()["count"] == 0


def test_the_lead_unit_reads_but_cannot_change_a_contribution(client_for, reporter, make_contribution):
    contribution = make_contribution(submitted=True)
    client = client_for(reporter)

    assert client.get(detail(contribution)).status_code == 200
    assert client.post(detail(contribution, "withdraw")).status_code == 403


def test_the_office_reads_every_contribution_and_changes_none(client_for, office, make_contribution):
    draft = make_contribution()

    assert client_for(office).get(detail(draft)).status_code == 200
    assert client_for(office).post(detail(draft, "submit")).status_code == 403


# --- scope --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "draft", "submitted"),
    [
        ("other_reporter", 200, 200),  # the co-unit: its own, in every state
        ("reporter", 404, 200),  # the lead unit: submitted contributions on its reforms
        ("manager", 404, 200),
        ("office", 200, 200),  # everything
        ("consumer", 404, 404),  # none: working material inside the government
        ("outsider", 404, 404),  # a unit with no part in the reform
    ],
)
def test_who_sees_which_contribution(request, client_for, make_contribution, reform, period, persona, draft, submitted):
    in_draft = make_contribution()
    other_period = ReportingPeriodFactory(batch=reform.batch)
    done = make_contribution(period=other_period, submitted=True)
    client = client_for(request.getfixturevalue(persona))

    assert client.get(detail(in_draft)).status_code == draft
    assert client.get(detail(done)).status_code == submitted
    listed = ids(client.get(LIST))
    assert listed == {c.pk for c, code in ((in_draft, draft), (done, submitted)) if code == 200}


def test_another_co_unit_does_not_see_its_peers_contribution(client_for, make_contribution, reform):
    peer_unit = UnitFactory(name="省测试丁厅")
    ResponsibilityFactory(reform=reform, unit=peer_unit, role=ResponsibilityRole.CO, position=2)
    peer = UserFactory(username="peer")
    MembershipFactory(user=peer, unit=peer_unit)
    contribution = make_contribution(submitted=True)

    assert client_for(peer).get(detail(contribution)).status_code == 404


def test_filters_narrow_the_list(client_for, office, make_contribution, reform, unit_b):
    first = make_contribution(submitted=True)
    second = make_contribution(period=ReportingPeriodFactory(batch=reform.batch))
    client = client_for(office)

    def listed(**params):
        response = client.get(LIST, params)
        assert response.status_code == 200, response.json()
        return ids(response)

    assert listed(state="submitted") == {first.pk}
    assert listed(unit_id=unit_b.pk) == listed(unit=unit_b.name) == {first.pk, second.pk}
    assert listed(reform=reform.code) == listed(reform_id=reform.pk) == {first.pk, second.pk}
    assert listed(period_id=second.period_id) == {second.pk}
    assert listed(q="数据共享") == {first.pk, second.pk}
    assert client.get(LIST, {"unit_id": "abc"}).status_code == 400


# --- the lead's view of its report --------------------------------------------------------------------------------


def test_the_lead_sees_on_its_report_what_came_in_and_who_is_missing(
    client_for, reporter, reform, period, make_contribution, unit_b
):
    late_unit = UnitFactory(name="省测试戊厅")
    ResponsibilityFactory(reform=reform, unit=late_unit, role=ResponsibilityRole.CO, position=2)
    contribution = make_contribution(submitted=True)
    report = report_services.report_create(user=reporter, reform=reform, period=period)
    url = reverse("contributions-api:report-contributions", args=[report.pk])

    response = client_for(reporter).get(url)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert [c["id"] for c in body["contributions"]] == [contribution.pk]
    assert [u["name"] for u in body["missing"]] == ["省测试戊厅"]
    assert body["due_on"] == "2026-12-07"


def test_a_report_outside_ones_scope_answers_404(client_for, other_reporter, consumer, reporter, reform, period):
    report = report_services.report_create(user=reporter, reform=reform, period=period)
    url = reverse("contributions-api:report-contributions", args=[report.pk])

    assert client_for(other_reporter).get(url).status_code == 404
    assert client_for(consumer).get(url).status_code == 404


# --- evidence files -----------------------------------------------------------------------------------------------


def test_a_co_unit_uploads_evidence_the_lead_downloads_it(client_for, other_reporter, reporter, make_contribution):
    contribution = make_contribution()
    files = reverse("contributions-api:contribution-attachment-list", args=[contribution.pk])

    refused = client_for(other_reporter).post(files, {"file": samples.upload("x.pdf", samples.png())})
    uploaded = client_for(other_reporter).post(files, {"file": samples.upload("证明.pdf", samples.pdf())})
    assert refused.status_code == 400
    assert uploaded.status_code == 201, uploaded.json()
    assert client_for(reporter).get(files).status_code == 404  # a draft: not the lead's yet

    services.contribution_submit(contribution=contribution, user=other_reporter)
    download = client_for(reporter).get(uploaded.json()["download_url"])

    assert download.status_code == 200
    assert b"".join(download.streaming_content) == samples.pdf()
    assert client_for(reporter).delete(f"{files}{uploaded.json()['id']}/").status_code == 403


# --- query counts -------------------------------------------------------------------------------------------------


def _count_queries(client_for, user, url) -> int:
    # A fresh user object, as each request has: roles cached on the fixture's object must not count.
    client = client_for(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.json()
    return len(queries)


def _contributions(count: int, *, lead_unit) -> None:
    period = ReportingPeriodFactory()
    ReportingRuleFactory(batch=period.batch, contribution_lead_days=2)
    for _ in range(count):
        unit = UnitFactory()
        user = UserFactory()
        MembershipFactory(user=user, unit=unit)
        reform = make_reform_for(lead_unit, batch=period.batch)
        ResponsibilityFactory(reform=reform, unit=unit, role=ResponsibilityRole.CO, position=1)
        contribution = services.contribution_create(user=user, reform=reform, period=period, data={"work_done": "x"})
        services.contribution_attachment_add(
            contribution=contribution, user=user, file=samples.upload("a.pdf", samples.pdf())
        )
        services.contribution_submit(contribution=contribution, user=user)


@pytest.mark.parametrize("rows", [1, 50])
def test_the_office_list_costs_the_same_queries_for_1_and_50_rows(client_for, office, unit_a, rows):
    _contributions(rows, lead_unit=unit_a)

    # 1 is_office, 2 COUNT, 3 contributions joined with reform, unit, period, batch, rule, author, 4 their files
    # with the uploader, 5 the office's calendar overrides of the year the due dates fall in.
    assert _count_queries(client_for, office, LIST) == 5


@pytest.mark.parametrize("rows", [1, 50])
def test_the_lead_units_list_costs_the_same_queries_for_1_and_50_rows(client_for, reporter, unit_a, rows):
    _contributions(rows, lead_unit=unit_a)

    # 1 the user's roles (load_roles), 2 COUNT, 3 contributions (the lead scope an EXISTS in the
    # same query), 4 files, 5 calendar overrides.
    assert _count_queries(client_for, reporter, LIST) == 5


@pytest.mark.parametrize("rows", [1, 20])
def test_the_reports_contributions_cost_the_same_queries_for_1_and_20_co_units(
    client_for, reporter, reform, period, rows
):
    ReportingRuleFactory(batch=reform.batch, contribution_lead_days=2)
    for n in range(rows):
        unit = UnitFactory(name=f"配合单位{n}")
        user = UserFactory()
        MembershipFactory(user=user, unit=unit)
        ResponsibilityFactory(reform=reform, unit=unit, role=ResponsibilityRole.CO, position=n + 2)
        services.contribution_submit(
            contribution=services.contribution_create(user=user, reform=reform, period=period, data={"work_done": "x"}),
            user=user,
        )
    report = report_services.report_create(user=reporter, reform=reform, period=period)
    url = reverse("contributions-api:report-contributions", args=[report.pk])

    # 1 the user's roles (load_roles), 2 the report in scope with its period, batch and
    # rule, 3 contributions, 4 their files, 5 the co-units, 6 calendar overrides.
    assert _count_queries(client_for, reporter, url) == 6


@pytest.mark.parametrize("files", [1, 10])
def test_the_file_list_costs_the_same_queries_for_1_and_10_files(client_for, other_reporter, make_contribution, files):
    contribution = make_contribution()
    for n in range(files):
        services.contribution_attachment_add(
            contribution=contribution, user=other_reporter, file=samples.upload(f"{n}.pdf", samples.pdf())
        )
    url = reverse("contributions-api:contribution-attachment-list", args=[contribution.pk])

    # 1 the user's roles (load_roles), 2 the contribution in scope, 3 COUNT, 4 files with their uploader.
    assert _count_queries(client_for, other_reporter, url) == 4


def test_a_withdrawal_after_the_lead_submitted_answers_409_in_chinese(
    client_for, other_reporter, reporter, reform, period, make_contribution
):
    contribution = make_contribution(submitted=True)
    report = report_services.report_create(user=reporter, reform=reform, period=period, data={"work_done": "汇总"})
    report_services.report_submit(report=report, user=reporter)

    response = client_for(other_reporter).post(detail(contribution, "withdraw"))

    assert response.status_code == 409
    assert response.json()["detail"].startswith("牵头单位已提交本期报告")


def test_late_says_whether_the_co_unit_missed_its_day(client_for, other_reporter, make_contribution, batch):
    ReportingRuleFactory(batch=batch, contribution_lead_days=3)  # due 2026-12-02
    tz = datetime.timezone(datetime.timedelta(hours=8))
    with time_machine.travel(datetime.datetime(2026, 12, 1, 10, tzinfo=tz), tick=False):
        on_time = make_contribution(submitted=True)
    with time_machine.travel(datetime.datetime(2026, 12, 3, 10, tzinfo=tz), tick=False):
        pending = make_contribution(period=ReportingPeriodFactory(batch=batch, due_on=datetime.date(2026, 12, 7)))
        rows = {row["id"]: row for row in client_for(other_reporter).get(LIST).json()["results"]}

    assert (rows[on_time.pk]["due_on"], rows[on_time.pk]["late"]) == ("2026-12-02", False)
    assert (rows[pending.pk]["due_on"], rows[pending.pk]["late"]) == ("2026-12-02", True)
