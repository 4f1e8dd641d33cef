"""The cities API: scope (another city's submission answers 404), the life cycle with If-Match, evidence, the lead
line and its difference, and the query count of every list."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reforms.choices import TargetStatus
from reforms.tests.factories import RolloutTargetFactory
from tracker import services as tracker_services
from tracker.reminders.models import ReportingRule
from tracker.reminders.rules import contribution_due_on
from tracker.tests import samples
from tracker.tests.factories import ReportingPeriodFactory, make_reform_for, new_city

from .. import services
from ..models import CitySubmission
from .factories import make_city_user

pytestmark = pytest.mark.django_db

S = "/api/cities/submissions/"


def test_a_city_files_and_submits_with_if_match(client_for, city_reporter, target_a, period):
    client = client_for(city_reporter)
    created = client.post(S, {"target": target_a.pk, "period": period.pk, "work_done": "已部署"}, format="json")
    assert created.status_code == 201, created.data
    assert created["ETag"] == '"1"'
    url = f"{S}{created.data['id']}/"

    assert client.patch(url, {"status": "done"}, format="json").status_code == 428
    stale = client.patch(url, {"status": "done"}, format="json", HTTP_IF_MATCH='"7"')
    assert stale.status_code == 412
    assert stale.data["code"] == "precondition_failed"
    changed = client.patch(url, {"status": "done"}, format="json", HTTP_IF_MATCH='"1"')
    assert changed.status_code == 200
    assert changed.data["status_display"] == "已完成"
    submitted = client.post(f"{url}submit/", HTTP_IF_MATCH=changed["ETag"])
    assert submitted.status_code == 200
    assert submitted.data["state"] == "submitted"
    assert client.get(f"{url}revisions/").data[0]["data"]["status"] == "done"


def test_another_citys_submission_answers_404(
    client_for, city_reporter, other_city_reporter, target_a, make_submission
):
    submission = make_submission(city_reporter, target_a, "submitted")
    client = client_for(other_city_reporter)
    url = f"{S}{submission.pk}/"

    assert client.get(url).status_code == 404
    assert client.post(f"{url}submit/").status_code == 404
    assert client.get(f"{url}evidence/").status_code == 404
    assert client.get(S).data["count"] == 0


def test_a_city_cannot_file_on_another_citys_target(client_for, other_city_reporter, target_a, period):
    response = client_for(other_city_reporter).post(S, {"target": target_a.pk, "period": period.pk}, format="json")

    assert response.status_code == 400
    assert "target" in response.data["errors"]
    assert not CitySubmission.objects.exists()


def test_the_lead_unit_sees_submitted_ones_only_and_another_unit_none(
    client_for, city_reporter, reporter, other_reporter, target_a, target_b, make_submission
):
    draft = make_submission(city_reporter, target_a)
    other_city = make_city_user(target_b.city, username="b_city")
    submitted = make_submission(other_city, target_b, "submitted")

    assert [row["id"] for row in client_for(reporter).get(S).data["results"]] == [submitted.pk]
    assert client_for(reporter).get(f"{S}{draft.pk}/").status_code == 404
    assert client_for(other_reporter).get(f"{S}{submitted.pk}/").status_code == 404


def test_the_lead_unit_confirms_and_the_office_sees_the_difference(
    client_for, city_reporter, reporter, office, target_a, reform_a, period, make_submission
):
    submission = make_submission(city_reporter, target_a, "submitted", status=TargetStatus.DONE)
    report = tracker_services.report_create(user=reporter, reform=reform_a, period=period, data={"work_done": "推进"})

    confirmed = client_for(reporter).post(f"{S}{submission.pk}/confirm/", {"comment": "属实"}, format="json")
    assert confirmed.status_code == 200, confirmed.data
    assert confirmed.data["lead_line"]["status"] == "done"
    assert confirmed.data["differs_from_lead"] is False

    # The unit corrects the line: the office sees the city's claim and the unit's word differ.
    report.refresh_from_db()
    line = tracker_services.CityLineInput(city=target_a.city, status=TargetStatus.IN_PROGRESS)
    tracker_services.report_update(report=report, user=reporter, version=report.version, city_lines=[line])
    rows = client_for(office).get(S, {"differs_from_lead": "true"}).data["results"]
    assert [(r["id"], r["status"], r["lead_line"]["status"]) for r in rows] == [(submission.pk, "done", "in_progress")]


def test_a_return_without_a_reason_is_a_chinese_400(client_for, city_reporter, reporter, target_a, make_submission):
    submission = make_submission(city_reporter, target_a, "submitted")

    response = client_for(reporter).post(f"{S}{submission.pk}/return/", {}, format="json")

    assert response.status_code == 400
    assert "comment" in response.data["errors"]
    assert "该字段" in str(response.data["errors"]["comment"]) or "必" in str(response.data["errors"]["comment"])


def test_the_city_cannot_confirm_its_own_submission(client_for, city_reporter, target_a, make_submission):
    submission = make_submission(city_reporter, target_a, "submitted")
    # City staff hold change permission (to edit drafts); the service refuses the review itself.
    assert client_for(city_reporter).post(f"{S}{submission.pk}/confirm/").status_code == 403


def test_evidence_upload_download_and_refusal(client_for, city_reporter, target_a, make_submission):
    submission = make_submission(city_reporter, target_a)
    client = client_for(city_reporter)
    url = f"{S}{submission.pk}/evidence/"

    refused = client.post(url, {"file": samples.upload("病毒.pdf", samples.exe())}, format="multipart")
    assert refused.status_code == 400
    assert "file" in refused.data["errors"]
    stored = client.post(url, {"file": samples.upload("实施方案.pdf", samples.pdf())}, format="multipart")
    assert stored.status_code == 201, stored.data
    download = client.get(stored.data["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert client.delete(f"{url}{stored.data['id']}/").status_code == 204


def _count(client_for, user, url) -> int:
    client = client_for(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.data
    return len(queries)


@pytest.mark.parametrize("rows", [1, 30])
def test_the_submission_list_costs_the_same_queries_for_1_and_30_rows(client_for, office, unit_a, batch, rows):
    city_user = None
    for _ in range(rows):
        reform = make_reform_for(unit_a, batch=batch, cities=1)
        target = reform.targets.get()
        city_user = make_city_user(target.city)
        period = ReportingPeriodFactory(batch=batch)
        services.city_submission_create(user=city_user, target=target, period=period, data={"work_done": "x"})

    # 1 is_office, 2 COUNT, 3 submissions with target, reform, city, period, author, reviewer and the lead line.
    assert _count(client_for, office, S) == 3
    # 1 the user's roles (load_roles), 2 the user's city ids, 3 COUNT, 4 the rows.
    assert _count(client_for, city_user, S) == 4


@pytest.mark.parametrize("rows", [1, 30])
def test_each_submission_says_when_it_is_due_and_whether_it_is_late_in_fixed_queries(
    client_for, office, unit_a, batch, rows
):
    # Cities are due the rule's lead days (working days) before the lead's report: 3 here.
    ReportingRule.objects.create(batch=batch, kind="monthly", due_day=5, contribution_lead_days=3)
    period = ReportingPeriodFactory(
        batch=batch,
        starts_on=datetime.date(2026, 11, 1),
        ends_on=datetime.date(2026, 11, 30),
        due_on=datetime.date(2026, 12, 7),
    )
    due = contribution_due_on(period)
    assert due == datetime.date(2026, 12, 2)  # Monday 7 December less three working days
    for number in range(rows):
        target = make_reform_for(unit_a, batch=batch, cities=1).targets.get()
        submission = services.city_submission_create(
            user=make_city_user(target.city), target=target, period=period, data={"work_done": "x"}
        )
        if number == 0:
            with time_machine.travel(datetime.datetime(2026, 12, 3, 9, tzinfo=datetime.UTC), tick=False):
                services.city_submission_submit(submission=submission, user=submission.author)

    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, tzinfo=datetime.UTC), tick=False):
        # 1 is_office, 2 COUNT, 3 the rows with their period, batch and rule, 4 the calendar's overrides of 2026.
        assert _count(client_for, office, f"{S}?page_size=50") == 4
        rows_seen = client_for(office).get(f"{S}?page_size=50").data["results"]

    assert {row["due_on"] for row in rows_seen} == {"2026-12-02"}
    # Submitted on the 3rd: late. The drafts are not late on the 1st, the day before they are due.
    assert {row["late"] for row in rows_seen if row["state"] == "submitted"} == {True}
    assert {row["late"] for row in rows_seen if row["state"] == "draft"} <= {False}


@pytest.mark.parametrize("rows", [1, 30])
def test_the_target_list_costs_the_same_queries_for_1_and_30_rows(client_for, unit_a, batch, rows):
    city = new_city()
    city_user = make_city_user(city)
    for _ in range(rows):
        RolloutTargetFactory(reform=make_reform_for(unit_a, batch=batch, cities=0), city=city)

    # 1 the user's roles (load_roles), 2 COUNT, 3 targets with reform and city (the user's cities are a subquery of
    # the rule: core.access).
    assert _count(client_for, city_user, "/api/cities/targets/") == 3


@pytest.mark.parametrize("files", [1, 10])
def test_the_evidence_list_costs_the_same_queries_for_1_and_10_files(
    client_for, city_reporter, target_a, make_submission, files
):
    submission = make_submission(city_reporter, target_a)
    for n in range(files):
        services.city_evidence_add(
            submission=submission, user=city_reporter, file=samples.upload(f"{n}.pdf", samples.pdf())
        )

    # 1 the user's roles (load_roles), 2 city ids, 3 the submission in scope, 4 COUNT, 5 files with their uploader.
    assert _count(client_for, city_reporter, f"{S}{submission.pk}/evidence/") == 5


def test_a_city_sees_the_items_that_concern_it(client_for, city_reporter, reform_a, reform_b, unit_b, batch):
    from reforms.choices import Scope

    qualified = make_reform_for(unit_b, batch=batch, cities=0)
    qualified.scope = Scope.QUALIFIED_CITIES
    qualified.save()

    rows = client_for(city_reporter).get("/api/cities/items/").data["results"]

    # reform_a (全省) targets the city; reform_b (全省, other cities) does not concern it; the 有条件的市 item is open.
    assert {(r["id"], r["is_target"], r["open_to_applications"]) for r in rows} == {
        (reform_a.pk, True, False),
        (qualified.pk, False, True),
    }


@pytest.mark.parametrize("rows", [1, 30])
def test_the_item_list_costs_the_same_queries_for_1_and_30_rows(client_for, unit_a, batch, rows):
    city = new_city()
    city_user = make_city_user(city)
    for _ in range(rows):
        RolloutTargetFactory(reform=make_reform_for(unit_a, batch=batch, cities=0), city=city)

    # 1 the user's roles (load_roles), 2 COUNT, 3 the reforms with is_target (the user's cities a subquery).
    assert _count(client_for, city_user, "/api/cities/items/") == 4
