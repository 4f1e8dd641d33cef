"""Submitted and approved reports do not change: not through the API, not through the services, and not through a
stray QuerySet.update() or delete(), which the PostgreSQL triggers of migration 0002 refuse."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from tracker import services
from tracker.choices import ReportState
from tracker.exceptions import ReportStateConflict
from tracker.models import Attachment, ProgressReport, ReportCityLine, ReportRevision, ReportTransition

from . import samples
from .factories import ReportingPeriodFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[ReportState.SUBMITTED, ReportState.APPROVED])
def frozen(request, reporter, office, reform_a, make_report):
    """A report with two city lines and one attachment, submitted (and, in the second run, approved)."""
    report = make_report(reporter, reform_a)
    services.attachment_add(report=report, user=reporter, file=samples.upload("证明.pdf", samples.pdf()))
    report = services.report_submit(report=report, user=reporter)
    if request.param == ReportState.APPROVED:
        report = services.report_approve(report=report, user=office)
    return report


def raw_delete(report) -> None:
    # Below the ORM: Django's own PROTECT of revisions would stop a QuerySet.delete() before the database sees it.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM tracker_progressreport WHERE id = %s", [report.pk])


def refused_by_the_database(action) -> bool:
    """True when the statement fails with the guard's error; the savepoint keeps the test's transaction usable."""
    try:
        with transaction.atomic():
            action()
    except IntegrityError as exc:
        assert "tracker:" in str(exc)
        return True
    return False


# --- API and services ---------------------------------------------------------------------------------------------


def test_the_api_refuses_every_change_to_a_frozen_report(client_for, reporter, frozen):
    client = client_for(reporter)
    url = reverse("tracker-api:report-detail", args=[frozen.pk])
    attachments = reverse("tracker-api:report-attachment-list", kwargs={"report_id": frozen.pk})
    attachment = frozen.attachments.get()
    one = reverse("tracker-api:report-attachment-detail", kwargs={"report_id": frozen.pk, "pk": attachment.pk})
    etag = f'"{frozen.version}"'

    assert client.patch(url, {"percent": 99}, format="json", HTTP_IF_MATCH=etag).status_code == 409
    body = {"status": "done", "percent": 100, "work_done": "x", "problems": "", "next_steps": ""}
    assert client.put(url, body, format="json", HTTP_IF_MATCH=etag).status_code == 409
    assert client.post(reverse("tracker-api:report-submit", args=[frozen.pk])).status_code == 409
    assert client.post(attachments, {"file": samples.upload("b.pdf", samples.pdf())}).status_code == 409
    assert client.delete(one).status_code == 409
    fresh = ProgressReport.objects.get(pk=frozen.pk)
    assert (fresh.percent, fresh.version, fresh.attachments.count()) == (0, frozen.version, 1)


def test_the_services_refuse_every_change_to_a_frozen_report(reporter, frozen):
    line = frozen.city_lines.first()

    with pytest.raises(ReportStateConflict):
        services.report_update(report=frozen, user=reporter, version=frozen.version, data={"percent": 5})
    with pytest.raises(ReportStateConflict):
        services.report_submit(report=frozen, user=reporter)
    with pytest.raises(ReportStateConflict):
        services.attachment_add(report=frozen, user=reporter, file=samples.upload("b.pdf", samples.pdf()))
    with pytest.raises(ReportStateConflict):
        services.report_update(
            report=frozen,
            user=reporter,
            version=frozen.version,
            city_lines=[services.CityLineInput(city=line.city, status="done")],
        )


# --- the database guard (PostgreSQL) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"percent": 99},
        {"work_done": "改写"},
        {"status": "done", "percent": 100},
        {"unit_id": None},  # replaced below by another unit's id
        {"revision": 9},
        {"submitted_at": None},  # replaced below by a new time
    ],
    ids=["percent", "work_done", "status", "unit", "revision", "submitted_at"],
)
def test_a_stray_queryset_update_of_frozen_content_is_refused(postgresql, frozen, unit_b, change):
    if "unit_id" in change:
        change = {"unit_id": unit_b.pk}
    if "submitted_at" in change:
        change = {"submitted_at": timezone.now()}

    assert refused_by_the_database(lambda: ProgressReport.objects.filter(pk=frozen.pk).update(**change))

    fresh = ProgressReport.objects.get(pk=frozen.pk)
    assert (fresh.percent, fresh.unit_id, fresh.revision) == (frozen.percent, frozen.unit_id, frozen.revision)


def test_a_frozen_report_cannot_be_put_back_to_draft_or_deleted(postgresql, frozen):
    assert refused_by_the_database(lambda: ProgressReport.objects.filter(pk=frozen.pk).update(state="draft"))
    assert refused_by_the_database(lambda: raw_delete(frozen))
    assert ProgressReport.objects.get(pk=frozen.pk).state == frozen.state


def test_an_approved_report_does_not_change_at_all(postgresql, reporter, reform_a, make_report):
    report = make_report(reporter, reform_a, state=ReportState.APPROVED)

    assert refused_by_the_database(lambda: ProgressReport.objects.filter(pk=report.pk).update(review_comment="改"))
    assert refused_by_the_database(lambda: ProgressReport.objects.filter(pk=report.pk).update(state="returned"))
    assert refused_by_the_database(
        lambda: ProgressReport.objects.filter(pk=report.pk).update(version=report.version + 1)
    )


def test_the_city_lines_and_attachments_of_a_frozen_report_are_guarded(postgresql, frozen, reporter):
    lines = ReportCityLine.objects.filter(report=frozen)
    attachments = Attachment.objects.filter(report=frozen)
    line = lines.first()

    assert refused_by_the_database(lambda: lines.update(status="done"))
    assert refused_by_the_database(lambda: lines.filter(pk=line.pk).delete())
    assert refused_by_the_database(lambda: ReportCityLine.objects.create(report=frozen, city=line.city, status="done"))
    assert refused_by_the_database(lambda: attachments.update(original_name="换了.pdf"))
    assert refused_by_the_database(lambda: attachments.delete())
    assert refused_by_the_database(
        lambda: Attachment.objects.create(
            report=frozen,
            file="x",
            original_name="x.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0",
            uploaded_by=reporter,
        )
    )
    assert lines.count() == 2 and attachments.count() == 1


def test_revisions_and_transitions_are_append_only(postgresql, frozen):
    revisions = ReportRevision.objects.filter(report=frozen)
    transitions = ReportTransition.objects.filter(report=frozen)

    assert refused_by_the_database(lambda: revisions.update(data={}))
    assert refused_by_the_database(lambda: revisions.delete())
    assert refused_by_the_database(lambda: transitions.update(comment="改"))
    assert refused_by_the_database(lambda: transitions.delete())


def test_the_guard_lets_the_review_columns_of_a_submitted_report_move(
    postgresql, reporter, office, reform_a, make_report
):
    report = make_report(reporter, reform_a, state=ReportState.SUBMITTED)

    changed = ProgressReport.objects.filter(pk=report.pk).update(
        state=ReportState.RETURNED, reviewer=office, reviewed_at=timezone.now(), review_comment="补充", version=9
    )

    assert changed == 1


def test_drafts_and_returned_reports_stay_editable_in_the_database(postgresql, reporter, reform_a, make_report):
    draft = make_report(reporter, reform_a)
    returned = make_report(reporter, reform_a, state=ReportState.RETURNED, period=_another_period(draft))

    for report in (draft, returned):
        assert ProgressReport.objects.filter(pk=report.pk).update(percent=42) == 1
        assert ReportCityLine.objects.filter(report=report).update(note="更新") == 2


def test_a_never_submitted_draft_can_be_deleted_with_its_history(postgresql, reporter, reform_a, make_report):
    draft = make_report(reporter, reform_a)

    draft.delete()

    assert not ProgressReport.objects.filter(pk=draft.pk).exists()
    assert not ReportTransition.objects.filter(report_id=draft.pk).exists()


def test_a_returned_report_that_was_once_submitted_cannot_be_deleted(postgresql, reporter, reform_a, make_report):
    returned = make_report(reporter, reform_a, state=ReportState.RETURNED)

    assert refused_by_the_database(lambda: raw_delete(returned))


def _another_period(report):
    return ReportingPeriodFactory(batch=report.period.batch)
