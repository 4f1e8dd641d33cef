"""Reporting rules: their periods and due dates over the holidays, and the days their reminders are due."""

import datetime

import pytest

from reforms.tests.factories import BatchFactory
from tracker.reminders.calendar import WorkingCalendar
from tracker.reminders.choices import RuleKind, Step
from tracker.reminders.models import ReportingRule
from tracker.reminders.rules import Occurrence, latest_occurrence, rule_periods

from .factories import ReportingRuleFactory

D = datetime.date

pytestmark = pytest.mark.django_db


def periods(rule: ReportingRule, until: datetime.date) -> dict[str, datetime.date]:
    return {p.code: p.due_on for p in rule_periods(rule, until=until, cal=WorkingCalendar())}


def test_a_monthly_due_date_in_the_national_day_holiday_moves_to_the_first_working_day_after_it():
    rule = ReportingRuleFactory(batch=BatchFactory(issued_on=D(2025, 8, 1), default_deadline=None), due_day=5)
    due = periods(rule, until=D(2025, 10, 31))
    # 5 September (Friday) stays; 5 October is inside 1-8 October: the 9th; 5 November (Wednesday) stays.
    assert due == {"2025-08": D(2025, 9, 5), "2025-09": D(2025, 10, 9), "2025-10": D(2025, 11, 5)}


def test_a_due_date_in_the_spring_festival_moves_past_it_but_a_make_up_saturday_is_a_working_day():
    batch = BatchFactory(issued_on=D(2026, 1, 1), default_deadline=D(2026, 1, 31))
    assert periods(ReportingRuleFactory(batch=batch, due_day=20), D(2026, 3, 1)) == {"2026-01": D(2026, 2, 24)}
    ReportingRule.objects.all().delete()
    assert periods(ReportingRuleFactory(batch=batch, due_day=14), D(2026, 3, 1)) == {"2026-01": D(2026, 2, 14)}


def test_without_rolling_a_due_date_may_fall_on_a_holiday():
    batch = BatchFactory(issued_on=D(2026, 1, 1), default_deadline=D(2026, 1, 31))
    rule = ReportingRuleFactory(batch=batch, due_day=20, roll_to_working_day=False)
    assert periods(rule, D(2026, 3, 1)) == {"2026-01": D(2026, 2, 20)}


def test_quarterly_periods_are_due_after_the_quarter_and_skip_national_day():
    batch = BatchFactory(issued_on=D(2026, 5, 15), default_deadline=D(2026, 12, 31))
    rule = ReportingRuleFactory(batch=batch, kind=RuleKind.QUARTERLY, due_day=5)
    specs = rule_periods(rule, until=D(2026, 12, 31), cal=WorkingCalendar())
    assert [(s.code, s.label, s.starts_on, s.ends_on, s.due_on) for s in specs] == [
        ("2026-Q2", "2026年第二季度", D(2026, 4, 1), D(2026, 6, 30), D(2026, 7, 6)),  # 5 July is a Sunday
        ("2026-Q3", "2026年第三季度", D(2026, 7, 1), D(2026, 9, 30), D(2026, 10, 8)),
        ("2026-Q4", "2026年第四季度", D(2026, 10, 1), D(2026, 12, 31), D(2027, 1, 5)),
    ]


def test_n_working_days_after_a_date_counts_the_make_up_day_and_skips_the_holiday():
    rule = ReportingRuleFactory(kind=RuleKind.AFTER_DATE, due_day=None, working_days=5, anchor_date=D(2025, 9, 26))
    [spec] = rule_periods(rule, until=D(2025, 9, 26), cal=WorkingCalendar())
    assert (spec.code, spec.due_on) == ("once-20250926", D(2025, 10, 10))


def test_day_31_means_the_last_day_of_a_short_month():
    batch = BatchFactory(issued_on=D(2026, 1, 1), default_deadline=D(2026, 1, 31))
    rule = ReportingRuleFactory(batch=batch, due_day=31, roll_to_working_day=False)
    assert periods(rule, D(2026, 3, 1)) == {"2026-01": D(2026, 2, 28)}


def test_periods_stop_at_the_rules_end_and_at_the_horizon():
    batch = BatchFactory(issued_on=D(2026, 1, 10), default_deadline=D(2026, 12, 31))
    rule = ReportingRuleFactory(batch=batch, ends_on=D(2026, 3, 1))
    assert list(periods(rule, D(2026, 12, 1))) == ["2026-01", "2026-02", "2026-03"]
    assert list(periods(rule, D(2026, 2, 15))) == ["2026-01", "2026-02"]


def test_the_rule_says_what_is_missing_for_its_kind():
    from django.core.exceptions import ValidationError

    rule = ReportingRule(batch=BatchFactory(), kind=RuleKind.AFTER_DATE, remind_days_before="7, 3,1")
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert set(error.value.message_dict) == {"working_days", "anchor_date"}
    rule = ReportingRule(batch=BatchFactory(), kind=RuleKind.MONTHLY, due_day=5, remind_days_before="7;3")
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert set(error.value.message_dict) == {"remind_days_before"}


# Due Thursday 5 February 2026; 7, 3, 1 days before, on the day, every 3 days overdue, escalation from 7 days.
SCHEDULE = [
    (D(2026, 1, 28), None),
    (D(2026, 1, 29), Occurrence(D(2026, 1, 29), Step.REMIND)),
    (D(2026, 1, 31), Occurrence(D(2026, 1, 29), Step.REMIND)),
    (D(2026, 2, 2), Occurrence(D(2026, 2, 2), Step.REMIND)),
    (D(2026, 2, 4), Occurrence(D(2026, 2, 4), Step.REMIND)),
    (D(2026, 2, 5), Occurrence(D(2026, 2, 5), Step.REMIND)),
    (D(2026, 2, 6), Occurrence(D(2026, 2, 6), Step.URGE)),
    (D(2026, 2, 8), Occurrence(D(2026, 2, 6), Step.URGE)),
    (D(2026, 2, 9), Occurrence(D(2026, 2, 9), Step.URGE)),
    (D(2026, 2, 12), Occurrence(D(2026, 2, 12), Step.ESCALATE)),
    (D(2026, 2, 14), Occurrence(D(2026, 2, 12), Step.ESCALATE)),
    (D(2026, 2, 24), Occurrence(D(2026, 2, 24), Step.ESCALATE)),
]


@pytest.mark.parametrize(("today", "expected"), SCHEDULE)
def test_the_latest_occurrence_of_the_schedule(today, expected):
    rule = ReportingRuleFactory()
    assert latest_occurrence(rule, D(2026, 2, 5), today) == expected


def test_reminders_before_a_deadline_that_fall_on_days_off_move_to_the_working_day_before():
    # Due Tuesday 24 February 2026, right after the Spring Festival: 7, 3 and 1 days before are all holidays, so
    # all three are due on Saturday 14 February, the make-up working day before the holiday.
    rule = ReportingRuleFactory()
    cal = WorkingCalendar()
    due = D(2026, 2, 24)
    assert latest_occurrence(rule, due, D(2026, 2, 13), cal=cal) is None
    assert latest_occurrence(rule, due, D(2026, 2, 14), cal=cal) == Occurrence(D(2026, 2, 14), Step.REMIND)
    assert latest_occurrence(rule, due, D(2026, 2, 24), cal=cal) == Occurrence(D(2026, 2, 24), Step.REMIND)
    # Without the calendar (the office sends on days off) they stay on their days.
    assert latest_occurrence(rule, due, D(2026, 2, 21)) == Occurrence(D(2026, 2, 21), Step.REMIND)
