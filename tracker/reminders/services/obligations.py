"""Periods and obligations, derived from the reporting rules and kept in step with the reports.

Every write here is idempotent (get_or_create, INSERT ... ON CONFLICT DO NOTHING, conditional UPDATEs), so two
sweeps running at once derive the same rows once.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from reforms.models import Responsibility
from tracker.choices import FROZEN_STATES, ReportState
from tracker.models import ProgressReport, ReportingPeriod

from ..calendar import WorkingCalendar
from ..models import Obligation, ReportingRule
from ..rules import lead_horizon, rule_periods


@dataclass
class ObligationsRefreshResult:
    periods_created: int = 0
    obligations_created: int = 0
    obligations_met: int = 0
    obligations_reopened: int = 0


def periods_generate(*, rule: ReportingRule, today: datetime.date, cal: WorkingCalendar) -> int:
    """Create the rule's periods that have started (or whose first reminder is due); return how many were new.

    A period that already exists (made by an earlier sweep or by the office) is kept; if the office changed the rule,
    periods not yet due take the new due date, past ones keep the date they were due on.
    """
    until = today + datetime.timedelta(days=lead_horizon(rule))
    specs = rule_periods(rule, until=until, cal=cal)
    existing = {
        p.code: p for p in ReportingPeriod.objects.filter(batch_id=rule.batch_id, code__in=[s.code for s in specs])
    }
    created = 0
    for spec in specs:
        period = existing.get(spec.code)
        if period is None:
            # get_or_create: a concurrent sweep may insert the same period first; the unique (batch, code) decides.
            _, was_created = ReportingPeriod.objects.get_or_create(
                batch_id=rule.batch_id,
                code=spec.code,
                defaults={
                    "label": spec.label,
                    "starts_on": spec.starts_on,
                    "ends_on": spec.ends_on,
                    "due_on": spec.due_on,
                },
            )
            created += was_created
        elif period.due_on != spec.due_on and min(period.due_on, spec.due_on) >= today:
            ReportingPeriod.objects.filter(pk=period.pk).update(due_on=spec.due_on)
    return created


def _submitted_report():
    return ProgressReport.objects.filter(
        reform_id=OuterRef("reform_id"),
        unit_id=OuterRef("unit_id"),
        period_id=OuterRef("period_id"),
        state__in=list(FROZEN_STATES),
    )


def report_submitted() -> Exists:
    """For a queryset of obligations (or reminders via `obligation__`): a submitted or approved report exists."""
    return Exists(_submitted_report())


@transaction.atomic
def obligations_refresh(
    *, today: datetime.date, cal: WorkingCalendar | None = None, batch_ids: Sequence[int] | None = None
) -> ObligationsRefreshResult:
    """Bring periods and obligations up to date with the rules and the reports (of `batch_ids` only, if given: what
    saving a rule derives at once, without waiting for the sweep).

    - creates the periods the active rules call for, and for every period (with a rule or made by hand) one
      obligation per (reform, responsible unit, period) for every reform whose completion deadline (its own, else
      the batch's) is not before the period starts;
    - follows the period's due date;
    - marks obligations met when their report is submitted or approved, and reopens (next cycle) those whose report
      was returned since.
    """
    cal = cal or WorkingCalendar()
    result = ObligationsRefreshResult()
    rules = ReportingRule.objects.filter(active=True).select_related("batch")
    periods = ReportingPeriod.objects.all()
    obligations = Obligation.objects.all()
    if batch_ids is not None:
        rules = rules.filter(batch_id__in=batch_ids)
        periods = periods.filter(batch_id__in=batch_ids)
        obligations = obligations.filter(period__batch_id__in=batch_ids)
    for rule in rules:
        result.periods_created += periods_generate(rule=rule, today=today, cal=cal)

    # Every period, also of batches without a rule (the office made their periods by hand): what is owed does not
    # depend on whether the service chases it, and the statistics count it either way.
    for period in list(periods):
        missing = (
            Responsibility.objects.filter(reform__batch_id=period.batch_id)
            .annotate(deadline=Coalesce("reform__deadline", "reform__batch__default_deadline"))
            .filter(Q(deadline__isnull=True) | Q(deadline__gte=period.starts_on))
            .exclude(
                Exists(
                    Obligation.objects.filter(
                        reform_id=OuterRef("reform_id"), unit_id=OuterRef("unit_id"), period_id=period.pk
                    )
                )
            )
            .values_list("reform_id", "unit_id")
        )
        new = [Obligation(reform_id=r, unit_id=u, period=period, due_on=period.due_on) for r, u in missing]
        if new:
            Obligation.objects.bulk_create(new, batch_size=5000, ignore_conflicts=True)
            result.obligations_created += len(new)
        Obligation.objects.filter(period_id=period.pk).exclude(due_on=period.due_on).update(due_on=period.due_on)

    result.obligations_met = (
        obligations.filter(met_at__isnull=True)
        .filter(report_submitted())
        .update(met_at=Subquery(_submitted_report().values("submitted_at")[:1]))
    )
    # Conditional on met_at: of two sweeps at once, only the first reopens an obligation and bumps its cycle.
    result.obligations_reopened = (
        obligations.filter(met_at__isnull=False).exclude(report_submitted()).update(met_at=None, cycle=F("cycle") + 1)
    )
    return result


def obligation_follow_report(*, report: ProgressReport) -> int:
    """Keep the report's obligation in step with it, inside the report's own transaction: submitted (or approved)
    meets it at the submission time; returned reopens it in a new cycle, which restarts the reminders.

    The same conditional UPDATEs as obligations_refresh(), so a sweep running at the same moment neither meets it
    twice nor bumps the cycle twice. A report without an obligation yet (its period is newer than the last
    derivation) is left to the sweep. Returns the number of obligations changed (0 or 1).
    """
    obligation = Obligation.objects.filter(
        reform_id=report.reform_id, unit_id=report.unit_id, period_id=report.period_id
    )
    if report.state in FROZEN_STATES:
        return obligation.filter(met_at__isnull=True).update(met_at=report.submitted_at)
    if report.state == ReportState.RETURNED:
        return obligation.filter(met_at__isnull=False).update(met_at=None, cycle=F("cycle") + 1)
    return 0


def reporting_rule_derive(*, batch_id: int, today: datetime.date | None = None) -> ObligationsRefreshResult:
    """Derive the periods and obligations of one batch now, through the sweep's own obligations_refresh().

    Called after a rule is saved (after commit), whatever the day: the office sees what the rule means at once
    instead of at the next working-day sweep. Idempotent, and safe next to a running sweep for the same reasons.
    """
    return obligations_refresh(today=today or timezone.localdate(), batch_ids=[batch_id])


@transaction.atomic
def reporting_rule_save(*, rule: ReportingRule) -> ReportingRule:
    """Validate and save a reporting rule; after commit its periods and obligations are derived at once.

    Derivation runs after commit (it reads the saved rule in a transaction of its own) and is robust: if it fails,
    the rule stays saved and the next sweep derives the same rows.
    """
    rule.full_clean()
    rule.save()
    batch_id = rule.batch_id

    # A named function, not functools.partial: on_commit(robust=True) logs a failure with the callable's
    # __qualname__, which a partial does not have (the crash of issue 9).
    def derive() -> None:
        reporting_rule_derive(batch_id=batch_id)

    transaction.on_commit(derive, robust=True)
    return rule
