"""Issue 12: co-units owe contributions and target cities their submissions, chased like reports.

The world's batch reports monthly by the 5th; period 2026-01 is due Thursday 5 February 2026, so contributions and
city submissions (3 working days earlier, the rule's default) are due Monday 2 February: 提醒 on 2 February, 催办 on
3 and 6 February, 督办 from 9 February (7 days overdue), which also goes to the office and the lead unit.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from tracker import services as tracker_services
from tracker.cities.services import submissions as city_services
from tracker.contributions import services as contribution_services
from tracker.models import ProgressReport, ReportingPeriod
from tracker.reminders import services
from tracker.reminders.choices import ObligationKind, ReminderState, Step
from tracker.reminders.models import Obligation, Reminder

D = datetime.date
REPORT, CONTRIBUTION, CITY = ObligationKind.REPORT, ObligationKind.CONTRIBUTION, ObligationKind.CITY_SUBMISSION


def the(kind, world) -> Obligation:
    return Obligation.objects.get(kind=kind, reform=world.reform_a, period__code="2026-01")


def recipients(obligation: Obligation, **filters) -> set[str]:
    rows = Reminder.objects.filter(obligation=obligation, channel="email", **filters)
    return set(rows.values_list("recipient__username", flat=True))


def deliver_to(result: services.SweepResult, user) -> str:
    [delivery] = [d for d in result.deliveries if d.channel == "email" and d.target_id == user.pk]
    return services.reminders_deliver(claim=delivery.claim, channel=delivery.channel, target_id=delivery.target_id)


def test_the_lead_owes_the_report_each_co_unit_a_contribution_each_target_city_a_submission(feeding, sweep_on):
    sweep_on(D(2026, 2, 2))
    rows = set(
        Obligation.objects.filter(period__code="2026-01").values_list(
            "kind", "reform__code", "unit__name", "city__name", "due_on"
        )
    )
    a, b = feeding.reform_a.code, feeding.reform_b.code
    assert rows == {
        (REPORT, a, "省测试甲厅", None, D(2026, 2, 5)),
        (CONTRIBUTION, a, "省测试配合厅", None, D(2026, 2, 2)),
        # The exempted city owes nothing.
        (CITY, a, None, feeding.city.name, D(2026, 2, 2)),
        (REPORT, b, "省测试乙厅", None, D(2026, 2, 5)),
    }
    # The rule's lead days move the contributions' and cities' due dates with it, not the report's.
    feeding.rule.contribution_lead_days = 1
    feeding.rule.save()
    sweep_on(D(2026, 2, 2))
    assert the(CONTRIBUTION, feeding).due_on == the(CITY, feeding).due_on == D(2026, 2, 4)
    assert the(REPORT, feeding).due_on == D(2026, 2, 5)


def test_the_constraints_keep_each_kind_to_its_subject_and_one_per_period(feeding, sweep_on):
    sweep_on(D(2026, 2, 2))
    period = the(CONTRIBUTION, feeding).period
    bad = [
        # A city submission owed by a unit, a contribution owed by a city, a report owed by nobody.
        {"kind": CITY, "reform": feeding.reform_a, "unit": feeding.co_unit, "period": period},
        {"kind": CONTRIBUTION, "reform": feeding.reform_a, "city": feeding.city, "period": period},
        {"kind": REPORT, "reform": feeding.reform_a, "period": period},
        # The same (kind, reform, subject, period) twice.
        {"kind": CONTRIBUTION, "reform": feeding.reform_a, "unit": feeding.co_unit, "period": period},
        {"kind": CITY, "reform": feeding.reform_a, "city": feeding.city, "period": period},
    ]
    for fields in bad:
        with pytest.raises(IntegrityError), transaction.atomic():
            Obligation.objects.create(due_on=period.due_on, **fields)


def test_co_units_and_cities_get_their_own_reminders_once_with_their_own_subjects(feeding, sweep_on, smtp):
    result = sweep_on(D(2026, 2, 2))
    contribution, city = the(CONTRIBUTION, feeding), the(CITY, feeding)
    assert recipients(contribution) == {"co_clerk"}
    assert recipients(city) == {"city_clerk"}
    assert set(Reminder.objects.filter(obligation__in=[contribution, city]).values_list("step", flat=True)) == {
        Step.REMIND
    }

    assert deliver_to(result, feeding.co_clerk) == "sent"
    assert deliver_to(result, feeding.city_clerk) == "sent"
    [co_mail] = smtp.to("co_clerk@example.org")
    assert co_mail.subject == "配合材料提醒：截至2026年2月2日共1项待报送牵头单位"
    assert "截至2026年2月2日，以下配合材料尚未报送牵头单位：" in co_mail.text
    assert "省测试配合厅（配合单位），2026年1月配合材料，请于2026年2月2日前报送牵头单位，今天到期" in co_mail.text
    [city_mail] = smtp.to("city_clerk@example.org")
    assert city_mail.subject == "城市推进情况填报提醒：截至2026年2月2日共1项待填报"
    assert f"{feeding.city.name}，2026年1月推进情况，请于2026年2月2日前填报，今天到期" in city_mail.text

    # Exactly once: the same day's second sweep records nothing for anyone.
    assert sweep_on(D(2026, 2, 2), hour=9).reminders_recorded == 0
    assert Reminder.objects.filter(obligation__in=[contribution, city]).count() == 2


def test_an_escalation_goes_to_the_office_and_the_lead_unit_whose_report_waits(feeding, sweep_on, smtp):
    result = sweep_on(D(2026, 2, 9))  # contributions and cities 7 days overdue, the report 4 days
    escalated = {"co_clerk", "office", "reporter", "manager"}
    assert recipients(the(CONTRIBUTION, feeding), step=Step.ESCALATE) == escalated
    assert recipients(the(CITY, feeding), step=Step.ESCALATE) == escalated - {"co_clerk"} | {"city_clerk"}
    # The report itself is urged, to its own unit only.
    assert recipients(the(REPORT, feeding)) == {"reporter", "manager"}
    assert set(Reminder.objects.filter(obligation=the(REPORT, feeding)).values_list("step", flat=True)) == {Step.URGE}

    # The lead's member gets one digest with its report and both things it waits for: the general subject.
    assert deliver_to(result, feeding.reporter) == "sent"
    [mail] = smtp.to("reporter@example.org")
    assert mail.subject == "报送提醒：截至2026年2月9日共3项待报送"
    assert "[督办]" in mail.text and "[催办]" in mail.text and "配合材料" in mail.text


def submit_contribution(world):
    period = ReportingPeriod.objects.get(batch=world.batch, code="2026-01")
    draft = contribution_services.contribution_create(
        user=world.co_clerk, reform=world.reform_a, period=period, data={"work_done": "已配合完成口岸对接"}
    )
    return contribution_services.contribution_submit(contribution=draft, user=world.co_clerk)


def submit_city(world):
    period = ReportingPeriod.objects.get(batch=world.batch, code="2026-01")
    draft = city_services.city_submission_create(
        user=world.city_clerk, target=world.target, period=period, data={"work_done": "已印发实施方案"}
    )
    return city_services.city_submission_submit(submission=draft, user=world.city_clerk)


def test_reminders_stop_when_it_is_in_and_restart_when_withdrawn_or_returned(feeding, sweep_on):
    sweep_on(D(2026, 2, 2))
    contribution = submit_contribution(feeding)
    submission = submit_city(feeding)
    # Met at once, in the filing's own transaction, at its submission time.
    assert the(CONTRIBUTION, feeding).met_at == contribution.submitted_at
    assert the(CITY, feeding).met_at == submission.submitted_at

    sweep_on(D(2026, 2, 3))  # an urge day: nothing for what is in
    assert not Reminder.objects.filter(obligation__kind__in=[CONTRIBUTION, CITY], occurs_on=D(2026, 2, 3)).exists()
    assert Reminder.objects.filter(obligation__kind=REPORT, occurs_on__gt=D(2026, 2, 2)).count() == 0  # not yet due

    contribution_services.contribution_withdraw(contribution=contribution, user=feeding.co_clerk)
    city_services.city_submission_return(submission=submission, user=feeding.reporter, comment="请补充印发文号")
    for kind in (CONTRIBUTION, CITY):
        reopened = the(kind, feeding)
        assert (reopened.met_at, reopened.cycle) == (None, 2)

    result = sweep_on(D(2026, 2, 6))  # the next urge day: chased again, in the new cycle
    assert result.refresh.obligations_met == result.refresh.obligations_reopened == 0  # the services did it
    assert recipients(the(CONTRIBUTION, feeding), cycle=2, step=Step.URGE) == {"co_clerk"}
    assert recipients(the(CITY, feeding), cycle=2, step=Step.URGE) == {"city_clerk"}

    # Confirmed by the lead: met again, and the sweep keeps it met.
    submission = city_services.city_submission_submit(submission=submission, user=feeding.city_clerk)
    city_services.city_submission_confirm(submission=submission, user=feeding.reporter)
    sweep_on(D(2026, 2, 9))
    assert the(CITY, feeding).met_at is not None
    assert not Reminder.objects.filter(obligation=the(CITY, feeding), occurs_on=D(2026, 2, 9)).exists()


def test_the_sweep_meets_what_came_in_without_the_services(feeding, sweep_on):
    """A filing the services did not follow (its period was derived after it): the sweep meets it."""
    sweep_on(D(2026, 2, 2))
    contribution = submit_contribution(feeding)
    Obligation.objects.filter(kind=CONTRIBUTION).update(met_at=None)
    result = sweep_on(D(2026, 2, 3))
    assert result.refresh.obligations_met == 1
    assert the(CONTRIBUTION, feeding).met_at == contribution.submitted_at


def test_a_contribution_submitted_after_the_sweep_cancels_its_reminder(feeding, sweep_on, smtp):
    result = sweep_on(D(2026, 2, 2))
    submit_contribution(feeding)
    assert deliver_to(result, feeding.co_clerk) == "nothing"
    assert smtp.to("co_clerk@example.org") == []
    assert set(Reminder.objects.filter(recipient=feeding.co_clerk).values_list("state", flat=True)) == {
        ReminderState.CANCELLED
    }


def test_a_co_unit_cannot_file_a_progress_report_it_is_told_to_send_a_contribution(feeding, sweep_on, client_for):
    sweep_on(D(2026, 2, 2))
    period = ReportingPeriod.objects.get(batch=feeding.batch, code="2026-01")
    message = "配合单位不单独填报进展报告，请通过“配合材料”报送牵头单位，由牵头单位填报进展报告。"
    with pytest.raises(ValidationError) as refused:
        tracker_services.report_create(user=feeding.co_clerk, reform=feeding.reform_a, period=period)
    assert message in str(refused.value)
    with pytest.raises(ValidationError, match="配合材料"):
        tracker_services.report_create(
            user=feeding.co_clerk, reform=feeding.reform_a, period=period, unit=feeding.co_unit
        )

    response = client_for(feeding.co_clerk).post(
        reverse("tracker-api:report-list"),
        {"reform": feeding.reform_a.pk, "period": period.pk, "work_done": "配合"},
        format="json",
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ProgressReport.objects.filter(reform=feeding.reform_a).exists()
    # The lead still files it.
    assert tracker_services.report_create(user=feeding.reporter, reform=feeding.reform_a, period=period).pk
