import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from reforms.choices import TargetStatus
from tracker.choices import ReportState
from tracker.models import ProgressReport, ReportCityLine, ReportingPeriod
from units.tests.factories import UserFactory

from .factories import ProgressReportFactory, ReportingPeriodFactory, make_reform_for, new_city

pytestmark = pytest.mark.django_db


def test_a_period_cannot_end_before_it_starts_nor_be_due_before_it_starts(batch):
    period = ReportingPeriod(
        batch=batch,
        code="2026-12",
        label="2026年12月",
        starts_on=datetime.date(2026, 12, 1),
        ends_on=datetime.date(2026, 11, 30),
        due_on=datetime.date(2026, 11, 1),
    )

    with pytest.raises(ValidationError) as exc:
        period.full_clean()

    assert set(exc.value.message_dict) == {"ends_on", "due_on"}


def test_the_database_refuses_a_period_that_ends_before_it_starts(batch):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportingPeriodFactory(batch=batch, starts_on=datetime.date(2026, 12, 1), ends_on=datetime.date(2026, 11, 1))


@pytest.mark.parametrize("code", ["2026/11", "-2026", "２０２６", "2026 11", ""])
def test_a_period_code_is_letters_digits_and_hyphens(batch, code):
    period = ReportingPeriodFactory.build(batch=batch, code=code)

    with pytest.raises(ValidationError) as exc:
        period.full_clean()

    assert "code" in exc.value.message_dict


def test_period_codes_are_unique_within_a_batch_only(batch):
    ReportingPeriodFactory(batch=batch, code="2026-11")
    ReportingPeriodFactory(code="2026-11")  # another batch

    with pytest.raises(IntegrityError), transaction.atomic():
        ReportingPeriodFactory(batch=batch, code="2026-11")


def test_a_report_must_come_from_a_unit_responsible_for_the_reform(reporter, unit_b, reform_a, period):
    report = ProgressReport(reform=reform_a, unit=unit_b, period=period, author=reporter, work_done="x")

    with pytest.raises(ValidationError) as exc:
        report.full_clean()

    assert "unit" in exc.value.message_dict


def test_a_new_reports_author_must_be_a_member_of_its_unit(unit_a, reform_a, period):
    report = ProgressReport(reform=reform_a, unit=unit_a, period=period, author=UserFactory())

    with pytest.raises(ValidationError) as exc:
        report.full_clean()

    assert "author" in exc.value.message_dict


@pytest.mark.parametrize(
    ("status", "percent", "valid"),
    [
        (TargetStatus.DONE, 100, True),
        (TargetStatus.DONE, 99, False),
        (TargetStatus.NOT_STARTED, 0, True),
        (TargetStatus.NOT_STARTED, 1, False),
        (TargetStatus.IN_PROGRESS, 0, True),
        (TargetStatus.IN_PROGRESS, 100, True),
        (TargetStatus.IN_PROGRESS, 101, False),
    ],
)
def test_status_and_percentage_agree(reporter, unit_a, reform_a, period, status, percent, valid):
    report = ProgressReport(
        reform=reform_a, unit=unit_a, period=period, author=reporter, status=status, percent=percent
    )

    if valid:
        report.full_clean()
    else:
        with pytest.raises(ValidationError) as exc:
            report.full_clean()
        assert "percent" in exc.value.message_dict


def test_the_database_keeps_the_percentage_between_0_and_100(reporter, reform_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressReportFactory(reform=reform_a, author=reporter, percent=101)


def test_the_database_refuses_a_second_report_for_the_same_reform_unit_and_period(reporter, reform_a, period):
    ProgressReportFactory(reform=reform_a, period=period, author=reporter)

    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressReportFactory(reform=reform_a, period=period, author=reporter)


def test_a_returned_report_needs_the_reviewers_reason(reporter, reform_a):
    report = ProgressReportFactory.build(
        reform=reform_a, author=reporter, state=ReportState.RETURNED, review_comment=" "
    )
    report.unit = reform_a.responsibilities.first().unit
    report.period = ReportingPeriodFactory(batch=reform_a.batch)

    with pytest.raises(ValidationError) as exc:
        report.full_clean()

    assert "review_comment" in exc.value.message_dict


def test_a_city_line_must_name_a_target_city_of_the_reform(reporter, reform_a, reform_b):
    report = ProgressReportFactory(reform=reform_a, author=reporter)
    line = ReportCityLine(report=report, city=reform_b.targets.first().city, status=TargetStatus.DONE)

    with pytest.raises(ValidationError) as exc:
        line.full_clean()

    assert "city" in exc.value.message_dict


def test_a_not_applicable_city_line_needs_a_reason(reporter, reform_a):
    report = ProgressReportFactory(reform=reform_a, author=reporter)
    line = ReportCityLine(report=report, city=reform_a.targets.first().city, status=TargetStatus.NOT_APPLICABLE)

    with pytest.raises(ValidationError) as exc:
        line.full_clean()

    assert "note" in exc.value.message_dict


def test_the_scope_of_each_role(reporter, other_reporter, manager, office, consumer, unit_a, unit_b, period):
    reform_a = make_reform_for(unit_a, batch=period.batch)
    reform_b = make_reform_for(unit_b, batch=period.batch)
    draft_a = ProgressReportFactory(reform=reform_a, period=period, author=reporter)
    approved_b = ProgressReportFactory(reform=reform_b, period=period, author=other_reporter)
    # Written straight to the row: the scope reads the state only.
    ProgressReport.objects.filter(pk=approved_b.pk).update(
        state=ReportState.APPROVED,
        revision=1,
        submitted_at=approved_b.created_at,
        reviewer=office,
        reviewed_at=approved_b.created_at,
    )

    def scope(user):
        return set(ProgressReport.objects.restrict(user).values_list("pk", flat=True))

    assert scope(reporter) == scope(manager) == {draft_a.pk}
    assert scope(other_reporter) == {approved_b.pk}
    assert scope(office) == {draft_a.pk, approved_b.pk}
    assert scope(consumer) == {approved_b.pk}
    assert scope(UserFactory()) == set()


def test_is_editable_by_needs_membership_and_an_editable_state(reporter, other_reporter, office, reform_a):
    report = ProgressReportFactory(reform=reform_a, author=reporter)

    assert report.is_editable_by(reporter)
    assert not report.is_editable_by(other_reporter)
    assert not report.is_editable_by(office)
    report.state = ReportState.SUBMITTED
    assert not report.is_editable_by(reporter)


def test_new_city_makes_distinct_cities():
    assert new_city().code != new_city().code


def test_the_unit_staff_group_holds_the_tracker_permissions_it_needs(reporter, consumer, office):
    assert reporter.has_perms(
        [
            "tracker.add_progressreport",
            "tracker.change_progressreport",
            "tracker.add_attachment",
            "tracker.view_reporttransition",
        ]
    )
    assert not reporter.has_perm("tracker.delete_progressreport")
    assert office.has_perm("tracker.delete_reportingperiod")
    assert not consumer.has_perm("tracker.view_progressreport")
