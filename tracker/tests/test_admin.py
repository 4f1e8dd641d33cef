"""The progress report admin, as unit staff use it: filing, editing and submitting on one page.

Every POST here sends what a browser would send: the page is fetched first and its form read back (form_values),
so the inline management forms and hidden fields (the version) are the page's own.

Personas (root conftest): reporter is a member of unit_a (reform_a, two target cities); other_reporter of unit_b
(reform_b); manager also of unit_a; office reviews everything and files nothing.
"""

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from reforms.choices import TargetStatus
from reforms.tests.factories import BatchFactory
from tracker import services
from tracker.choices import ReportState
from tracker.exceptions import PreconditionFailed
from tracker.models import Attachment, ProgressReport, ReportTransition

from .factories import ReportingPeriodFactory, make_reform_for

# A few bytes that are a PDF by content (magic bytes) and by name.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

CHANGELIST = "admin:tracker_progressreport_changelist"


class _FormReader(HTMLParser):
    """What a browser submits for one <form>: enabled fields with their current values, without buttons or files."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
            return
        if not self.inside or "disabled" in attrs or not attrs.get("name"):
            return
        name = attrs["name"]
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.values[name] = attrs.get("value") or ("on" if kind == "checkbox" else "")
        elif tag == "select":
            self._select = name
            self.values.setdefault(name, "")
        elif tag == "textarea":
            self._textarea = name
            self.values[name] = ""

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            # Browsers drop the newline Django writes right after <textarea>.
            if self._textarea and self.values[self._textarea].startswith("\n"):
                self.values[self._textarea] = self.values[self._textarea][1:]
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


class _OptionReader(_FormReader):
    def handle_starttag(self, tag, attrs):
        if tag == "option" and self.inside and self._select and "selected" in dict(attrs):
            self.values[self._select] = dict(attrs).get("value", "")
            return
        super().handle_starttag(tag, attrs)


def form_values(response, form_id: str = "progressreport_form") -> dict[str, str]:
    assert response.status_code == 200, response.status_code
    reader = _OptionReader(form_id)
    reader.feed(response.content.decode())
    return reader.values


def add_url(reform=None) -> str:
    url = reverse("admin:tracker_progressreport_add")
    return f"{url}?reform={reform.pk}" if reform is not None else url


def change_url(report) -> str:
    return reverse("admin:tracker_progressreport_change", args=[report.pk])


def signed_in(client, user):
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def pdf(name: str = "佐证材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def stored_files() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def city_rows(data: dict) -> int:
    return int(data["city_lines-TOTAL_FORMS"])


def row_cities(response) -> list[int]:
    """The city of each city-line row of the page (a disabled field, so not among the posted values)."""
    [lines] = [f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "city_lines"]
    return [form["city"].value() for form in lines.forms]


@pytest.fixture
def filing(client, reporter, reform_a, period):
    """The add page for reform_a as the reporter sees it, filled in: overall progress, one city done."""
    client = signed_in(client, reporter)
    data = form_values(client.get(add_url(reform_a)))
    data.update(
        period=str(period.pk),
        status=TargetStatus.IN_PROGRESS,
        percent="60",
        work_done="印发实施方案，完成系统对接",
        problems="部分城市数据接口尚未开通",
        next_steps="年底前全面推开",
    )
    data["city_lines-0-status"] = TargetStatus.DONE
    data["city_lines-1-status"] = TargetStatus.IN_PROGRESS
    data["city_lines-1-note"] = "已完成试点"
    return client, data


def test_the_add_page_lists_the_chosen_reforms_target_cities_prefilled(client, reporter, reform_a):
    target = reform_a.targets.order_by("city__code").first()
    target.status = TargetStatus.IN_PROGRESS
    target.save()

    response = signed_in(client, reporter).get(add_url(reform_a))
    data = form_values(response)

    assert row_cities(response) == list(reform_a.targets.order_by("city__code").values_list("city_id", flat=True))
    assert city_rows(data) == 2
    assert data["city_lines-0-status"] == TargetStatus.IN_PROGRESS  # where the city stands now
    # Only the unit's own unit, preselected; a reform and a period still to choose.
    assert data["unit"] == str(reporter.memberships.get().unit_id)


def test_the_add_page_lists_no_cities_of_another_units_reform(client, reporter, reform_a, reform_b):
    # reform_a: the reporter's unit leads an item, so the add page opens at all.
    response = signed_in(client, reporter).get(add_url(reform_b))

    assert city_rows(form_values(response)) == 0
    assert row_cities(response) == []


def test_a_reporter_files_a_report_with_city_lines_and_an_attachment_in_one_post(filing, reporter, reform_a, unit_a):
    client, data = filing
    data["uploads-0-upload"] = pdf()

    response = client.post(add_url(reform_a), {**data, "_save": "1"})

    assert response.status_code == 302, form_errors_of(response)
    report = ProgressReport.objects.get()
    assert (report.reform, report.unit, report.author) == (reform_a, unit_a, reporter)
    assert (report.state, report.status, report.percent, report.version) == (ReportState.DRAFT, "in_progress", 60, 1)
    lines = {line.city.code: (line.status, line.note) for line in report.city_lines.select_related("city")}
    codes = sorted(lines)
    assert lines[codes[0]] == (TargetStatus.DONE, "")
    assert lines[codes[1]] == (TargetStatus.IN_PROGRESS, "已完成试点")
    attachment = report.attachments.get()
    assert (attachment.original_name, attachment.content_type, attachment.size) == (
        "佐证材料.pdf",
        "application/pdf",
        len(PDF),
    )
    assert Path(attachment.file.path).read_bytes() == PDF
    assert list(report.transitions.values_list("from_state", "to_state")) == [("", ReportState.DRAFT)]


def form_errors_of(response) -> str:
    """For assertion messages: the errors of a page shown again."""
    if response.context is None or "adminform" not in response.context:
        return f"status {response.status_code}"
    form = response.context["adminform"].form
    formsets = [f.formset.errors for f in response.context["inline_admin_formsets"]]
    return f"{form.errors} {formsets}"


def test_save_and_submit_files_and_submits_the_report_in_one_post(filing, reform_a):
    client, data = filing
    data["uploads-0-upload"] = pdf()

    response = client.post(add_url(reform_a), {**data, "_submit": "1"}, follow=True)

    report = ProgressReport.objects.get()
    assert response.redirect_chain[-1][0] == change_url(report)
    assert (report.state, report.revision) == (ReportState.SUBMITTED, 1)
    assert [a["name"] for a in report.revisions.get().data["attachments"]] == ["佐证材料.pdf"]
    assert list(report.transitions.values_list("to_state", flat=True)) == [ReportState.DRAFT, ReportState.SUBMITTED]
    expected = gettext("The report “%(report)s” was submitted to the provincial office for review.") % {
        "report": report
    }
    assert messages_of(response) == [expected]


def test_a_refused_submission_stores_nothing_and_shows_why_on_the_form(filing, reform_a):
    client, data = filing
    data["work_done"] = ""  # a draft may lack it; a submission may not
    data["uploads-0-upload"] = pdf()

    response = client.post(add_url(reform_a), {**data, "_submit": "1"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["work_done"] == [
        gettext("Say what was done before submitting the report.")
    ]
    assert not ProgressReport.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files() == []
    # What was typed is still there.
    assert form_values(response)["problems"] == "部分城市数据接口尚未开通"


def test_a_refusal_stays_with_its_request(filing, reform_a):
    # The page of a refused save is built by a copy of the admin that carries the refusal; the registered admin,
    # shared by every request, must not keep it.
    client, data = filing
    data["work_done"] = ""
    client.post(add_url(reform_a), {**data, "_submit": "1"})

    response = client.get(add_url(reform_a))

    assert response.context["adminform"].form.errors == {}
    assert admin.site._registry[ProgressReport].refusal is None
    # Saved again as a draft, the same values are accepted.
    assert client.post(add_url(reform_a), {**data, "_save": "1"}).status_code == 302


def test_a_disguised_attachment_is_refused_by_its_content_and_nothing_is_stored(filing, reform_a):
    client, data = filing
    data["uploads-0-upload"] = SimpleUploadedFile("方案.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")

    response = client.post(add_url(reform_a), {**data, "_save": "1"})

    assert response.status_code == 200
    upload_errors = next(f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "uploads")
    assert upload_errors.formset.errors[0]["upload"] == [
        gettext("This kind of file is not accepted. Upload PDF, Word, Excel, PowerPoint, WPS, PNG or JPEG files.")
    ]
    assert not ProgressReport.objects.exists()
    assert stored_files() == []


def test_the_choices_are_the_reporters_units_reforms_and_their_batches_periods(
    client, reporter, unit_a, reform_a, reform_b, period
):
    other_batch_period = ReportingPeriodFactory(batch=BatchFactory())

    form = signed_in(client, reporter).get(add_url()).context["adminform"].form

    assert list(form.fields["reform"].queryset) == [reform_a]
    assert list(form.fields["unit"].queryset) == [unit_a]
    assert list(form.fields["period"].queryset) == [period]
    assert other_batch_period not in form.fields["period"].queryset


def test_another_units_reform_cannot_be_posted(filing, reform_b):
    client, data = filing
    data["reform"] = str(reform_b.pk)

    response = client.post(add_url(), {**data, "_save": "1"})

    assert response.status_code == 200
    assert "reform" in response.context["adminform"].form.errors
    assert not ProgressReport.objects.exists()


def test_a_period_of_another_batch_than_the_reforms_is_refused(filing, unit_a, reform_a):
    client, data = filing
    # The reporter's unit works on a reform of a second batch too, so that batch's period is offered.
    make_reform_for(unit_a, batch=BatchFactory(code="second"))
    second = ReportingPeriodFactory(batch=BatchFactory(code="second"))
    data["period"] = str(second.pk)

    response = client.post(add_url(reform_a), {**data, "_save": "1"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["period"] == [
        gettext("This period belongs to another batch than the reform.")
    ]
    assert not ProgressReport.objects.exists()


def test_a_second_report_for_the_same_reform_and_period_is_refused(filing, reporter, reform_a, period):
    client, data = filing
    services.report_create(user=reporter, reform=reform_a, period=period)

    response = client.post(add_url(reform_a), {**data, "_save": "1"})

    assert response.status_code == 200
    assert ProgressReport.objects.count() == 1
    errors = response.context["adminform"].form.non_field_errors()
    assert errors == [gettext("This unit has already filed a report on this reform for this period.")]


def test_editing_a_draft_writes_through_the_version_check(client, reporter, reform_a, make_report):
    report = make_report(reporter, reform_a)
    client = signed_in(client, reporter)
    data = form_values(client.get(change_url(report)))
    assert data["version"] == "1"
    data.update(percent="80", work_done="新的进展")
    data["city_lines-0-status"] = TargetStatus.DONE

    response = client.post(change_url(report), {**data, "_continue": "1"})

    assert response.status_code == 302, form_errors_of(response)
    report.refresh_from_db()
    assert (report.version, report.percent, report.work_done) == (2, 80, "新的进展")
    assert report.city_lines.order_by("city__code").first().status == TargetStatus.DONE


def test_a_stale_page_is_refused_as_changed_by_someone_else_and_changes_nothing(
    client, reporter, manager, reform_a, make_report
):
    report = make_report(reporter, reform_a)
    client = signed_in(client, reporter)
    data = form_values(client.get(change_url(report)))
    # The unit's manager saves the same report in between.
    services.report_update(report=report, user=manager, version=1, data={"work_done": "经理的修改"})
    data.update(work_done="报告人的修改", percent="90")
    data["uploads-0-upload"] = pdf()

    response = client.post(change_url(report), {**data, "_save": "1"})

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [str(PreconditionFailed.default_message)]
    report.refresh_from_db()
    assert (report.version, report.work_done, report.percent) == (2, "经理的修改", 0)
    assert not report.attachments.exists()
    assert stored_files() == []
    # Saving the same page again is refused again: the page still carries the version it was loaded at.
    assert form_values(response)["version"] == "1"


@pytest.mark.parametrize("state", [ReportState.SUBMITTED, ReportState.APPROVED])
def test_submitted_and_approved_reports_are_read_only_for_their_unit(client, reporter, reform_a, make_report, state):
    report = make_report(reporter, reform_a, state=state)
    client = signed_in(client, reporter)

    page = client.get(change_url(report))

    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="_save"' not in body and 'name="_submit"' not in body
    assert 'name="uploads-0-upload"' not in body
    assert 'name="work_done"' not in body
    response = client.post(change_url(report), {"work_done": "改", "version": str(report.version), "_save": "1"})
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.work_done == "已完成制度文件起草"
    assert report.state == state


def test_a_returned_report_shows_the_reviewers_comment_and_is_edited_and_resubmitted(
    client, reporter, reform_a, make_report
):
    report = make_report(reporter, reform_a, state=ReportState.RETURNED)
    client = signed_in(client, reporter)

    page = client.get(change_url(report))
    body = page.content.decode()
    assert 'id="review-comment">请补充佐证材料' in body
    assert 'name="_submit"' in body
    data = form_values(page)
    data["work_done"] = "已补充佐证材料"
    data["uploads-0-upload"] = pdf("补充材料.pdf")

    response = client.post(change_url(report), {**data, "_submit": "1"})

    assert response.status_code == 302, form_errors_of(response)
    report.refresh_from_db()
    assert (report.state, report.revision, report.work_done) == (ReportState.SUBMITTED, 2, "已补充佐证材料")
    assert report.revisions.count() == 2
    assert report.attachments.get().original_name == "补充材料.pdf"


def test_another_units_report_is_not_listed_and_its_pages_answer_404(
    client, reporter, other_reporter, reform_b, make_report
):
    theirs = make_report(other_reporter, reform_b)
    client = signed_in(client, reporter)

    listing = client.get(reverse(CHANGELIST))
    assert list(listing.context["cl"].result_list) == []
    for url in [
        change_url(theirs),
        reverse("admin:tracker_progressreport_history", args=[theirs.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert reform_b.title not in response.content.decode()
    response = client.post(change_url(theirs), {"work_done": "改", "version": "1", "_save": "1"})
    assert response.status_code == 404
    response = client.post(reverse("admin:tracker_progressreport_review", args=[theirs.pk]), {"_approve": "1"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert (theirs.work_done, theirs.version) == ("已完成制度文件起草", 1)


def test_removing_an_attachment_goes_through_the_service_and_deletes_the_file(
    client, reporter, reform_a, make_report, django_capture_on_commit_callbacks
):
    report = make_report(reporter, reform_a)
    attachment = services.attachment_add(report=report, user=reporter, file=pdf())
    path = Path(attachment.file.path)
    client = signed_in(client, reporter)
    page = client.get(change_url(report))
    assert (
        reverse("tracker-api:report-attachment-download", kwargs={"report_id": report.pk, "pk": attachment.pk})
        in page.content.decode()
    )
    data = form_values(page)
    data["attachments-0-DELETE"] = "on"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(report), {**data, "_save": "1"})

    assert response.status_code == 302, form_errors_of(response)
    assert not report.attachments.exists()
    assert not path.exists()


def test_the_submit_action_submits_the_selected_drafts(client, reporter, reform_a, make_report):
    report = make_report(reporter, reform_a)

    response = signed_in(client, reporter).post(
        reverse(CHANGELIST), {"action": "submit_reports", "_selected_action": [report.pk], "index": "0"}, follow=True
    )

    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED
    expected = ngettext(
        "%(count)d report submitted to the provincial office for review.",
        "%(count)d reports submitted to the provincial office for review.",
        1,
    ) % {"count": 1}
    assert expected in messages_of(response)


def test_unit_staff_have_no_review_actions_or_review_url(client, reporter, reform_a, make_report):
    report = make_report(reporter, reform_a, state=ReportState.SUBMITTED)
    client = signed_in(client, reporter)

    actions = dict(client.get(reverse(CHANGELIST)).context["action_form"].fields["action"].choices)

    assert set(actions) == {"", "submit_reports"}
    response = client.post(
        reverse("admin:tracker_progressreport_review", args=[report.pk]), {"_approve": "1", "comment": ""}
    )
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED
    assert not ReportTransition.objects.filter(to_state=ReportState.APPROVED).exists()
