"""What a reporting rule means: its periods with their due dates, and on which days which reminder step is due.

Pure functions of the rule, the calendar and a date; the services write what they compute.
"""

import calendar as std_calendar
import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist

from .calendar import WorkingCalendar
from .choices import Bucket, RuleKind, Step
from .models import ReportingRule

QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}


@dataclass(frozen=True)
class PeriodSpec:
    """A reporting period as the rule defines it, before it is a tracker.ReportingPeriod row."""

    code: str
    label: str
    starts_on: datetime.date
    ends_on: datetime.date
    due_on: datetime.date


@dataclass(frozen=True)
class Occurrence:
    """One day of a rule's schedule and the step a reminder sent for it takes."""

    on: datetime.date
    step: Step


def _day_of_month(year: int, month: int, day: int) -> datetime.date:
    # "By the 31st" means the month's last day in a short month.
    return datetime.date(year, month, min(day, std_calendar.monthrange(year, month)[1]))


def _months(first: datetime.date, last: datetime.date, step: int) -> Iterator[tuple[int, int]]:
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield year, month
        month += step
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    month += n
    return year + (month - 1) // 12, (month - 1) % 12 + 1


def rule_periods(rule: ReportingRule, *, until: datetime.date, cal: WorkingCalendar) -> list[PeriodSpec]:
    """The periods of `rule` that start on or before `until` (and its last period start), with their due dates.

    Period labels are data the units read, so they are written in Chinese like the office's own tables.
    """
    batch = rule.batch
    if rule.kind == RuleKind.AFTER_DATE:
        anchor = rule.anchor_date
        if anchor is None or not rule.working_days:
            return []
        due = cal.add_working_days(anchor, rule.working_days)
        label = f"{anchor.year}年{anchor.month}月{anchor.day}日后{rule.working_days}个工作日"
        return [PeriodSpec(f"once-{anchor:%Y%m%d}", label, anchor, due, due)]

    start = rule.starts_on or batch.issued_on
    if start is None or not rule.due_day:
        return []
    last_start = min(d for d in (rule.ends_on, batch.default_deadline, until) if d is not None)
    specs = []
    if rule.kind == RuleKind.MONTHLY:
        for year, month in _months(start, last_start, 1):
            ends_on = _day_of_month(year, month, 31)
            due = _day_of_month(*_add_months(year, month, 1), rule.due_day)
            if rule.roll_to_working_day:
                due = cal.roll_forward(due)
            specs.append(
                PeriodSpec(f"{year}-{month:02d}", f"{year}年{month}月", datetime.date(year, month, 1), ends_on, due)
            )
    else:
        quarter_start = datetime.date(start.year, (start.month - 1) // 3 * 3 + 1, 1)
        for year, month in _months(quarter_start, last_start, 3):
            quarter = (month - 1) // 3 + 1
            ends_on = _day_of_month(*_add_months(year, month, 2), 31)
            due = _day_of_month(*_add_months(year, month, 3), rule.due_day)
            if rule.roll_to_working_day:
                due = cal.roll_forward(due)
            label = f"{year}年第{QUARTER_NAMES[quarter]}季度"
            specs.append(PeriodSpec(f"{year}-Q{quarter}", label, datetime.date(year, month, 1), ends_on, due))
    return specs


def lead_horizon(rule: ReportingRule) -> int:
    """How many days before a due date the first reminder can go out."""
    return max(rule.lead_days, default=0)


def latest_occurrence(
    rule: ReportingRule, due_on: datetime.date, today: datetime.date, *, cal: WorkingCalendar | None = None
) -> Occurrence | None:
    """The most recent day of the schedule on or before `today`, or None before the first reminder.

    Only the latest counts: a sweep that did not run for a while (days off, an outage) sends one reminder with the
    current wording, not every one it missed. Once `escalate_after_days` overdue, every further reminder is a 督办.

    With `cal` (nothing is sent on days off), a reminder due before the deadline that falls on a day off moves to the
    working day before it, so a deadline right after a long holiday is still announced before the holiday; reminders
    after the deadline simply go out on the next working day, as the next sweep finds them.
    """
    candidates = []
    for days in rule.lead_days:
        on = due_on - datetime.timedelta(days=days)
        candidates.append(Occurrence(cal.roll_back(on) if cal else on, Step.REMIND))
    if rule.remind_on_due_day:
        candidates.append(Occurrence(due_on, Step.REMIND))
    overdue = (today - due_on).days
    every = max(rule.overdue_every_days, 1)
    escalate = rule.escalate_after_days
    if overdue >= 1:
        if escalate and overdue >= escalate:
            on = due_on + datetime.timedelta(days=escalate + every * ((overdue - escalate) // every))
            candidates.append(Occurrence(on, Step.ESCALATE))
        else:
            # 催办 on the first day overdue, then every `every` days.
            on = due_on + datetime.timedelta(days=1 + every * ((overdue - 1) // every))
            candidates.append(Occurrence(on, Step.URGE))
    past = [c for c in candidates if c.on <= today]
    return max(past, key=lambda c: c.on) if past else None


def bucket_of(due_on: datetime.date, as_of: datetime.date) -> Bucket:
    if due_on < as_of:
        return Bucket.OVERDUE
    if due_on == as_of:
        return Bucket.DUE_TODAY
    return Bucket.DUE_SOON


def lead_days_of(period) -> int:
    """The rule's `contribution_lead_days` for a tracker.ReportingPeriod (select_related("batch__reporting_rule")
    makes it free); 0 for a batch without a rule."""
    try:
        rule = period.batch.reporting_rule
    except ObjectDoesNotExist:
        return 0
    return rule.contribution_lead_days if rule is not None else 0


def contribution_due_on(period, *, calendar: WorkingCalendar | None = None) -> datetime.date:
    """The day co-units' contributions and target cities' submissions for `period` are due: the rule's
    `contribution_lead_days` working days before the lead unit's report (both feed it), never before the period
    starts; with the report for a batch without a rule.

    Working days, because that is how the office counts lead times (提前3个工作日), with the reminders' calendar
    (holidays, 调休 make-up days, the office's overrides). Pass one `calendar` for many periods: it reads the
    overrides once per year touched.
    """
    lead = lead_days_of(period)
    day = period.due_on
    if lead:
        calendar = calendar or WorkingCalendar()
        for _ in range(lead):
            day = calendar.roll_back(day - datetime.timedelta(days=1))
    return max(day, period.starts_on)
