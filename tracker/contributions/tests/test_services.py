"""The contribution services: who files, the life cycle, version checks, evidence files."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from reforms.choices import ResponsibilityRole
from reforms.tests.factories import ResponsibilityFactory
from tracker import services as report_services
from tracker.reminders.choices import RuleKind
from tracker.reminders.tests.factories import CalendarDayFactory, ReportingRuleFactory
from tracker.tests import samples
from tracker.tests.factories import ReportingPeriodFactory, make_reform_for

from .. import services
from ..choices import ContributionState
from ..deadlines import contribution_due_on
from ..exceptions import ContributionChanged, ContributionStateConflict, LeadReportSubmitted
from ..models import Contribution, ContributionAttachment

pytestmark = pytest.mark.django_db


def test_a_co_unit_member_files_a_draft_for_their_unit(make_contribution, unit_b, other_reporter):
    contribution = make_contribution()

    assert contribution.unit == unit_b
    assert contribution.author == other_reporter
    assert contribution.state == ContributionState.DRAFT
    assert contribution.version == 1


def test_the_lead_unit_files_no_contribution(reform, period, reporter):
    with pytest.raises(ValidationError) as error:
        services.contribution_create(user=reporter, reform=reform, period=period)

    assert "reform" in error.value.message_dict
    assert not Contribution.objects.exists()


def test_the_lead_unit_naming_itself_is_told_contributions_come_from_co_units(reform, period, reporter, unit_a):
    with pytest.raises(ValidationError) as error:
        services.contribution_create(user=reporter, reform=reform, period=period, unit=unit_a)

    assert "unit" in error.value.message_dict


def test_an_outsider_files_nothing(reform, period, outsider):
    with pytest.raises(ValidationError):
        services.contribution_create(user=outsider, reform=reform, period=period)


def test_a_period_of_another_batch_is_refused(reform, other_reporter):
    with pytest.raises(ValidationError) as error:
        services.contribution_create(user=other_reporter, reform=reform, period=ReportingPeriodFactory())

    assert "period" in error.value.message_dict


def test_a_second_contribution_for_the_same_period_is_refused(make_contribution):
    make_contribution()

    with pytest.raises(ValidationError) as error:
        make_contribution()

    assert list(error.value.message_dict) == ["__all__"]
    assert Contribution.objects.count() == 1


def test_unknown_fields_are_refused(reform, period, other_reporter):
    with pytest.raises(ValidationError) as error:
        services.contribution_create(user=other_reporter, reform=reform, period=period, data={"state": "submitted"})

    assert "state" in error.value.message_dict


def test_an_edit_with_a_stale_version_is_refused_and_changes_nothing(make_contribution, other_reporter):
    contribution = make_contribution()
    services.contribution_update(contribution=contribution, user=other_reporter, version=1, data={"problems": "甲"})

    with pytest.raises(ContributionChanged):
        services.contribution_update(contribution=contribution, user=other_reporter, version=1, data={"problems": "乙"})

    contribution.refresh_from_db()
    assert (contribution.problems, contribution.version) == ("甲", 2)


def test_the_lead_cannot_change_a_co_units_contribution(make_contribution, reporter):
    contribution = make_contribution(submitted=True)

    with pytest.raises(PermissionDenied):
        services.contribution_withdraw(contribution=contribution, user=reporter)


def test_submitting_needs_the_work_done(make_contribution, other_reporter):
    contribution = make_contribution(work_done="")

    with pytest.raises(ValidationError) as error:
        services.contribution_submit(contribution=contribution, user=other_reporter)

    assert "work_done" in error.value.message_dict
    contribution.refresh_from_db()
    assert contribution.state == ContributionState.DRAFT


def test_a_submitted_contribution_is_frozen_until_withdrawn(make_contribution, other_reporter):
    contribution = make_contribution(submitted=True)
    assert contribution.submitted_at is not None

    with pytest.raises(ContributionStateConflict):
        services.contribution_update(
            contribution=contribution, user=other_reporter, version=contribution.version, data={"problems": "改"}
        )

    contribution = services.contribution_withdraw(contribution=contribution, user=other_reporter)
    assert (contribution.state, contribution.submitted_at) == (ContributionState.DRAFT, None)
    services.contribution_update(
        contribution=contribution, user=other_reporter, version=contribution.version, data={"problems": "改"}
    )


def test_withdrawing_is_refused_once_the_lead_submitted_its_report_and_allowed_again_when_it_is_returned(
    make_contribution, other_reporter, reporter, office, reform, period
):
    contribution = make_contribution(submitted=True)
    report = report_services.report_create(user=reporter, reform=reform, period=period, data={"work_done": "汇总"})
    report = report_services.report_submit(report=report, user=reporter)

    with pytest.raises(LeadReportSubmitted):
        services.contribution_withdraw(contribution=contribution, user=other_reporter)
    contribution.refresh_from_db()
    assert contribution.state == ContributionState.SUBMITTED

    report_services.report_return(report=report, user=office, comment="请补充配合单位情况")
    contribution = services.contribution_withdraw(contribution=contribution, user=other_reporter)
    assert contribution.state == ContributionState.DRAFT


def test_an_evidence_file_is_checked_by_content(make_contribution, other_reporter):
    contribution = make_contribution()

    attachment = services.contribution_attachment_add(
        contribution=contribution, user=other_reporter, file=samples.upload("证明.pdf", samples.pdf())
    )
    with pytest.raises(ValidationError) as error:
        services.contribution_attachment_add(
            contribution=contribution, user=other_reporter, file=samples.upload("假的.pdf", samples.png())
        )

    assert attachment.content_type == "application/pdf"
    assert attachment.file.name.startswith(f"contributions/{contribution.pk}/")
    assert "file" in error.value.message_dict
    assert ContributionAttachment.objects.count() == 1


def test_files_change_only_on_drafts(make_contribution, other_reporter):
    contribution = make_contribution()
    attachment = services.contribution_attachment_add(
        contribution=contribution, user=other_reporter, file=samples.upload("证明.pdf", samples.pdf())
    )
    services.contribution_submit(contribution=contribution, user=other_reporter)

    with pytest.raises(ContributionStateConflict):
        services.contribution_attachment_delete(attachment=attachment, user=other_reporter)
    with pytest.raises(ContributionStateConflict):
        services.contribution_attachment_add(
            contribution=contribution, user=other_reporter, file=samples.upload("新.pdf", samples.pdf())
        )
    assert ContributionAttachment.objects.count() == 1


def test_the_unit_quota_counts_report_and_contribution_files_together(
    make_contribution, other_reporter, unit_b, batch, period, settings
):
    own_reform = make_reform_for(unit_b, batch=batch)
    report = report_services.report_create(user=other_reporter, reform=own_reform, period=period)
    file = samples.pdf()
    report_services.attachment_add(report=report, user=other_reporter, file=samples.upload("a.pdf", file))
    settings.ATTACHMENT_MAX_BYTES_PER_UNIT = len(file) * 2 - 1
    contribution = make_contribution()

    with pytest.raises(ValidationError) as error:
        services.contribution_attachment_add(
            contribution=contribution, user=other_reporter, file=samples.upload("b.pdf", file)
        )

    assert "file" in error.value.message_dict


# --- due dates ----------------------------------------------------------------------------------------------------


def test_without_a_rule_contributions_are_due_with_the_report(period):
    assert contribution_due_on(period) == datetime.date(2026, 12, 7)


def test_contributions_are_due_the_rules_working_days_earlier(period, batch):
    ReportingRuleFactory(batch=batch, contribution_lead_days=3)
    # 2026-12-07 is a Monday: Friday 4th, Thursday 3rd, Wednesday 2nd.
    assert contribution_due_on(period) == datetime.date(2026, 12, 2)


def test_the_offices_days_off_are_skipped(period, batch):
    ReportingRuleFactory(batch=batch, contribution_lead_days=1)
    CalendarDayFactory(date=datetime.date(2026, 12, 4), is_working_day=False)

    assert contribution_due_on(period) == datetime.date(2026, 12, 3)


def test_a_lead_time_longer_than_a_once_rules_working_days_is_refused(batch):
    rule = ReportingRuleFactory.build(
        batch=batch, kind=RuleKind.AFTER_DATE, due_day=None, working_days=5, anchor_date=datetime.date(2026, 12, 1)
    )
    rule.contribution_lead_days = 5

    with pytest.raises(ValidationError) as error:
        rule.full_clean()

    assert "contribution_lead_days" in error.value.message_dict


def test_a_lead_time_over_twenty_working_days_is_refused(batch):
    rule = ReportingRuleFactory.build(batch=batch, contribution_lead_days=21)

    with pytest.raises(ValidationError) as error:
        rule.full_clean()

    assert "contribution_lead_days" in error.value.message_dict


def test_a_co_unit_in_two_reforms_roles_is_not_confused(reform, period, reporter, unit_a):
    # unit_a leads `reform`; made co-unit of another reform it files there, and still not on its own.
    other = ResponsibilityFactory(role=ResponsibilityRole.LEAD, reform__batch=reform.batch).reform
    ResponsibilityFactory(reform=other, unit=unit_a, role=ResponsibilityRole.CO, position=1)

    contribution = services.contribution_create(user=reporter, reform=other, period=period, data={"work_done": "x"})

    assert contribution.unit == unit_a
