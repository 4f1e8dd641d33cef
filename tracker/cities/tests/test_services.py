"""The submission life cycle and the prefill of the lead unit's report lines, through the services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from reforms.choices import TargetStatus
from tracker import services as tracker_services
from tracker.choices import ReportState
from tracker.tests import samples

from .. import services
from ..choices import SubmissionState
from ..exceptions import StateConflict, SubmissionStale
from ..models import CityEvidence, CitySubmission

pytestmark = pytest.mark.django_db


def test_a_city_files_submits_and_the_lead_unit_confirms(city_reporter, reporter, target_a, make_submission):
    submission = make_submission(city_reporter, target_a, "confirmed", reviewer=reporter)

    assert submission.state == SubmissionState.CONFIRMED
    assert submission.reviewer == reporter
    assert submission.revision == 1
    assert [t.to_state for t in submission.transitions.order_by("id")] == ["draft", "submitted", "confirmed"]
    assert submission.revisions.get().data["work_done"] == "已印发实施方案"


def test_it_refuses_a_submission_from_another_citys_staff(other_city_reporter, target_a, period):
    with pytest.raises(PermissionDenied):
        services.city_submission_create(user=other_city_reporter, target=target_a, period=period)
    assert not CitySubmission.objects.exists()


def test_a_second_submission_for_the_same_target_and_period_is_refused(city_reporter, target_a, make_submission):
    make_submission(city_reporter, target_a)
    with pytest.raises(ValidationError) as exc:
        make_submission(city_reporter, target_a)
    assert "已" in str(exc.value) or "already" in str(exc.value)
    assert CitySubmission.objects.count() == 1


def test_a_stale_version_is_refused(city_reporter, target_a, make_submission):
    submission = make_submission(city_reporter, target_a)
    services.city_submission_update(submission=submission, user=city_reporter, version=1, data={"problems": "缺人"})
    stale = CitySubmission.objects.get(pk=submission.pk)
    stale.version = 1

    with pytest.raises(SubmissionStale):
        services.city_submission_update(submission=stale, user=city_reporter, version=1, data={"problems": "x"})
    assert CitySubmission.objects.get(pk=submission.pk).problems == "缺人"


def test_a_submitted_submission_is_frozen(city_reporter, target_a, make_submission):
    submission = make_submission(city_reporter, target_a, "submitted")
    with pytest.raises(StateConflict):
        services.city_submission_update(
            submission=submission, user=city_reporter, version=submission.version, data={"problems": "x"}
        )


def test_only_the_lead_unit_or_the_office_reviews(city_reporter, other_reporter, office, target_a, make_submission):
    submission = make_submission(city_reporter, target_a, "submitted")
    with pytest.raises(PermissionDenied):
        services.city_submission_confirm(submission=submission, user=other_reporter)
    with pytest.raises(PermissionDenied):
        services.city_submission_confirm(submission=submission, user=city_reporter)

    returned = services.city_submission_return(submission=submission, user=office, comment="数据不全")
    assert returned.state == SubmissionState.RETURNED
    assert returned.transitions.last().comment == "数据不全"


def test_a_return_needs_a_reason(city_reporter, reporter, target_a, make_submission):
    submission = make_submission(city_reporter, target_a, "submitted")
    with pytest.raises(ValidationError):
        services.city_submission_return(submission=submission, user=reporter, comment="  ")
    assert CitySubmission.objects.get(pk=submission.pk).state == SubmissionState.SUBMITTED


def test_a_returned_submission_is_edited_into_a_second_revision(city_reporter, reporter, target_a, make_submission):
    submission = make_submission(city_reporter, target_a, "returned", reviewer=reporter)
    submission = services.city_submission_update(
        submission=submission, user=city_reporter, version=submission.version, data={"status": "done"}
    )
    submission = services.city_submission_submit(submission=submission, user=city_reporter)

    assert submission.revision == 2
    assert submission.revisions.get(number=2).data["status"] == "done"


def test_a_city_cannot_declare_itself_not_applicable(city_reporter, target_a, period):
    with pytest.raises(ValidationError) as exc:
        services.city_submission_create(
            user=city_reporter, target=target_a, period=period, data={"status": TargetStatus.NOT_APPLICABLE}
        )
    assert "status" in exc.value.message_dict


def test_confirming_prefills_the_lead_units_editable_report(
    city_reporter, reporter, target_a, lead_report, make_submission
):
    version = lead_report.version

    make_submission(city_reporter, target_a, "confirmed", reviewer=reporter, status=TargetStatus.DONE)

    lead_report.refresh_from_db()
    assert lead_report.city_lines.get(city=target_a.city).status == TargetStatus.DONE
    # The unit holding the old version must reload rather than overwrite the city's word.
    assert lead_report.version == version + 1
    # One path into the matrix: the rollout target waits for the report's approval.
    target_a.refresh_from_db()
    assert target_a.status == TargetStatus.NOT_STARTED


def test_confirming_leaves_a_submitted_lead_report_alone(
    city_reporter, reporter, target_a, lead_report, make_submission
):
    tracker_services.report_submit(report=lead_report, user=reporter)
    make_submission(city_reporter, target_a, "confirmed", reviewer=reporter, status=TargetStatus.DONE)

    assert lead_report.city_lines.get(city=target_a.city).status == TargetStatus.NOT_STARTED


def test_a_lead_report_created_later_is_prefilled_and_its_approval_writes_the_target(
    city_reporter, reporter, office, target_a, reform_a, period, make_submission
):
    make_submission(city_reporter, target_a, "confirmed", reviewer=reporter, status=TargetStatus.DONE)
    report = tracker_services.report_create(user=reporter, reform=reform_a, period=period, data={"work_done": "推进"})

    # report_create asked the cities app (its registered city-line source): the line starts from the city's word.
    assert report.city_lines.get(city=target_a.city).status == TargetStatus.DONE
    assert services.city_lines_prefill(report=report) == 0

    report = tracker_services.report_submit(report=report, user=reporter)
    tracker_services.report_approve(report=report, user=office)
    target_a.refresh_from_db()
    assert target_a.status == TargetStatus.DONE


def test_prefill_ignores_a_co_units_report(city_reporter, reporter, target_a, reform_a, period, make_submission):
    from reforms.choices import ResponsibilityRole
    from reforms.tests.factories import ResponsibilityFactory
    from tracker.tests.factories import ProgressReportFactory
    from units.tests.factories import UnitFactory, make_unit_user

    co_unit = UnitFactory(name="省配合厅")
    ResponsibilityFactory(reform=reform_a, unit=co_unit, role=ResponsibilityRole.CO)
    co_user = make_unit_user(co_unit, username="co_user")
    make_submission(city_reporter, target_a, "confirmed", reviewer=reporter, status=TargetStatus.DONE)
    # A co-unit's report from before issue 12 (the services refuse new ones: co-units send contributions).
    report = ProgressReportFactory(reform=reform_a, unit=co_unit, period=period, author=co_user)

    assert services.city_lines_prefill(report=report) == 0
    assert not report.city_lines.exists()


def test_evidence_is_checked_by_content_and_frozen_with_the_submission(city_reporter, target_a, make_submission):
    submission = make_submission(city_reporter, target_a)
    with pytest.raises(ValidationError):
        services.city_evidence_add(
            submission=submission, user=city_reporter, file=samples.upload("a.pdf", samples.exe())
        )
    evidence = services.city_evidence_add(
        submission=submission, user=city_reporter, file=samples.upload("方案.pdf", samples.pdf())
    )
    submission = services.city_submission_submit(submission=submission, user=city_reporter)

    assert submission.revisions.get().data["evidence"][0]["name"] == "方案.pdf"
    with pytest.raises(StateConflict):
        services.city_evidence_add(
            submission=submission, user=city_reporter, file=samples.upload("b.pdf", samples.pdf())
        )
    with pytest.raises(StateConflict):
        services.city_evidence_delete(evidence=evidence, user=city_reporter)
    assert CityEvidence.objects.count() == 1


def test_submitting_needs_what_was_done(city_reporter, target_a, period):
    submission = services.city_submission_create(user=city_reporter, target=target_a, period=period)
    with pytest.raises(ValidationError):
        services.city_submission_submit(submission=submission, user=city_reporter)
    assert CitySubmission.objects.get().state == ReportState.DRAFT
