"""What a report write answers (issue 11): RFC 7240 `Prefer: return=minimal`, and a submit or review whose row lock
is also its scope check, answering as the read-then-lock it replaced did (404 outside the scope before any 403)."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from reforms.choices import TargetStatus
from tracker.api.prefer import preferred_return
from tracker.choices import ReportState
from tracker.models import ProgressReport, ReportTransition

from .factories import ReportingPeriodFactory

pytestmark = pytest.mark.django_db

LIST = reverse("tracker-api:report-list")


def act(report, name: str) -> str:
    return reverse(f"tracker-api:report-{name}", args=[report.pk])


# --- Prefer: return=minimal ----------------------------------------------------------------------------------------


def test_a_minimal_create_answers_204_with_the_location_and_etag(client_for, reporter, reform_a, period):
    client = client_for(reporter)
    body = {"reform": reform_a.pk, "period": period.pk, "percent": 15, "work_done": "起草方案"}

    response = client.post(LIST, body, format="json", HTTP_PREFER="return=minimal")

    assert response.status_code == 204
    assert response.content == b""
    assert response["Preference-Applied"] == "return=minimal"
    assert response["ETag"] == '"1"'
    report = ProgressReport.objects.get()
    assert response["Location"] == f"http://testserver{reverse('tracker-api:report-detail', args=[report.pk])}"
    # What was written is what the full answer would have shown.
    shown = client.get(response["Location"]).json()
    assert (shown["percent"], shown["work_done"], shown["version"]) == (15, "起草方案", 1)
    assert [t["to_state"] for t in shown["transitions"]] == [ReportState.DRAFT]


def test_minimal_writes_chain_on_their_etags(client_for, reporter, office, reform_a, period):
    unit, reviewer = client_for(reporter), client_for(office)
    minimal = {"HTTP_PREFER": "return=minimal"}
    created = unit.post(LIST, {"reform": reform_a.pk, "period": period.pk, "work_done": "x"}, format="json", **minimal)
    url = created["Location"]

    edited = unit.patch(url, {"percent": 50}, format="json", HTTP_IF_MATCH=created["ETag"], **minimal)
    submitted = unit.post(url + "submit/", HTTP_IF_MATCH=edited["ETag"], **minimal)
    returned = reviewer.post(url + "return/", {"comment": "请补充"}, HTTP_IF_MATCH=submitted["ETag"], **minimal)
    resubmitted = unit.post(url + "submit/", HTTP_IF_MATCH=returned["ETag"], **minimal)
    approved = reviewer.post(url + "approve/", HTTP_IF_MATCH=resubmitted["ETag"], **minimal)

    answers = [edited, submitted, returned, resubmitted, approved]
    assert [a.status_code for a in answers] == [204] * 5
    assert [a["ETag"] for a in answers] == ['"2"', '"3"', '"4"', '"5"', '"6"']
    assert all(a.content == b"" and a["Preference-Applied"] == "return=minimal" for a in answers)
    report = ProgressReport.objects.get()
    assert (report.state, report.version, report.revision, report.percent) == (ReportState.APPROVED, 6, 2, 50)
    # The audit trail of the report is whole: every transition recorded, the returned reason kept.
    transitions = ReportTransition.objects.filter(report=report).order_by("at", "id")
    assert [(t.from_state, t.to_state) for t in transitions] == [
        ("", ReportState.DRAFT),
        (ReportState.DRAFT, ReportState.SUBMITTED),
        (ReportState.SUBMITTED, ReportState.RETURNED),
        (ReportState.RETURNED, ReportState.SUBMITTED),
        (ReportState.SUBMITTED, ReportState.APPROVED),
    ]
    assert transitions[2].comment == "请补充"


def test_return_representation_is_the_usual_answer_and_says_so(client_for, reporter, reform_a, period):
    client = client_for(reporter)
    body = {"reform": reform_a.pk, "period": period.pk, "work_done": "x"}

    plain = client.post(LIST, body, format="json")
    ReportTransition.objects.all().delete()
    ProgressReport.objects.all().delete()
    asked = client.post(LIST, body, format="json", HTTP_PREFER="return=representation")

    assert (plain.status_code, asked.status_code) == (201, 201)
    assert "Preference-Applied" not in plain
    assert asked["Preference-Applied"] == "return=representation"
    assert set(asked.json()) == set(plain.json())
    assert asked.json()["city_lines"][0]["status"] == TargetStatus.NOT_STARTED


def test_a_refused_minimal_write_answers_its_error_as_always(client_for, reporter, reform_a, period):
    client = client_for(reporter)
    minimal = {"HTTP_PREFER": "return=minimal"}
    created = client.post(LIST, {"reform": reform_a.pk, "period": period.pk}, format="json", **minimal)

    stale = client.post(created["Location"] + "submit/", HTTP_IF_MATCH='"7"', **minimal)
    incomplete = client.post(created["Location"] + "submit/", HTTP_IF_MATCH=created["ETag"], **minimal)

    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    assert "Preference-Applied" not in stale
    assert incomplete.status_code == 400
    assert incomplete.json()["errors"]["work_done"] == ["提交报告前请填写工作进展。"]
    assert ProgressReport.objects.get().state == ReportState.DRAFT


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("return=minimal", "minimal"),
        ("RETURN=Minimal", "minimal"),
        ('return="minimal"', "minimal"),
        ("respond-async, return=minimal; foo=bar", "minimal"),
        ("return=representation, return=minimal", "representation"),  # the first occurrence counts (RFC 7240)
        ("handling=lenient", None),
        ("return=", None),
        ("return=whatever", "whatever"),  # not one the API knows: the usual answer
        ("", None),
    ],
)
def test_the_prefer_header_is_read_as_rfc_7240_says(header, expected):
    request = RequestFactory().post("/", HTTP_PREFER=header)

    assert preferred_return(request) == expected


def test_an_unknown_return_preference_gets_the_usual_answer(client_for, reporter, reform_a, period):
    response = client_for(reporter).post(
        LIST, {"reform": reform_a.pk, "period": period.pk}, format="json", HTTP_PREFER="return=whatever"
    )

    assert response.status_code == 201
    assert "Preference-Applied" not in response
    assert response.json()["version"] == 1


# --- the row lock is the scope check -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["submit", "approve", "return"])
def test_a_write_on_a_report_outside_the_scope_is_unknown(
    client_for, other_reporter, reporter, reform_a, make_report, name
):
    state = ReportState.DRAFT if name == "submit" else ReportState.SUBMITTED
    report = make_report(reporter, reform_a, state=state)

    response = client_for(other_reporter).post(act(report, name), {"comment": "请补充"}, HTTP_IF_MATCH='"1"')

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "未找到。"}
    report.refresh_from_db()
    assert report.state == state


def test_a_write_in_scope_but_not_ones_own_is_refused(client_for, office, reporter, consumer, reform_a, make_report):
    draft = make_report(reporter, reform_a)
    submitted, approved = (
        make_report(reporter, reform_a, state=state, period=ReportingPeriodFactory(batch=reform_a.batch))
        for state in (ReportState.SUBMITTED, ReportState.APPROVED)
    )

    by_office = client_for(office).post(act(draft, "submit"))
    by_reporter = client_for(reporter).post(act(submitted, "approve"))
    by_consumer = client_for(consumer).post(act(approved, "return"), {"comment": "请补充"})
    hidden_from_consumer = client_for(consumer).post(act(submitted, "return"), {"comment": "请补充"})

    assert by_office.status_code == 403
    assert by_office.json()["detail"] == "只有报告所属单位的成员才能修改或提交该报告。"
    assert by_reporter.status_code == 403
    assert by_reporter.json()["detail"] == "只有省推广办才能审核报告。"
    assert by_consumer.status_code == 403  # the model permission, as get_object() answered it
    assert hidden_from_consumer.status_code == 404  # a consumer sees approved reports only
    assert ProgressReport.objects.get(pk=draft.pk).state == ReportState.DRAFT
    assert ProgressReport.objects.get(pk=submitted.pk).state == ReportState.SUBMITTED


def test_a_malformed_if_match_is_refused_in_scope_and_unknown_outside(
    client_for, reporter, other_reporter, reform_a, make_report
):
    report = make_report(reporter, reform_a)

    inside = client_for(reporter).post(act(report, "submit"), HTTP_IF_MATCH='"²"')
    outside = client_for(other_reporter).post(act(report, "submit"), HTTP_IF_MATCH='"²"')

    assert inside.status_code == 400
    assert "If-Match" in inside.json()["errors"]
    assert outside.status_code == 404


@pytest.mark.parametrize("pk", ["abc", "99999999999999999999", "0"])
def test_a_write_on_an_id_that_names_no_report_is_unknown(client_for, reporter, pk):
    response = client_for(reporter).post(f"{LIST}{pk}/submit/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_query_string_on_a_write_is_ignored(client_for, reporter, reform_a, make_report):
    report = make_report(reporter, reform_a)

    response = client_for(reporter).post(act(report, "submit") + "?state=approved&unit_id=999")

    assert response.status_code == 200, response.json()
    assert response.json()["state"] == ReportState.SUBMITTED
