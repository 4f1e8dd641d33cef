"""The reports API as a client sees it: scope, versions, read-only fields, errors, filters, query counts."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from reforms.choices import ResponsibilityRole
from reforms.tests.factories import ResponsibilityFactory
from tests.helpers import ids
from tracker import services
from tracker.choices import ReportState
from tracker.models import ProgressReport, ReportRevision, ReportTransition
from units.tests.factories import MembershipFactory, UnitFactory

from .factories import ReportingPeriodFactory

pytestmark = pytest.mark.django_db

LIST = reverse("tracker-api:report-list")


def detail(report) -> str:
    return reverse("tracker-api:report-detail", args=[report.pk])


def act(report, name: str) -> str:
    return reverse(f"tracker-api:report-{name}", args=[report.pk])


# --- creating ------------------------------------------------------------------------------------------------------


def test_a_reporter_creates_a_draft_for_their_unit_and_gets_its_etag(client_for, reporter, unit_a, reform_a, period):
    response = client_for(reporter).post(
        LIST, {"reform": reform_a.pk, "period": period.pk, "percent": 15, "work_done": "起草方案"}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["unit"]["id"] == unit_a.pk
    assert (body["state"], body["percent"], body["version"], body["revision"]) == ("draft", 15, 1, 0)
    assert response["ETag"] == '"1"'
    assert response["Location"].endswith(detail(ProgressReport.objects.get()))
    assert len(body["city_lines"]) == 2
    assert [t["to_state"] for t in body["transitions"]] == ["draft"]


def test_fields_a_client_must_not_set_are_ignored_on_create(
    client_for, reporter, other_reporter, office, reform_a, period
):
    response = client_for(reporter).post(
        LIST,
        {
            "reform": reform_a.pk,
            "period": period.pk,
            "author": other_reporter.pk,
            "state": "approved",
            "reviewer": office.pk,
            "review_comment": "自己批准",
            "version": 99,
            "revision": 7,
            "submitted_at": "2026-01-01T00:00:00Z",
            "created_at": "2020-01-01T00:00:00Z",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    report = ProgressReport.objects.get()
    assert (report.author, report.state, report.reviewer, report.review_comment) == (reporter, "draft", None, "")
    assert (report.version, report.revision, report.submitted_at) == (1, 0, None)
    assert report.created_at.year >= 2026


def test_a_member_of_the_lead_and_a_co_unit_files_for_the_lead_only(
    client_for, reporter, unit_a, unit_b, reform_a, period
):
    # Issue 12: only the lead unit files the report; for a co-unit the answer says to send a contribution.
    unit_c = UnitFactory()
    ResponsibilityFactory(reform=reform_a, unit=unit_c, role=ResponsibilityRole.CO, position=1)
    ResponsibilityFactory(reform=reform_a, unit=unit_b, role=ResponsibilityRole.CO, position=2)
    MembershipFactory(user=reporter, unit=unit_c)
    client = client_for(reporter)

    not_mine = client.post(LIST, {"reform": reform_a.pk, "period": period.pk, "unit": unit_b.pk}, format="json")
    co_unit = client.post(LIST, {"reform": reform_a.pk, "period": period.pk, "unit": unit_c.pk}, format="json")
    without = client.post(LIST, {"reform": reform_a.pk, "period": period.pk}, format="json")

    assert not_mine.status_code == 400 and "unit" in not_mine.json()["errors"]
    assert co_unit.status_code == 400
    assert co_unit.json()["errors"]["unit"] == [
        "配合单位不单独填报进展报告，请通过“配合材料”报送牵头单位，由牵头单位填报进展报告。"
    ]
    assert without.status_code == 201 and without.json()["unit"]["id"] == unit_a.pk
    assert ProgressReport.objects.count() == 1


def test_a_duplicate_report_is_refused_with_a_chinese_message(client_for, reporter, manager, reform_a, period):
    client_for(reporter).post(LIST, {"reform": reform_a.pk, "period": period.pk}, format="json")

    response = client_for(manager).post(LIST, {"reform": reform_a.pk, "period": period.pk}, format="json")

    assert response.status_code == 400
    message = response.json()["errors"]["non_field_errors"][0]
    assert message == "本单位已就该改革事项报送过本期进展报告。"
    assert ProgressReport.objects.count() == 1


def test_a_reform_of_another_unit_reads_as_unknown(client_for, reporter, reform_b, period):
    response = client_for(reporter).post(LIST, {"reform": reform_b.pk, "period": period.pk}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"reform"}
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        # None: an empty body; otherwise merged over a valid reform and period.
        (None, {"reform", "period"}),
        ({"reform": 999999, "period": 999999}, {"reform", "period"}),
        ({"reform": "abc", "period": None}, {"reform", "period"}),
        ({"percent": 101}, {"percent"}),
        ({"percent": -1}, {"percent"}),
        ({"percent": "half"}, {"percent"}),
        ({"status": "finished"}, {"status"}),
        ({"work_done": "进" * 5001}, {"work_done"}),
        ({"city_lines": [{"city": 999999, "status": "done"}]}, {"city_lines"}),
        ({"city_lines": "all"}, {"city_lines"}),
        ({"unit": 999999}, {"unit"}),
    ],
)
def test_bad_input_on_create_answers_400_per_field_and_stores_nothing(
    client_for, reporter, reform_a, period, payload, fields
):
    body = {} if payload is None else {"reform": reform_a.pk, "period": period.pk, **payload}

    response = client_for(reporter).post(LIST, body, format="json")

    assert response.status_code == 400
    assert fields <= set(response.json()["errors"])
    assert not ProgressReport.objects.exists()


def test_field_errors_come_in_chinese_by_default_and_in_english_on_request(client_for, reporter, reform_a, period):
    client = client_for(reporter)
    body = {"reform": reform_a.pk, "period": period.pk, "percent": 101}

    chinese = client.post(LIST, body, format="json")
    english = client.post(LIST, body, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert chinese.json()["errors"]["percent"] == ["请确保该值小于或者等于 100。"]
    assert english.json()["errors"]["percent"] == ["Ensure this value is less than or equal to 100."]


def test_a_body_that_is_not_utf8_answers_400_and_stores_nothing(client_for, reporter, reform_a, period):
    raw = f'{{"reform": {reform_a.pk}, "period": {period.pk}, "work_done": "'.encode() + "进展".encode("gbk") + b'"}'

    response = client_for(reporter).generic("POST", LIST, raw, content_type="application/json; charset=utf-8")

    assert response.status_code == 400
    assert "detail" in response.json()
    assert not ProgressReport.objects.exists()


def test_dates_out_of_range_in_filters_answer_400(client_for, office):
    response = client_for(office).get(LIST, {"submitted_after": "2026-13-45"})

    assert response.status_code == 400
    assert "submitted_after" in response.json()["errors"]


# --- reading and scope --------------------------------------------------------------------------------------------


def test_each_role_lists_exactly_the_reports_in_its_scope(
    client_for, reporter, other_reporter, manager, office, consumer, reform_a, reform_b, make_report
):
    draft_a = make_report(reporter, reform_a)
    approved_b = make_report(other_reporter, reform_b, state=ReportState.APPROVED)
    period_2 = ReportingPeriodFactory(batch=reform_a.batch)
    approved_a = make_report(reporter, reform_a, state=ReportState.APPROVED, period=period_2)

    assert ids(client_for(reporter).get(LIST)) == {draft_a.pk, approved_a.pk}
    assert ids(client_for(manager).get(LIST)) == {draft_a.pk, approved_a.pk}
    assert ids(client_for(other_reporter).get(LIST)) == {approved_b.pk}
    assert ids(client_for(office).get(LIST)) == {draft_a.pk, approved_b.pk, approved_a.pk}
    assert ids(client_for(consumer).get(LIST)) == {approved_b.pk, approved_a.pk}


def test_a_report_outside_ones_scope_answers_404(client_for, reporter, other_reporter, consumer, reform_a, make_report):
    draft = make_report(reporter, reform_a)

    assert client_for(other_reporter).get(detail(draft)).status_code == 404
    assert client_for(consumer).get(detail(draft)).status_code == 404
    assert client_for(other_reporter).get(act(draft, "revisions")).status_code == 404
    assert client_for(reporter).get(detail(draft)).status_code == 200


def test_the_detail_shows_the_history_and_carries_the_etag(client_for, reporter, office, reform_a, make_report):
    report = make_report(reporter, reform_a, state=ReportState.RETURNED)

    response = client_for(reporter).get(detail(report))

    body = response.json()
    assert response["ETag"] == f'"{report.version}"'
    assert [(t["from_state"], t["to_state"]) for t in body["transitions"]] == [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "returned"),
    ]
    assert body["transitions"][-1]["comment"] == "请补充佐证材料"
    assert body["transitions"][-1]["actor"]["username"] == office.username
    assert [r["number"] for r in body["revisions"]] == [1]
    revisions = client_for(reporter).get(act(report, "revisions")).json()
    assert revisions[0]["data"]["work_done"] == "已完成制度文件起草"


# --- updating -----------------------------------------------------------------------------------------------------


def test_an_update_needs_the_version_and_428_says_so(client_for, reporter, reform_a, make_report):
    report = make_report(reporter, reform_a)

    response = client_for(reporter).patch(detail(report), {"percent": 30}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
    assert ProgressReport.objects.get(pk=report.pk).percent == 0


def test_an_update_with_if_match_writes_and_returns_the_new_etag(client_for, reporter, reform_a, make_report):
    report = make_report(reporter, reform_a)
    city = reform_a.targets.first().city

    response = client_for(reporter).patch(
        detail(report),
        {"percent": 30, "city_lines": [{"city": city.pk, "status": "in_progress", "note": "试点中"}]},
        format="json",
        HTTP_IF_MATCH='"1"',
    )

    assert response.status_code == 200, response.json()
    assert response["ETag"] == '"2"'
    fresh = ProgressReport.objects.get(pk=report.pk)
    assert (fresh.percent, fresh.version) == (30, 2)
    assert fresh.city_lines.get(city=city).note == "试点中"


def test_a_version_field_in_the_body_works_like_if_match(client_for, reporter, reform_a, make_report):
    report = make_report(reporter, reform_a)

    ok = client_for(reporter).patch(detail(report), {"percent": 30, "version": 1}, format="json")
    stale = client_for(reporter).patch(detail(report), {"percent": 50, "version": 1}, format="json")

    assert (ok.status_code, stale.status_code) == (200, 412)
    assert ProgressReport.objects.get(pk=report.pk).percent == 30


def test_a_stale_if_match_answers_412_and_changes_nothing(client_for, reporter, manager, reform_a, make_report):
    report = make_report(reporter, reform_a)
    client_for(manager).patch(detail(report), {"percent": 30}, format="json", HTTP_IF_MATCH='"1"')

    response = client_for(reporter).patch(detail(report), {"percent": 80}, format="json", HTTP_IF_MATCH='"1"')

    assert response.status_code == 412
    assert ProgressReport.objects.get(pk=report.pk).percent == 30


def test_a_malformed_if_match_answers_400(client_for, reporter, reform_a, make_report):
    report = make_report(reporter, reform_a)

    response = client_for(reporter).patch(detail(report), {"percent": 30}, format="json", HTTP_IF_MATCH="*")

    assert response.status_code == 400
    assert "If-Match" in response.json()["errors"]


def test_put_needs_every_editable_field(client_for, reporter, reform_a, make_report):
    report = make_report(reporter, reform_a)
    client = client_for(reporter)

    partial = client.put(detail(report), {"percent": 30}, format="json", HTTP_IF_MATCH='"1"')
    full = client.put(
        detail(report),
        {"status": "in_progress", "percent": 30, "work_done": "a", "problems": "", "next_steps": "c"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )

    assert partial.status_code == 400
    assert {"status", "work_done", "problems", "next_steps"} <= set(partial.json()["errors"])
    assert full.status_code == 200


def test_read_only_fields_sent_on_update_change_nothing(client_for, reporter, other_reporter, reform_a, make_report):
    report = make_report(reporter, reform_a)

    response = client_for(reporter).patch(
        detail(report),
        {"percent": 5, "state": "approved", "author": other_reporter.pk, "unit": 12345, "revision": 9, "reform": 1},
        format="json",
        HTTP_IF_MATCH='"1"',
    )

    assert response.status_code == 200
    fresh = ProgressReport.objects.get(pk=report.pk)
    assert (fresh.state, fresh.author, fresh.unit_id, fresh.revision, fresh.reform) == (
        "draft",
        reporter,
        report.unit_id,
        0,
        reform_a,
    )


def test_bad_input_on_update_answers_400_and_writes_nothing(client_for, reporter, reform_a, reform_b, make_report):
    report = make_report(reporter, reform_a)
    foreign_city = reform_b.targets.first().city
    client = client_for(reporter)

    cases = [
        {"percent": 150},
        {"status": "done", "percent": 50},
        {"next_steps": "步" * 5001},
        {"city_lines": [{"city": foreign_city.pk, "status": "done"}]},
        {"city_lines": [{"city": reform_a.targets.first().city_id, "status": "not_applicable"}]},
    ]
    for body in cases:
        response = client.patch(detail(report), body, format="json", HTTP_IF_MATCH='"1"')
        assert response.status_code == 400, body
    fresh = ProgressReport.objects.get(pk=report.pk)
    assert (fresh.version, fresh.percent, fresh.next_steps) == (1, 0, "")
    assert not fresh.city_lines.filter(city=foreign_city).exists()


def test_another_units_reporter_cannot_touch_a_draft(client_for, reporter, other_reporter, reform_a, make_report):
    report = make_report(reporter, reform_a)
    client = client_for(other_reporter)

    assert client.patch(detail(report), {"percent": 9}, format="json", HTTP_IF_MATCH='"1"').status_code == 404
    assert client.post(act(report, "submit")).status_code == 404
    assert ProgressReport.objects.get(pk=report.pk).percent == 0


def test_editing_a_submitted_report_answers_409(client_for, reporter, reform_a, make_report):
    report = make_report(reporter, reform_a, state=ReportState.SUBMITTED)

    response = client_for(reporter).patch(
        detail(report), {"percent": 99}, format="json", HTTP_IF_MATCH=f'"{report.version}"'
    )

    assert response.status_code == 409
    assert ProgressReport.objects.get(pk=report.pk).percent == 0


# --- life cycle ---------------------------------------------------------------------------------------------------


def test_the_whole_life_cycle_through_the_api(client_for, reporter, office, reform_a, period):
    unit_client, office_client = client_for(reporter), client_for(office)
    created = unit_client.post(LIST, {"reform": reform_a.pk, "period": period.pk, "work_done": "方案"}, format="json")
    report = ProgressReport.objects.get(pk=created.json()["id"])

    submitted = unit_client.post(act(report, "submit"), HTTP_IF_MATCH='"1"')
    early_edit = unit_client.patch(detail(report), {"percent": 1}, format="json", HTTP_IF_MATCH='"2"')
    no_comment = office_client.post(act(report, "return"), {}, format="json")
    returned = office_client.post(act(report, "return"), {"comment": "请补充数据"}, format="json")
    edited = unit_client.patch(detail(report), {"percent": 70}, format="json", HTTP_IF_MATCH=returned["ETag"])
    resubmitted = unit_client.post(act(report, "submit"))
    approved = office_client.post(act(report, "approve"), {"comment": "同意"}, format="json")

    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    assert early_edit.status_code == 409
    assert no_comment.status_code == 400 and "comment" in no_comment.json()["errors"]
    assert returned.status_code == 200 and returned.json()["review_comment"] == "请补充数据"
    assert edited.status_code == 200
    assert resubmitted.json()["revision"] == 2
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    assert ReportRevision.objects.filter(report=report).count() == 2
    assert ReportTransition.objects.filter(report=report).count() == 5


def test_a_reporter_cannot_approve_their_own_report(client_for, reporter, manager, reform_a, make_report):
    report = make_report(reporter, reform_a, state=ReportState.SUBMITTED)

    assert client_for(reporter).post(act(report, "approve")).status_code == 403
    assert client_for(manager).post(act(report, "approve")).status_code == 403
    assert ProgressReport.objects.get(pk=report.pk).state == ReportState.SUBMITTED


def test_approving_twice_answers_409_the_second_time(client_for, reporter, office, reform_a, make_report):
    report = make_report(reporter, reform_a, state=ReportState.SUBMITTED)

    first = client_for(office).post(act(report, "approve"))
    second = client_for(office).post(act(report, "approve"))

    assert (first.status_code, second.status_code) == (200, 409)


def test_an_action_with_a_stale_if_match_answers_412(client_for, reporter, reform_a, make_report):
    report = make_report(reporter, reform_a)
    services.report_update(report=report, user=reporter, version=1, data={"percent": 3})

    response = client_for(reporter).post(act(report, "submit"), HTTP_IF_MATCH='"1"')

    assert response.status_code == 412
    assert ProgressReport.objects.get(pk=report.pk).state == ReportState.DRAFT


# --- authentication -----------------------------------------------------------------------------------------------


def test_session_writes_need_the_csrf_token(reporter, reform_a, period):
    client = APIClient(enforce_csrf_checks=True)
    # Signed in the way a browser is (the session cookie), without going through the CSRF-checked login form.
    client.force_login(reporter)

    response = client.post(LIST, {"reform": reform_a.pk, "period": period.pk}, format="json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not ProgressReport.objects.exists()


def test_a_consumer_script_reads_approved_reports_with_its_token(consumer, reporter, reform_a, make_report):
    approved = make_report(reporter, reform_a, state=ReportState.APPROVED)
    token = Token.objects.create(user=consumer)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = client.get(LIST)

    assert response.status_code == 200
    assert ids(response) == {approved.pk}
