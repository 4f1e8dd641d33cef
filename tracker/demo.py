"""The quickstart's demo of the whole loop: a reporting rule on the first batch, a few months of progress reports in
every state, one reminder sweep and a fresh statistics rollup, so every page has real content from the first minute.

Everything goes through the real services (rule save, report create/submit/return/approve, the sweep, the rollup
refresh); only the time is shifted, by giving each step its own date. Local demo only (demo_setup checks DEBUG).
"""

import datetime
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from reforms.choices import ResponsibilityRole, TargetStatus
from reforms.models import Batch, Responsibility
from tracker import services as reports
from tracker.choices import ReportState
from tracker.models import ProgressReport, ReportingPeriod
from tracker.reminders import services as reminders
from tracker.reminders.calendar import WorkingCalendar
from tracker.reminders.models import Obligation, Reminder, ReportingRule
from tracker.stats.services import stats_refresh

# How many past-due months the demo fills, and the rule it sets: monthly, due on the 10th of the next month.
MONTHS = 4
DUE_DAY = 10
# What each unit does with each period, by the period's age (0 = the oldest past-due month; the last row is the
# current period, not due yet), cycling over the unit's reforms. "missing" files nothing at all.
PLANS = [
    ["approved", "approved", "approved_late", "approved", "missing"],
    ["approved", "approved_late", "approved", "returned", "approved"],
    ["approved", "submitted_late", "approved", "draft", "missing"],
    ["submitted", "approved", "returned", "submitted_late", "missing", "draft"],
    ["submitted", "draft", "none", "none"],
]
WORK_DONE = "已印发本单位推广工作方案，明确责任处室和时间表；已组织对口业务培训，相关城市正在对接落地。"
PROBLEMS = "部分城市配套系统尚未完成改造。"
NEXT_STEPS = "下月完成剩余城市的系统对接，并报送典型案例。"
RETURN_COMMENT = "请补充佐证材料（工作方案或培训通知），并写明各市的具体进展。"


@dataclass
class DemoResult:
    created: bool = False
    periods: int = 0
    obligations: int = 0
    states: Counter = field(default_factory=Counter)
    reminders: int = 0


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def _first_of_month(day: datetime.date, months_back: int) -> datetime.date:
    month = day.year * 12 + day.month - 1 - months_back
    return datetime.date(month // 12, month % 12 + 1, 1)


def demo_loop_create(*, batch: Batch, office, filers: dict[int, object], now: datetime.datetime | None = None):
    """Give `batch` a rule and reports filed by `filers` (unit id → a member of that unit), once.

    Idempotent: a batch that already has a rule is left as it is (the office may have edited it), and so are its
    reports. Returns what exists afterwards.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = DemoResult()
    if not ReportingRule.objects.filter(batch=batch).exists():
        result.created = True
        rule = ReportingRule(batch=batch, kind="monthly", due_day=DUE_DAY, starts_on=_first_of_month(today, MONTHS))
        # One transaction for the rule and its reports: a setup interrupted half-way leaves no rule, so the next
        # start does it all again.
        with transaction.atomic():
            reminders.reporting_rule_save(rule=rule)
            # The save derives the periods and obligations after its commit; the reports below need them now. The
            # derivation after the commit then finds nothing to add.
            reminders.reporting_rule_derive(batch_id=batch.pk, today=today)
            _file_reports(batch=batch, office=office, filers=filers, now=now)
        cal = WorkingCalendar()
        day = today if cal.is_working_day(today) else cal.roll_back(today)
        # One sweep now (on the last working day if today is a day off): the reminders are in the outbox and their
        # e-mails queued for the worker, without waiting for the beat.
        reminders.reminders_sweep(today=day)
        stats_refresh(full=True)
    return _count(batch, result)


def _file_reports(*, batch: Batch, office, filers: dict[int, object], now: datetime.datetime) -> None:
    today = timezone.localdate(now)
    periods = list(ReportingPeriod.objects.filter(batch=batch).order_by("starts_on"))
    # The last past-due months, then the current period (due next): the plans' rows in order.
    past = [p for p in periods if p.due_on < today][-(len(PLANS) - 1) :]
    periods = past + [p for p in periods if p.due_on >= today][:1]
    responsibilities = list(
        # Only the lead unit files the report (issue 12); co-units send contributions.
        Responsibility.objects.filter(reform__batch=batch, unit_id__in=filers, role=ResponsibilityRole.LEAD)
        .select_related("reform", "unit")
        .order_by("unit__name", "reform__position")
    )
    latest = now - datetime.timedelta(hours=1)
    for age, period in enumerate(periods):
        plan = PLANS[-1] if period.due_on >= today else PLANS[age + len(PLANS) - 1 - len(past)]
        due = period.due_on
        for index, responsibility in enumerate(responsibilities):
            what = plan[(index + age) % len(plan)]
            if what in ("missing", "none"):
                continue

            def when(days: int, hour: int, due=due) -> datetime.datetime:
                # Never in the future: the current period's reports are filed "just now".
                return min(_at(due + datetime.timedelta(days=days), hour), latest)

            user = filers[responsibility.unit_id]
            done = age >= 2 and index % 3 == 0
            # The city lines matter where the office approves them (they become the targets' status); the others
            # keep the lines the service pre-fills from the targets.
            lines = [
                reports.CityLineInput(
                    city=target.city,
                    status=TargetStatus.DONE if done or n % 4 == 0 else TargetStatus.IN_PROGRESS,
                )
                for n, target in enumerate(responsibility.reform.targets.select_related("city").order_by("city__code"))
                if what.startswith("approved")
            ]
            report = reports.report_create(
                user=user,
                reform=responsibility.reform,
                period=period,
                unit=responsibility.unit,
                data={
                    "status": TargetStatus.DONE if done else TargetStatus.IN_PROGRESS,
                    "percent": 100 if done else 40 + 15 * age,
                    "work_done": WORK_DONE,
                    "problems": "" if done else PROBLEMS,
                    "next_steps": "" if done else NEXT_STEPS,
                },
                city_lines=lines,
                at=when(-8, 9),
            )
            if what == "draft":
                continue
            late = what.endswith("_late")
            report = reports.report_submit(report=report, user=user, at=when(5 if late else -2, 10))
            if what.startswith("approved"):
                reports.report_approve(report=report, user=office, at=when(7 if late else -1, 15))
            elif what == "returned":
                reports.report_return(report=report, user=office, comment=RETURN_COMMENT, at=when(1, 11))


def _count(batch: Batch, result: DemoResult) -> DemoResult:
    today = timezone.localdate()
    result.periods = ReportingPeriod.objects.filter(batch=batch).count()
    obligations = Obligation.objects.filter(period__batch=batch)
    result.obligations = obligations.count()
    filed = ProgressReport.objects.filter(period__batch=batch)
    result.states = Counter(filed.values_list("state", flat=True))
    due = obligations.filter(due_on__lt=today)
    result.states["late"] = filed.filter(
        state__in=[ReportState.SUBMITTED, ReportState.APPROVED], submitted_at__date__gt=F("period__due_on")
    ).count()
    result.states["missing"] = due.filter(met_at__isnull=True).count()
    result.reminders = Reminder.objects.filter(obligation__period__batch=batch).count()
    return result
