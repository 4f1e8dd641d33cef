"""When co-units' contributions are due: `contribution_lead_days` working days before the lead unit's report.

Working days, because that is how the office counts lead times (提前3个工作日), with the calendar the reminders use
(holidays and 调休 make-up days, the office's overrides). A batch without a reporting rule gives no lead time: the
contributions are due with the report. Never before the period starts.
"""

import datetime

from django.core.exceptions import ObjectDoesNotExist

from tracker.models import ReportingPeriod
from tracker.reminders.calendar import WorkingCalendar


def lead_days_of(period: ReportingPeriod) -> int:
    """The rule's lead time for `period` (select_related("period__batch__reporting_rule") makes it free)."""
    try:
        rule = period.batch.reporting_rule
    except ObjectDoesNotExist:
        return 0
    return rule.contribution_lead_days if rule is not None else 0


def contribution_due_on(period: ReportingPeriod, *, calendar: WorkingCalendar | None = None) -> datetime.date:
    """The day co-units' contributions for `period` are due.

    Pass one `calendar` for many periods: it reads the office's calendar overrides once per year touched.
    """
    lead = lead_days_of(period)
    day = period.due_on
    if lead:
        calendar = calendar or WorkingCalendar()
        for _ in range(lead):
            day = calendar.roll_back(day - datetime.timedelta(days=1))
    return max(day, period.starts_on)
