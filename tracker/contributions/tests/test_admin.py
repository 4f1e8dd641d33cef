"""The contributions admin: the co-unit files through the services, the lead reads, the office lists with filters,
404 outside scope, and the inline that shows the contributions on the lead's report page."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tracker import services as report_services
from tracker.models import ProgressReport
from tracker.tests import samples
from tracker.tests.factories import ReportingPeriodFactory
from tracker.tests.test_admin import form_values

from .. import services
from ..admin import ReportContributionsInline
from ..choices import ContributionState
from ..models import Contribution
from .test_api import _contributions

pytestmark = pytest.mark.django_db

ADD = reverse("admin:contributions_contribution_add")
LIST = reverse("admin:contributions_contribution_changelist")


def change_url(contribution) -> str:
    return reverse("admin:contributions_contribution_change", args=[contribution.pk])


def file_url(contribution) -> str:
    attachment = contribution.attachments.get()
    return reverse("admin:contributions_contribution_file", args=[contribution.pk, attachment.pk])


def signed_in(client, user):
    client.force_login(user)
    return client


def stored_files() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_a_co_unit_files_a_contribution_with_evidence_in_one_post(client, other_reporter, reform, period, unit_b):
    client = signed_in(client, other_reporter)
    upload = SimpleUploadedFile("会议纪要.pdf", samples.pdf(), content_type="application/pdf")

    response = client.post(
        ADD, {"reform": reform.pk, "period": period.pk, "work_done": "配合完成", "problems": "", "new_file": upload}
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    contribution = Contribution.objects.get()
    assert (contribution.unit, contribution.state, contribution.work_done) == (unit_b, "draft", "配合完成")
    assert contribution.attachments.get().original_name == "会议纪要.pdf"


def test_a_disguised_file_is_refused_on_the_form_and_nothing_is_stored(client, other_reporter, reform, period):
    client = signed_in(client, other_reporter)
    upload = SimpleUploadedFile("假的.pdf", samples.png(), content_type="application/pdf")

    response = client.post(ADD, {"reform": reform.pk, "period": period.pk, "work_done": "配合", "new_file": upload})

    assert response.status_code == 200
    assert "文件" in response.content.decode()
    assert not Contribution.objects.exists()
    assert stored_files() == []


def test_a_stale_page_is_refused_and_changes_nothing(client, other_reporter, make_contribution):
    contribution = make_contribution()
    client = signed_in(client, other_reporter)
    data = form_values(client.get(change_url(contribution)), "contribution_form")
    services.contribution_update(contribution=contribution, user=other_reporter, version=1, data={"problems": "先"})
    data["problems"] = "后"

    response = client.post(change_url(contribution), data)

    assert response.status_code == 200
    contribution.refresh_from_db()
    assert contribution.problems == "先"


def test_the_submit_action_hands_drafts_to_the_lead(client, other_reporter, make_contribution):
    contribution = make_contribution()

    signed_in(client, other_reporter).post(
        LIST, {"action": "submit_contributions", admin.helpers.ACTION_CHECKBOX_NAME: [contribution.pk]}
    )

    contribution.refresh_from_db()
    assert contribution.state == ContributionState.SUBMITTED


def test_the_lead_reads_a_submitted_contribution_and_its_files_but_never_a_draft(
    client, reporter, other_reporter, make_contribution
):
    contribution = make_contribution()
    services.contribution_attachment_add(
        contribution=contribution, user=other_reporter, file=samples.upload("证明.pdf", samples.pdf())
    )
    client = signed_in(client, reporter)
    assert client.get(change_url(contribution)).status_code == 404
    assert client.get(file_url(contribution)).status_code == 404

    services.contribution_submit(contribution=contribution, user=other_reporter)
    page = client.get(change_url(contribution))
    download = client.get(file_url(contribution))

    assert page.status_code == 200
    assert 'name="work_done"' not in page.content.decode()  # read-only
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == samples.pdf()


def test_an_outsider_gets_404(client, outsider, make_contribution):
    contribution = make_contribution(submitted=True)

    assert signed_in(client, outsider).get(change_url(contribution)).status_code == 404


def test_the_office_lists_who_contributed_what_and_filters(client, office, make_contribution, reform, unit_b):
    submitted = make_contribution(submitted=True)
    draft = make_contribution(period=ReportingPeriodFactory(batch=reform.batch))
    client = signed_in(client, office)

    everything = client.get(LIST)
    only_submitted = client.get(LIST, {"state__exact": "submitted"})
    by_unit = client.get(LIST, {"unit__id__exact": unit_b.pk})

    assert set(everything.context["cl"].result_list) == {submitted, draft}
    assert list(only_submitted.context["cl"].result_list) == [submitted]
    assert set(by_unit.context["cl"].result_list) == {submitted, draft}
    assert client.get(change_url(draft)).status_code == 200


# --- the inline on the lead's report page -------------------------------------------------------------------------


@pytest.fixture
def report_page_with_inline(monkeypatch):
    """The lead wires ReportContributionsInline into ProgressReportAdmin at merge; here it is added for the test."""
    report_admin = admin.site._registry[ProgressReport]
    monkeypatch.setattr(report_admin, "inlines", [*report_admin.inlines, ReportContributionsInline])


def test_the_lead_sees_its_co_units_contributions_on_its_report_and_can_still_save_it(
    client, reporter, make_contribution, reform, period, report_page_with_inline
):
    make_contribution(submitted=True, problems="缺少共享数据")
    report = report_services.report_create(user=reporter, reform=reform, period=period, data={"work_done": "汇总"})
    url = reverse("admin:tracker_progressreport_change", args=[report.pk])
    client = signed_in(client, reporter)

    page = client.get(url)
    html = page.content.decode()
    assert "缺少共享数据" in html
    assert "省测试乙厅" in html

    data = form_values(page)
    data["work_done"] = "汇总了配合单位的情况"
    response = client.post(url, {**data, "_continue": "1"})

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.work_done == "汇总了配合单位的情况"


def test_drafts_stay_off_the_leads_report_page_and_missing_co_units_are_named(
    client, reporter, make_contribution, reform, period, report_page_with_inline
):
    make_contribution(problems="草稿里的话")
    report = report_services.report_create(user=reporter, reform=reform, period=period)

    html = signed_in(client, reporter).get(reverse("admin:tracker_progressreport_change", args=[report.pk]))
    html = html.content.decode()

    assert "草稿里的话" not in html
    assert "省测试乙厅" in html  # named as not submitted yet


def test_the_inline_passes_the_admin_checks_on_the_report_admin():
    # It has no foreign key to the report: the check of one is skipped on purpose (report_inline.py).
    assert ReportContributionsInline(ProgressReport, admin.site).check() == []


@pytest.mark.parametrize("rows", [1, 20])
def test_the_office_list_costs_the_same_queries_for_1_and_20_rows(client, office, unit_a, rows):
    _contributions(rows, lead_unit=unit_a)
    client = signed_in(client, office)
    client.get(LIST)  # warms the session and the permission caches of the sign-in

    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST)

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == rows
    # 1 session, 2 user with its roles and permissions (core.authentication.ModelBackend), 3-5 the filters' choices
    # (units, reforms, periods), 6-7 COUNT (filtered, total), 8 the rows joined with reform, unit, period, batch,
    # rule, author and their file count, 9 the calendar overrides of the year the due dates fall in.
    assert len(queries) == 9


def test_save_and_submit_hands_the_contribution_to_the_lead_in_one_post(client, other_reporter, reform, period):
    client = signed_in(client, other_reporter)
    assert 'name="_submit"' in client.get(ADD).content.decode()

    response = client.post(ADD, {"reform": reform.pk, "period": period.pk, "work_done": "配合完成", "_submit": "1"})

    assert response.status_code == 302
    assert Contribution.objects.get().state == ContributionState.SUBMITTED


def test_a_refused_submission_keeps_nothing_of_the_save(client, other_reporter, reform, period):
    response = signed_in(client, other_reporter).post(
        ADD, {"reform": reform.pk, "period": period.pk, "work_done": "", "_submit": "1"}
    )

    assert response.status_code == 200
    assert "提交前请填写本单位开展的工作" in response.content.decode()
    assert not Contribution.objects.exists()


def action_names(page) -> set[str]:
    form = page.context["action_form"]  # None when the user may run no action at all
    return set() if form is None else {name for name, _ in form.fields["action"].choices}


def test_a_co_unit_is_not_offered_to_add_or_submit_reports_but_the_lead_is(client, other_reporter, reporter, reform):
    reports_list = reverse("admin:tracker_progressreport_changelist")
    reports_add = reverse("admin:tracker_progressreport_add")

    signed_in(client, other_reporter)  # unit_b assists on `reform` and leads nothing
    page = client.get(reports_list)
    assert page.status_code == 200
    assert reports_add not in page.content.decode()
    assert "submit_reports" not in action_names(page)
    assert client.get(reports_add).status_code == 403

    signed_in(client, reporter)  # unit_a leads it
    page = client.get(reports_list)
    assert reports_add in page.content.decode()
    assert "submit_reports" in action_names(page)
    assert client.get(reports_add).status_code == 200
