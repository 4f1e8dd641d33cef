"""The sweep in-process: obligations, what is recorded on which day, who receives it, claims and leases."""

import datetime

import pytest
import time_machine

from reforms.choices import ResponsibilityRole
from reforms.tests.factories import ResponsibilityFactory
from tracker import services as tracker_services
from tracker.models import ReportingPeriod
from tracker.reminders import services
from tracker.reminders.choices import Channel, ObligationKind, ReminderState, Step
from tracker.reminders.models import Obligation, Reminder, ReminderSettings
from units.tests.factories import UnitFactory

from .conftest import local_time
from .factories import CalendarDayFactory, UnitChannelFactory, make_reform_for

D = datetime.date

# Period 2026-01 of the world's batch is due Thursday 5 February 2026: reminders on 29 January (7 days before),
# 2 February (3 days), 4 February (1 day) and 5 February, urges on 6 and 9 February, escalation from 12 February.


def reminders_of(user) -> list[Reminder]:
    return list(Reminder.objects.filter(recipient=user).order_by("occurs_on", "id"))


def file_report(user, reform, period_code="2026-01", submit=True):
    period = ReportingPeriod.objects.get(batch=reform.batch, code=period_code)
    report = tracker_services.report_create(user=user, reform=reform, period=period, data={"work_done": "已部署"})
    return tracker_services.report_submit(report=report, user=user) if submit else report


def test_it_derives_one_obligation_per_responsible_unit_and_period(world, sweep_on):
    ResponsibilityFactory(reform=world.reform_a, unit=world.unit_b, role=ResponsibilityRole.CO, position=1)
    finished = make_reform_for(world.unit_a, batch=world.batch)
    finished.deadline = D(2026, 1, 31)
    finished.save()
    result = sweep_on(D(2026, 2, 2))
    assert result.refresh.periods_created == 2  # January (due 5 February) and February (its first reminder is near)
    rows = set(Obligation.objects.values_list("kind", "reform__code", "unit__name", "period__code", "due_on"))
    report, contribution = ObligationKind.REPORT, ObligationKind.CONTRIBUTION
    assert rows == {
        (report, world.reform_a.code, "省测试甲厅", "2026-01", D(2026, 2, 5)),
        # The co-unit owes a contribution, 3 working days before the lead's report (the rule's default lead days).
        (contribution, world.reform_a.code, "省测试乙厅", "2026-01", D(2026, 2, 2)),
        (report, world.reform_b.code, "省测试乙厅", "2026-01", D(2026, 2, 5)),
        (report, finished.code, "省测试甲厅", "2026-01", D(2026, 2, 5)),
        # February: not for the reform whose completion deadline came before the period started.
        (report, world.reform_a.code, "省测试甲厅", "2026-02", D(2026, 3, 5)),
        (contribution, world.reform_a.code, "省测试乙厅", "2026-02", D(2026, 3, 2)),
        (report, world.reform_b.code, "省测试乙厅", "2026-02", D(2026, 3, 5)),
    }
    assert sweep_on(D(2026, 2, 2)).refresh.obligations_created == 0


def test_a_batch_without_a_rule_has_obligations_for_its_periods_but_no_reminders(world, sweep_on):
    from reforms.tests.factories import BatchFactory
    from tracker.tests.factories import ReportingPeriodFactory

    batch = BatchFactory(code="no-rule", issued_on=D(2026, 1, 1), default_deadline=None)
    reform = make_reform_for(world.unit_a, batch=batch)
    ReportingPeriodFactory(
        batch=batch, code="2026-01", starts_on=D(2026, 1, 1), ends_on=D(2026, 1, 31), due_on=D(2026, 2, 5)
    )
    sweep_on(D(2026, 2, 5))
    assert Obligation.objects.filter(reform=reform, unit=world.unit_a, due_on=D(2026, 2, 5)).exists()
    assert not Reminder.objects.filter(obligation__reform=reform).exists()
    assert Reminder.objects.filter(obligation__reform=world.reform_a).exists()


def test_a_report_never_started_is_as_unmet_as_a_draft_and_submitting_meets_it(world, sweep_on):
    sweep_on(D(2026, 2, 2))
    file_report(world.reporter, world.reform_a, submit=False)
    sweep_on(D(2026, 2, 3))
    unmet = set(
        Obligation.objects.filter(period__code="2026-01", met_at__isnull=True).values_list("unit__name", flat=True)
    )
    assert unmet == {"省测试甲厅", "省测试乙厅"}
    report = file_report(world.other_reporter, world.reform_b)
    # Met by the submission itself, in its transaction; the sweep finds nothing left to meet.
    met = Obligation.objects.get(reform=world.reform_b, period__code="2026-01")
    assert met.met_at == report.submitted_at
    assert sweep_on(D(2026, 2, 4)).refresh.obligations_met == 0


def test_it_records_each_days_reminder_once_per_member_and_sweep_runs_are_idempotent(world, sweep_on):
    first = sweep_on(D(2026, 1, 29))
    second = sweep_on(D(2026, 1, 29), hour=9)
    assert first.reminders_recorded == 3  # reporter and manager of unit_a, other_reporter of unit_b
    assert second.reminders_recorded == 0
    assert Reminder.objects.count() == 3
    assert {(r.step, r.occurs_on, r.channel) for r in reminders_of(world.manager)} == {
        (Step.REMIND, D(2026, 1, 29), Channel.EMAIL)
    }
    assert reminders_of(world.office) == []


def test_over_the_schedule_each_step_goes_out_on_its_day_and_escalation_reaches_the_office(world, sweep_on):
    day = D(2026, 1, 26)
    while day <= D(2026, 2, 13):
        sweep_on(day)
        day += datetime.timedelta(days=1)
    sent_days = [
        (r.occurs_on, r.step, r.as_of) for r in reminders_of(world.reporter) if r.obligation.period.code == "2026-01"
    ]
    assert sent_days == [
        (D(2026, 1, 29), Step.REMIND, D(2026, 1, 29)),
        (D(2026, 2, 2), Step.REMIND, D(2026, 2, 2)),
        (D(2026, 2, 4), Step.REMIND, D(2026, 2, 4)),
        (D(2026, 2, 5), Step.REMIND, D(2026, 2, 5)),
        (D(2026, 2, 6), Step.URGE, D(2026, 2, 6)),
        (D(2026, 2, 9), Step.URGE, D(2026, 2, 9)),
        (D(2026, 2, 12), Step.ESCALATE, D(2026, 2, 12)),
    ]
    office = reminders_of(world.office)
    assert {(r.obligation.unit.name, r.step, r.occurs_on) for r in office} == {
        ("省测试甲厅", Step.ESCALATE, D(2026, 2, 12)),
        ("省测试乙厅", Step.ESCALATE, D(2026, 2, 12)),
    }


def test_nothing_goes_out_on_a_day_off_and_the_overdue_urge_waits_for_the_next_working_day(world, sweep_on):
    sweep_on(D(2026, 2, 5))
    # Saturday 7 February: a day off. Sunday 8th too. The urge of the 6th was recorded on the 6th (Friday).
    assert sweep_on(D(2026, 2, 7)).skipped is True
    assert Reminder.objects.filter(as_of=D(2026, 2, 7)).count() == 0
    CalendarDayFactory(date=D(2026, 2, 6), is_working_day=False, note="本单位调整")
    assert sweep_on(D(2026, 2, 6)).skipped is True
    sweep_on(D(2026, 2, 9))  # Monday: the latest occurrence is the urge of the 9th itself
    assert [(r.step, r.occurs_on) for r in reminders_of(world.reporter) if r.as_of > D(2026, 2, 5)] == [
        (Step.URGE, D(2026, 2, 9))
    ]


def test_the_office_may_allow_sending_on_days_off(world, sweep_on):
    ReminderSettings.objects.update_or_create(pk=1, defaults={"send_on_days_off": True})
    result = sweep_on(D(2026, 2, 7))  # a Saturday
    assert result.skipped is False
    assert len(result.deliveries) == 3
    # The first sweep after the deadline: the latest occurrence is the urge of the 6th, sent on the 7th.
    assert [(r.step, r.occurs_on, r.as_of) for r in reminders_of(world.reporter)] == [
        (Step.URGE, D(2026, 2, 6), D(2026, 2, 7))
    ]


def test_a_deadline_right_after_the_spring_festival_is_announced_on_the_make_up_saturday_before_it(world, sweep_on):
    world.rule.due_day = 20  # January's report: 20 February is a holiday, so due Tuesday 24 February
    world.rule.save()
    for day in (D(2026, 2, 13), D(2026, 2, 14), D(2026, 2, 24)):
        sweep_on(day)
    assert Obligation.objects.filter(period__code="2026-01").first().due_on == D(2026, 2, 24)
    assert [(r.as_of, r.occurs_on) for r in reminders_of(world.reporter)] == [
        (D(2026, 2, 14), D(2026, 2, 14)),
        (D(2026, 2, 24), D(2026, 2, 24)),
    ]


def test_submitting_stops_the_reminders_and_a_returned_report_restarts_them(world, sweep_on):
    sweep_on(D(2026, 2, 6))
    report = file_report(world.reporter, world.reform_a)
    sweep_on(D(2026, 2, 9))
    assert [r.occurs_on for r in reminders_of(world.reporter)] == [D(2026, 2, 6)]
    tracker_services.report_return(report=report, user=world.office, comment="请补充佐证材料")
    # Reopened by the return itself (a new cycle); the sweep does not reopen it a second time.
    obligation = Obligation.objects.get(reform=world.reform_a, unit=world.unit_a, period__code="2026-01")
    assert (obligation.met_at, obligation.cycle) == (None, 2)
    result = sweep_on(D(2026, 2, 10))
    assert result.refresh.obligations_reopened == 0
    restarted = reminders_of(world.reporter)[-1]
    # The new cycle's latest occurrence (the urge of the 9th) goes out at once; the old cycle's is kept as history.
    assert (restarted.cycle, restarted.step, restarted.occurs_on, restarted.as_of) == (
        2,
        Step.URGE,
        D(2026, 2, 9),
        D(2026, 2, 10),
    )


def test_a_unit_without_members_gets_nothing_by_mail_but_its_chat_robot_is_reminded(world, sweep_on):
    lonely = UnitFactory(name="省测试丙厅")
    reform = make_reform_for(lonely, batch=world.batch)
    robot = UnitChannelFactory(unit=lonely)
    sweep_on(D(2026, 1, 29))
    rows = Reminder.objects.filter(obligation__reform=reform)
    assert [(r.channel, r.webhook_id, r.recipient_id) for r in rows] == [(Channel.WEBHOOK, robot.pk, None)]


def test_the_sweep_enqueues_one_delivery_per_recipient_with_ids_only_after_commit(
    world, sweep_on, django_capture_on_commit_callbacks
):
    make_reform_for(world.unit_a, batch=world.batch)  # a second obligation for unit_a: still one mail per person
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = sweep_on(D(2026, 1, 29))
    assert len(callbacks) == 3
    assert result.reminders_claimed == 5
    assert {(d.channel, d.target_id) for d in result.deliveries} == {
        (Channel.EMAIL, world.reporter.pk),
        (Channel.EMAIL, world.manager.pk),
        (Channel.EMAIL, world.other_reporter.pk),
    }
    for callback in callbacks:
        claim, channel, target_id = callback.args
        assert isinstance(claim, str) and isinstance(channel, str) and isinstance(target_id, int)
    assert set(Reminder.objects.values_list("state", flat=True)) == {ReminderState.SENDING}


def test_a_claim_whose_lease_expired_is_taken_over_by_the_next_sweep_and_a_live_one_is_not(world, sweep_on):
    first = sweep_on(D(2026, 1, 29), hour=8)
    tokens = set(Reminder.objects.values_list("claim", flat=True))
    assert len(tokens) == 1
    assert sweep_on(D(2026, 1, 29), hour=8).deliveries == []  # at the same moment the lease (12 min) holds
    later = sweep_on(D(2026, 1, 29), hour=9)
    assert later.reminders_claimed == first.reminders_claimed == 3
    assert set(Reminder.objects.values_list("claim", flat=True)).isdisjoint(tokens)


def test_remind_now_sends_one_urge_per_obligation_and_day_and_skips_met_ones(
    world, sweep_on, django_capture_on_commit_callbacks
):
    sweep_on(D(2026, 2, 2))
    file_report(world.other_reporter, world.reform_b)
    obligations = list(Obligation.objects.filter(period__code="2026-01"))
    with time_machine.travel(local_time(D(2026, 2, 3), 10), tick=False):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            result = services.reminders_remind_now(obligations=obligations, user=world.office)
        again = services.reminders_remind_now(obligations=obligations, user=world.office)
    assert (result.reminded, result.already_met) == (1, 1)
    assert len(callbacks) == 2  # reporter and manager of unit_a
    urges = Reminder.objects.filter(manual=True)
    assert {(r.recipient_id, r.step, r.occurs_on) for r in urges} == {
        (world.reporter.pk, Step.URGE, D(2026, 2, 3)),
        (world.manager.pk, Step.URGE, D(2026, 2, 3)),
    }
    assert (again.reminded, again.already_reminded, again.deliveries) == (0, 1, [])  # the double click


def test_only_the_office_reminds_now(world, sweep_on):
    from django.core.exceptions import PermissionDenied

    sweep_on(D(2026, 2, 2))
    with pytest.raises(PermissionDenied):
        services.reminders_remind_now(obligations=list(Obligation.objects.all()), user=world.reporter)


def test_the_dry_run_shows_what_the_sweep_would_send_and_keeps_nothing(world, django_capture_on_commit_callbacks):
    with (
        time_machine.travel(local_time(D(2026, 2, 12)), tick=False),
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        plan = services.reminders_dry_run()
    assert callbacks == []
    assert Obligation.objects.count() == 0 and Reminder.objects.count() == 0
    assert ReportingPeriod.objects.filter(batch=world.batch).count() == 0
    by_name = {d.target_name: {(i.reform_code, i.step, i.bucket, i.days) for i in d.items} for d in plan.digests}
    a, b = (world.reform_a.code, Step.ESCALATE, "overdue", 7), (world.reform_b.code, Step.ESCALATE, "overdue", 7)
    assert by_name == {"reporter": {a}, "manager": {a}, "other_reporter": {b}, "office": {a, b}}


def test_the_command_runs_the_sweep_or_shows_its_dry_run(world):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("reminders_sweep", "--date", "2026-01-29", "--dry-run", stdout=out)
    assert "3 reminders recorded" in out.getvalue() and "reporter" in out.getvalue()
    assert Reminder.objects.count() == 0
    call_command("reminders_sweep", "--date", "2026-01-29", stdout=StringIO())
    assert Reminder.objects.count() == 3
    out = StringIO()
    call_command("reminders_sweep", "--date", "2026-01-31", stdout=out)
    assert out.getvalue().strip() == "2026-01-31: day off, nothing sent"
