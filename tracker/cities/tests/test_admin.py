"""The admin pages: a city files, attaches and submits in one save; the lead unit confirms on the same page;
another city's submission answers 404; a refused save shows the page again with the refusal and stores nothing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reforms.choices import Scope, TargetStatus
from reforms.models import Reform
from tests.helpers import listed
from tracker.reminders.models import ReportingRule
from tracker.reminders.rules import contribution_due_on
from tracker.tests import samples
from tracker.tests.factories import ReportingPeriodFactory, make_reform_for

from .. import services
from ..models import CityEvidence, CitySubmission
from .factories import make_city_user

pytestmark = pytest.mark.django_db

ADD = "/admin/cities/citysubmission/add/"


def change_url(submission) -> str:
    return f"/admin/cities/citysubmission/{submission.pk}/change/"


def inline_management(**extra) -> dict:
    data = {}
    for prefix in ("evidence", "transitions"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(extra)
    return data


def test_a_city_files_attaches_and_submits_in_one_save(client, city_reporter, target_a, period):
    client.force_login(city_reporter)
    assert client.get(ADD).status_code == 200

    response = client.post(
        ADD,
        {
            "target": target_a.pk,
            "period": period.pk,
            "status": TargetStatus.IN_PROGRESS,
            "work_done": "已出台实施细则",
            "problems": "",
            "evidence_file": samples.upload("细则.pdf", samples.pdf()),
            "submit_now": "on",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else None
    submission = CitySubmission.objects.get()
    assert submission.state == "submitted"
    assert submission.revisions.get().data["evidence"][0]["name"] == "细则.pdf"


def test_the_target_choice_names_the_item_by_code_and_title(client, city_reporter, target_a):
    client.force_login(city_reporter)

    choices = dict(client.get(ADD).context["adminform"].form.fields["target"].choices)

    reform = target_a.reform
    assert choices[target_a.pk] == f"{reform.code} {reform.title} · {target_a.city}"


def test_a_refused_file_shows_the_page_again_and_stores_nothing(client, city_reporter, target_a, period):
    client.force_login(city_reporter)

    response = client.post(
        ADD,
        {
            "target": target_a.pk,
            "period": period.pk,
            "status": TargetStatus.IN_PROGRESS,
            "work_done": "已出台实施细则",
            "problems": "",
            "evidence_file": samples.upload("细则.pdf", samples.exe()),
        },
    )

    assert response.status_code == 200
    assert "不接受" in response.content.decode() or "not accepted" in response.content.decode()
    assert not CitySubmission.objects.exists()
    assert not CityEvidence.objects.exists()


def test_another_citys_submission_answers_404(client, city_reporter, other_city_reporter, target_a, make_submission):
    submission = make_submission(city_reporter, target_a)
    client.force_login(other_city_reporter)

    assert client.get(change_url(submission)).status_code == 404
    assert submission.target.reform.code not in client.get("/admin/cities/citysubmission/").content.decode()


def test_the_lead_unit_confirms_on_the_change_page(client, city_reporter, reporter, target_a, make_submission):
    submission = make_submission(city_reporter, target_a, "submitted")
    client.force_login(reporter)

    response = client.post(
        change_url(submission), inline_management(decision="confirm", comment="属实", version=submission.version)
    )

    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.state == "confirmed"
    assert submission.reviewer == reporter


def test_the_office_sees_the_lead_line_column(client, city_reporter, reporter, office, target_a, make_submission):
    make_submission(city_reporter, target_a, "confirmed", reviewer=reporter)
    client.force_login(office)

    page = client.get("/admin/cities/citysubmission/").content.decode()

    assert "牵头单位" in page
    assert target_a.reform.code in page


APPLY = "/admin/cities/cityapplication/add/"


@pytest.fixture
def qualified(reform_a):
    from reforms.choices import Scope

    reform_a.scope = Scope.QUALIFIED_CITIES
    reform_a.save()
    return reform_a


def test_a_city_applies_in_the_admin_and_the_office_rejects_with_a_reason(client, qualified, office):
    from tracker.tests.factories import new_city

    from ..models import CityApplication
    from .factories import make_city_user

    city = new_city()
    applicant = make_city_user(city, username="applicant")
    client.force_login(applicant)
    response = client.post(
        APPLY,
        {
            "reform": qualified.pk,
            "city": city.pk,
            "conditions_met": "已具备",
            "reason": "需要",
            "evidence_file": samples.upload("证明.pdf", samples.pdf()),
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else None
    application = CityApplication.objects.get()
    assert application.evidence.count() == 1

    client.force_login(office)
    url = f"/admin/cities/cityapplication/{application.pk}/change/"
    steps = {"steps-TOTAL_FORMS": "0", "steps-INITIAL_FORMS": "0"}
    refused = client.post(url, {**steps, "decision": "reject", "comment": ""})
    assert refused.status_code == 200
    assert "请说明" in refused.content.decode()
    assert client.post(url, {**steps, "decision": "reject", "comment": "名额已满"}).status_code == 302
    application.refresh_from_db()
    assert application.state == "rejected"

    other = make_city_user(new_city(), username="other_city")
    client.force_login(other)
    assert client.get(url).status_code == 404


def test_city_staff_see_their_citys_items_in_the_reforms_admin_and_no_other(
    admin_client_for, city_reporter, reform_a, reform_b, target_a, unit_b, batch
):
    open_item = make_reform_for(unit_b, batch=batch, cities=0)
    Reform.objects.filter(pk=open_item.pk).update(scope=Scope.QUALIFIED_CITIES)
    client = admin_client_for(city_reporter)

    response = client.get("/admin/reforms/reform/")

    # reform_a targets city_a; the 有条件的市 item is open to it; reform_b targets two other cities.
    assert response.status_code == 200
    assert set(listed(response)) == {reform_a, open_item}
    assert client.get(f"/admin/reforms/reform/{reform_b.pk}/change/").status_code == 404


def test_the_lead_units_add_page_starts_a_citys_line_from_its_confirmed_submission(
    client, city_reporter, reporter, unit_a, reform_a, target_a, target_b, period, make_submission
):
    make_submission(city_reporter, target_a, "confirmed", reviewer=reporter, status=TargetStatus.DONE)
    client.force_login(reporter)

    response = client.get(
        "/admin/tracker/progressreport/add/", {"reform": reform_a.pk, "unit": unit_a.pk, "period": period.pk}
    )

    assert response.status_code == 200
    rows = {
        row["city"]: row["status"]
        for row in (form.initial for form in response.context["inline_admin_formsets"][0].formset.forms)
    }
    # What the page shows is what the save keeps: the confirmed city's word; the other city where it stands.
    assert rows == {target_a.city_id: TargetStatus.DONE, target_b.city_id: target_b.status}


@pytest.mark.parametrize("rows", [1, 10])
def test_the_list_shows_each_submissions_due_date_in_the_same_queries_for_1_and_10_rows(
    client, office, unit_a, batch, rows
):
    # Cities' submissions are due the rule's contribution_lead_days working days before the lead's report.
    ReportingRule.objects.create(batch=batch, kind="monthly", due_day=5, contribution_lead_days=3)
    periods = []
    for _ in range(rows):
        target = make_reform_for(unit_a, batch=batch, cities=1).targets.get()
        periods.append(ReportingPeriodFactory(batch=batch))
        services.city_submission_create(
            user=make_city_user(target.city), target=target, period=periods[-1], data={"work_done": "x"}
        )
    client.force_login(office)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/cities/citysubmission/")

    page = response.content.decode()
    for period in periods:
        due = contribution_due_on(period)
        assert due < period.due_on
        assert f'<td class="field-due">{due.isoformat()}</td>' in page
    # 1 session, 2 user and roles, 3 the count, 4 the count of the whole list, 5 the rows with period, batch and
    # rule, 6 the periods of the filter, 7 the calendar's overrides of the year, once for the page.
    assert len(queries) == 7, [q["sql"][:80] for q in queries]
