import datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils import timezone, translation

from reforms.choices import ResponsibilityRole, TargetStatus
from reforms.models import RolloutTarget
from reforms.tests.factories import ResponsibilityFactory
from tracker import services
from tracker.choices import ReportState
from tracker.exceptions import PreconditionFailed, ReportStateConflict
from tracker.models import ProgressReport, ReportRevision, ReportTransition
from units.choices import MembershipRole
from units.tests.factories import MembershipFactory, UnitFactory, make_unit_user

from .factories import ReportingPeriodFactory


def test_it_creates_a_draft_with_a_line_per_target_city_and_records_the_creation(reporter, reform_a, period):
    report = services.report_create(user=reporter, reform=reform_a, period=period, data={"percent": 10})

    assert report.state == ReportState.DRAFT
    assert report.unit.name == "省测试甲厅"
    assert report.version == 1
    assert report.revision == 0
    target_cities = set(reform_a.targets.values_list("city_id", flat=True))
    assert set(report.city_lines.values_list("city_id", flat=True)) == target_cities
    assert list(report.transitions.values_list("from_state", "to_state", "actor_id")) == [
        ("", ReportState.DRAFT, reporter.pk)
    ]


def test_city_lines_start_from_the_targets_current_status(reporter, reform_a, period):
    target = reform_a.targets.first()
    target.status = TargetStatus.IN_PROGRESS
    target.save()

    report = services.report_create(user=reporter, reform=reform_a, period=period)

    assert report.city_lines.get(city=target.city).status == TargetStatus.IN_PROGRESS


def test_a_second_report_for_the_same_reform_unit_and_period_is_refused(reporter, manager, reform_a, period):
    services.report_create(user=reporter, reform=reform_a, period=period)

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.report_create(user=manager, reform=reform_a, period=period)

    assert exc.value.message_dict[NON_FIELD_ERRORS] == [
        "This unit has already filed a report on this reform for this period."
    ]
    assert ProgressReport.objects.count() == 1


def test_a_member_of_the_lead_and_a_co_unit_files_as_the_lead_never_for_the_co_unit(reporter, unit_a, reform_a, period):
    # Issue 12: only the lead unit files the report; a co-unit sends its contribution instead.
    unit_c = UnitFactory()
    ResponsibilityFactory(reform=reform_a, unit=unit_c, role=ResponsibilityRole.CO, position=1)
    MembershipFactory(user=reporter, unit=unit_c)

    with pytest.raises(ValidationError) as exc:
        services.report_create(user=reporter, reform=reform_a, period=period, unit=unit_c)
    assert exc.value.message_dict["unit"] == [
        "配合单位不单独填报进展报告，请通过“配合材料”报送牵头单位，由牵头单位填报进展报告。"
    ]
    assert not ProgressReport.objects.exists()

    report = services.report_create(user=reporter, reform=reform_a, period=period)
    assert report.unit == unit_a


def test_a_co_units_member_alone_is_told_to_send_a_contribution(other_reporter, unit_b, reform_a, period):
    ResponsibilityFactory(reform=reform_a, unit=unit_b, role=ResponsibilityRole.CO, position=1)

    with pytest.raises(ValidationError) as exc:
        services.report_create(user=other_reporter, reform=reform_a, period=period)

    assert "配合材料" in exc.value.message_dict["unit"][0]
    assert not ProgressReport.objects.exists()


def test_a_unit_not_ones_own_is_refused(reporter, unit_b, reform_a, period):
    ResponsibilityFactory(reform=reform_a, unit=unit_b, role=ResponsibilityRole.CO, position=1)

    with pytest.raises(ValidationError) as exc:
        services.report_create(user=reporter, reform=reform_a, period=period, unit=unit_b)

    assert "unit" in exc.value.message_dict
    assert not ProgressReport.objects.exists()


def test_the_office_does_not_file_reports(office, reform_a, period):
    with pytest.raises(PermissionDenied):
        services.report_create(user=office, reform=reform_a, period=period)


def test_a_period_of_another_batch_is_refused(reporter, reform_a):
    other_period = ReportingPeriodFactory()

    with pytest.raises(ValidationError) as exc:
        services.report_create(user=reporter, reform=reform_a, period=other_period)

    assert "period" in exc.value.message_dict


def test_an_update_with_the_current_version_writes_and_bumps_the_version(reporter, reform_a, make_report):
    report = make_report(reporter, reform_a)
    city = reform_a.targets.first().city

    updated = services.report_update(
        report=report,
        user=reporter,
        version=1,
        data={"percent": 40, "problems": "资金不足"},
        city_lines=[services.CityLineInput(city=city, status=TargetStatus.IN_PROGRESS, note="已启动")],
    )

    assert updated.version == 2
    fresh = ProgressReport.objects.get(pk=report.pk)
    assert (fresh.percent, fresh.problems, fresh.version) == (40, "资金不足", 2)
    assert fresh.city_lines.get(city=city).note == "已启动"


def test_an_update_with_a_stale_version_changes_nothing(reporter, reform_a, make_report):
    report = make_report(reporter, reform_a)
    services.report_update(report=report, user=reporter, version=1, data={"percent": 40})

    stale = ProgressReport.objects.get(pk=report.pk)
    stale.version = 1  # what a second editor still holds
    with pytest.raises(PreconditionFailed):
        services.report_update(report=stale, user=reporter, version=1, data={"percent": 90})

    assert ProgressReport.objects.get(pk=report.pk).percent == 40


def test_a_version_that_went_stale_between_read_and_write_is_refused_by_the_conditional_update(
    reporter, reform_a, make_report
):
    report = make_report(reporter, reform_a)
    # Another request wrote after this one read the row: the in-memory version still says 1.
    ProgressReport.objects.filter(pk=report.pk).update(version=2, percent=55)

    with pytest.raises(PreconditionFailed):
        services.report_update(report=report, user=reporter, version=1, data={"percent": 90})

    assert ProgressReport.objects.get(pk=report.pk).percent == 55


def test_only_the_units_members_edit_a_report(reporter, other_reporter, office, reform_a, make_report):
    report = make_report(reporter, reform_a)

    for outsider in (other_reporter, office):
        with pytest.raises(PermissionDenied):
            services.report_update(report=report, user=outsider, version=1, data={"percent": 20})

    assert ProgressReport.objects.get(pk=report.pk).percent == 0


def test_a_unit_manager_edits_and_submits_the_units_report(reporter, manager, reform_a, make_report):
    report = make_report(reporter, reform_a)

    report = services.report_update(report=report, user=manager, version=1, data={"percent": 30})
    report = services.report_submit(report=report, user=manager)

    assert report.state == ReportState.SUBMITTED


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"percent": 101}, "percent"),
        ({"status": TargetStatus.DONE, "percent": 80}, "percent"),
        ({"status": TargetStatus.NOT_STARTED, "percent": 5}, "percent"),
        ({"work_done": "长" * 5001}, "work_done"),
        ({"status": "finished"}, "status"),
    ],
)
def test_invalid_content_is_refused_per_field_and_nothing_is_written(reporter, reform_a, make_report, data, field):
    report = make_report(reporter, reform_a)

    with pytest.raises(ValidationError) as exc:
        services.report_update(report=report, user=reporter, version=1, data=data)

    assert field in exc.value.message_dict
    fresh = ProgressReport.objects.get(pk=report.pk)
    assert (fresh.version, fresh.percent, fresh.status) == (1, 0, TargetStatus.IN_PROGRESS)


def test_a_city_that_is_not_a_target_of_the_reform_is_refused(reporter, reform_a, reform_b, make_report):
    report = make_report(reporter, reform_a)
    foreign_city = reform_b.targets.first().city

    with pytest.raises(ValidationError) as exc:
        services.report_update(
            report=report,
            user=reporter,
            version=1,
            city_lines=[services.CityLineInput(city=foreign_city, status=TargetStatus.DONE)],
        )

    assert "city_lines" in exc.value.message_dict
    assert not report.city_lines.filter(city=foreign_city).exists()


def test_submitting_freezes_the_report_and_keeps_a_numbered_snapshot(reporter, reform_a, make_report):
    report = make_report(reporter, reform_a, percent=20)

    report = services.report_submit(report=report, user=reporter, version=1)

    assert (report.state, report.revision, report.version) == (ReportState.SUBMITTED, 1, 2)
    assert report.submitted_at is not None
    revision = ReportRevision.objects.get(report=report)
    assert revision.number == 1
    assert revision.data["percent"] == 20
    assert revision.data["work_done"] == "已完成制度文件起草"
    assert len(revision.data["city_lines"]) == 2
    with pytest.raises(ReportStateConflict):
        services.report_update(report=report, user=reporter, version=2, data={"percent": 99})


def test_a_report_without_work_done_cannot_be_submitted(reporter, reform_a, make_report):
    report = make_report(reporter, reform_a, work_done="  ")

    with pytest.raises(ValidationError) as exc:
        services.report_submit(report=report, user=reporter)

    assert "work_done" in exc.value.message_dict
    assert ProgressReport.objects.get(pk=report.pk).state == ReportState.DRAFT


def test_submitting_needs_a_line_for_every_target_city(reporter, reform_a, make_report):
    report = make_report(reporter, reform_a)
    report.city_lines.first().delete()

    with pytest.raises(ValidationError) as exc:
        services.report_submit(report=report, user=reporter)

    assert "city_lines" in exc.value.message_dict


def test_submitting_with_a_stale_version_is_refused(reporter, reform_a, make_report):
    report = make_report(reporter, reform_a)
    services.report_update(report=report, user=reporter, version=1, data={"percent": 10})

    with pytest.raises(PreconditionFailed):
        services.report_submit(report=report, user=reporter, version=1)


def test_approval_sets_the_targets_status_and_date_from_the_city_lines(reporter, office, reform_a, make_report):
    report = make_report(reporter, reform_a)
    done_city, na_city = [t.city for t in reform_a.targets.order_by("city__code")]
    services.report_update(
        report=report,
        user=reporter,
        version=1,
        city_lines=[
            services.CityLineInput(city=done_city, status=TargetStatus.DONE),
            services.CityLineInput(city=na_city, status=TargetStatus.NOT_APPLICABLE, note="非沿海城市"),
        ],
    )
    report = services.report_submit(report=report, user=reporter)

    report = services.report_approve(report=report, user=office, comment="同意")

    assert (report.state, report.reviewer, report.review_comment) == (ReportState.APPROVED, office, "同意")
    done = RolloutTarget.objects.get(reform=reform_a, city=done_city)
    na = RolloutTarget.objects.get(reform=reform_a, city=na_city)
    assert (done.status, done.status_changed_on) == (TargetStatus.DONE, timezone.localdate())
    assert (na.status, na.not_applicable_reason) == (TargetStatus.NOT_APPLICABLE, "非沿海城市")


def test_approval_leaves_the_date_of_targets_whose_status_did_not_change(reporter, office, reform_a, make_report):
    target = reform_a.targets.first()
    target.status_changed_on = datetime.date(2026, 1, 2)
    target.save()
    report = make_report(reporter, reform_a, state=ReportState.SUBMITTED)

    services.report_approve(report=report, user=office)

    target.refresh_from_db()
    assert (target.status, target.status_changed_on) == (TargetStatus.NOT_STARTED, datetime.date(2026, 1, 2))


@pytest.fixture
def october(period):
    """The period before `period`, in the same batch."""
    return ReportingPeriodFactory(
        batch=period.batch,
        code="2026-10",
        starts_on=datetime.date(2026, 10, 1),
        ends_on=datetime.date(2026, 10, 31),
        due_on=datetime.date(2026, 11, 5),
    )


def _submitted_with(user, reform, period, status, *, make_report):
    report = make_report(user, reform, period=period)
    lines = [services.CityLineInput(city=t.city, status=status) for t in reform.targets.all()]
    services.report_update(report=report, user=user, version=report.version, city_lines=lines)
    return services.report_submit(report=report, user=user)


def test_approving_an_older_periods_report_after_a_newer_one_keeps_the_newer_status(
    reporter, office, reform_a, period, october, make_report
):
    older = _submitted_with(reporter, reform_a, october, TargetStatus.IN_PROGRESS, make_report=make_report)
    newer = _submitted_with(reporter, reform_a, period, TargetStatus.DONE, make_report=make_report)

    services.report_approve(report=newer, user=office)
    services.report_approve(report=older, user=office)

    statuses = set(RolloutTarget.objects.filter(reform=reform_a).values_list("status", flat=True))
    assert statuses == {TargetStatus.DONE}
    assert ProgressReport.objects.get(pk=older.pk).state == ReportState.APPROVED


def test_approving_a_newer_periods_report_after_an_older_one_updates_the_status(
    reporter, office, reform_a, period, october, make_report
):
    older = _submitted_with(reporter, reform_a, october, TargetStatus.IN_PROGRESS, make_report=make_report)
    newer = _submitted_with(reporter, reform_a, period, TargetStatus.DONE, make_report=make_report)

    services.report_approve(report=older, user=office)
    assert set(RolloutTarget.objects.filter(reform=reform_a).values_list("status", flat=True)) == {
        TargetStatus.IN_PROGRESS
    }
    services.report_approve(report=newer, user=office)

    assert set(RolloutTarget.objects.filter(reform=reform_a).values_list("status", flat=True)) == {TargetStatus.DONE}


def test_only_the_office_approves_or_returns(reporter, manager, reform_a, make_report):
    report = make_report(reporter, reform_a, state=ReportState.SUBMITTED)

    with pytest.raises(PermissionDenied):
        services.report_approve(report=report, user=manager)
    with pytest.raises(PermissionDenied):
        services.report_return(report=report, user=manager, comment="退回")

    assert ProgressReport.objects.get(pk=report.pk).state == ReportState.SUBMITTED


def test_only_a_submitted_report_is_approved_or_returned(reporter, office, reform_a, make_report):
    draft = make_report(reporter, reform_a)

    with pytest.raises(ReportStateConflict):
        services.report_approve(report=draft, user=office)
    with pytest.raises(ReportStateConflict):
        services.report_return(report=draft, user=office, comment="退回")


def test_returning_needs_a_comment(reporter, office, reform_a, make_report):
    report = make_report(reporter, reform_a, state=ReportState.SUBMITTED)

    with pytest.raises(ValidationError) as exc:
        services.report_return(report=report, user=office, comment="   ")

    assert "comment" in exc.value.message_dict
    assert ProgressReport.objects.get(pk=report.pk).state == ReportState.SUBMITTED


def test_a_returned_report_is_edited_into_a_new_revision_and_the_whole_history_is_kept(
    reporter, office, reform_a, make_report
):
    report = make_report(reporter, reform_a, state=ReportState.RETURNED, percent=20)
    assert report.review_comment == "请补充佐证材料"

    report = services.report_update(report=report, user=reporter, version=report.version, data={"percent": 60})
    report = services.report_submit(report=report, user=reporter)
    report = services.report_approve(report=report, user=office)

    assert report.revision == 2
    assert [r.data["percent"] for r in report.revisions.order_by("number")] == [20, 60]
    steps = list(ReportTransition.objects.filter(report=report).values_list("from_state", "to_state", "actor_id"))
    assert steps == [
        ("", ReportState.DRAFT, reporter.pk),
        (ReportState.DRAFT, ReportState.SUBMITTED, reporter.pk),
        (ReportState.SUBMITTED, ReportState.RETURNED, office.pk),
        (ReportState.RETURNED, ReportState.SUBMITTED, reporter.pk),
        (ReportState.SUBMITTED, ReportState.APPROVED, office.pk),
    ]
    returned = ReportTransition.objects.get(report=report, to_state=ReportState.RETURNED)
    assert returned.comment == "请补充佐证材料"


def test_an_approved_report_is_final(reporter, office, reform_a, make_report):
    report = make_report(reporter, reform_a, state=ReportState.APPROVED)

    with pytest.raises(ReportStateConflict):
        services.report_update(report=report, user=reporter, version=report.version, data={"percent": 1})
    with pytest.raises(ReportStateConflict):
        services.report_submit(report=report, user=reporter)
    with pytest.raises(ReportStateConflict):
        services.report_return(report=report, user=office, comment="再看看")


def test_a_member_who_left_the_unit_stays_the_author_but_can_no_longer_edit(reporter, unit_a, reform_a, make_report):
    report = make_report(reporter, reform_a)
    colleague = make_unit_user(unit_a, role=MembershipRole.MANAGER)
    reporter.memberships.all().delete()
    reporter.__dict__.pop("_unit_ids", None)  # as on the next request

    with pytest.raises(PermissionDenied):
        services.report_update(report=report, user=reporter, version=1, data={"percent": 5})
    report = services.report_update(report=report, user=colleague, version=1, data={"percent": 5})

    assert report.author == reporter
