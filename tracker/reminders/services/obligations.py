"""Periods and obligations, derived from the reporting rules and kept in step with the reports.

Every write here is idempotent (get_or_create, INSERT ... ON CONFLICT DO NOTHING, conditional UPDATEs), so two
sweeps running at once derive the same rows once.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from reforms.choices import ResponsibilityRole, TargetStatus
from reforms.models import Responsibility, RolloutTarget
from tracker.models import ReportingPeriod

from ..calendar import WorkingCalendar
from ..choices import FEEDING_KINDS, ObligationKind
from ..models import Obligation, ReportingRule
from ..rules import contribution_due_on, lead_horizon, rule_periods
from .fulfilment import obligations_meet_and_reopen

# A derivation that inserts this many obligations (a new rule over a large batch) refreshes the planner's statistics
# of the tables the rest of the refresh reads: until autovacuum's next pass they say the obligations are nearly none,
# and the next sweep's anti-joins (what is still missing, what is met) then run as nested loops: 12 s instead of
# 0.15 s over 100,000 obligations (docs/benchmarks.md, the reminder sweep). Every table those statements join, not the
# obligations alone: a planner that knows one side and guesses the other picks plans as bad (minutes, seen on a fresh
# database filled by demo_setup).
ANALYZE_AFTER = 10_000


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


def _live_deadline(qs: QuerySet) -> QuerySet:
    """Rows (responsibilities or rollout targets) of reforms whose completion deadline (their own, else the batch's)
    is not before `period` starts."""
    return qs.annotate(deadline=Coalesce("reform__deadline", "reform__batch__default_deadline"))


def _has_rule(period: ReportingPeriod) -> bool:
    try:
        return period.batch.reporting_rule is not None
    except ObjectDoesNotExist:
        return False


def _obligations_create(period: ReportingPeriod, *, report_due, feeding_due) -> int:
    """The period's missing obligations: LEAD -> report, CO -> contribution, each target city (not exempted) ->
    city submission (batches with a reporting rule only: cities are chased, not counted)."""
    live = Q(deadline__isnull=True) | Q(deadline__gte=period.starts_on)
    responsibilities = _live_deadline(Responsibility.objects.filter(reform__batch_id=period.batch_id)).filter(live)
    new = []
    for role, kind, due in (
        (ResponsibilityRole.LEAD, ObligationKind.REPORT, report_due),
        (ResponsibilityRole.CO, ObligationKind.CONTRIBUTION, feeding_due),
    ):
        owed = Obligation.objects.filter(
            kind=kind, reform_id=OuterRef("reform_id"), unit_id=OuterRef("unit_id"), period_id=period.pk
        )
        missing = responsibilities.filter(role=role).exclude(Exists(owed)).values_list("reform_id", "unit_id")
        new += [Obligation(kind=kind, reform_id=r, unit_id=u, period=period, due_on=due) for r, u in missing]
    if _has_rule(period):
        targets = _live_deadline(
            RolloutTarget.objects.filter(reform__batch_id=period.batch_id).exclude(status=TargetStatus.NOT_APPLICABLE)
        ).filter(live)
        owed = Obligation.objects.filter(
            kind=ObligationKind.CITY_SUBMISSION,
            reform_id=OuterRef("reform_id"),
            city_id=OuterRef("city_id"),
            period_id=period.pk,
        )
        missing = targets.exclude(Exists(owed)).values_list("reform_id", "city_id")
        new += [
            Obligation(kind=ObligationKind.CITY_SUBMISSION, reform_id=r, city_id=c, period=period, due_on=feeding_due)
            for r, c in missing
        ]
    if new:
        Obligation.objects.bulk_create(new, batch_size=5000, ignore_conflicts=True)
    return len(new)


# What obligations_refresh() and obligations_meet_and_reopen() join, by model label (cities and contributions sit
# above the reminders: named, not imported).
JOINED_MODELS = (
    "reminders.obligation",
    "reforms.responsibility",
    "reforms.rollouttarget",
    "reforms.reform",
    "reforms.batch",
    "tracker.reportingperiod",
    "tracker.progressreport",
    "cities.citysubmission",
    "contributions.contribution",
)


def _statistics_refresh() -> None:
    tables = []
    for label in JOINED_MODELS:
        try:
            tables.append(apps.get_model(label)._meta.db_table)
        except LookupError:  # an app not installed in this project
            continue
    with connection.cursor() as cursor:
        # It samples at most 30,000 rows a table; only another ANALYZE or VACUUM of the same table waits on it.
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in tables))


@transaction.atomic
def obligations_refresh(
    *, today: datetime.date, cal: WorkingCalendar | None = None, batch_ids: Sequence[int] | None = None
) -> ObligationsRefreshResult:
    """Bring periods and obligations up to date with the rules, the responsibilities, the rollout targets and what
    was filed (of `batch_ids` only, if given: what saving a rule derives at once, without waiting for the sweep).

    - creates the periods the active rules call for, and for every period (with a rule or made by hand) the
      obligations of every reform whose completion deadline (its own, else the batch's) is not before the period
      starts: the lead unit owes the report, each co-unit a contribution, and (batches with a rule) each target city
      not exempted a city submission;
    - follows the due dates: the period's for reports, `contribution_lead_days` working days earlier for
      contributions and city submissions (rules.contribution_due_on);
    - meets and reopens them (services/fulfilment.py).
    """
    cal = cal or WorkingCalendar()
    result = ObligationsRefreshResult()
    rules = ReportingRule.objects.filter(active=True).select_related("batch")
    periods = ReportingPeriod.objects.select_related("batch__reporting_rule")
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
        report_due, feeding_due = period.due_on, contribution_due_on(period, calendar=cal)
        result.obligations_created += _obligations_create(period, report_due=report_due, feeding_due=feeding_due)
        of_period = Obligation.objects.filter(period_id=period.pk)
        of_period.filter(kind=ObligationKind.REPORT).exclude(due_on=report_due).update(due_on=report_due)
        of_period.filter(kind__in=FEEDING_KINDS).exclude(due_on=feeding_due).update(due_on=feeding_due)

    if result.obligations_created >= ANALYZE_AFTER and connection.vendor == "postgresql":
        # After the commit, in a transaction of its own: an ANALYZE inside this transaction would write what it saw
        # (the tables not yet filled later in the same transaction, e.g. no city submission) into pg_class at once,
        # and the planner would plan this transaction's later statements for empty tables (minutes, seen with
        # demo_setup). After the commit it sees what autovacuum's next pass would.
        transaction.on_commit(_statistics_refresh, robust=True)
    result.obligations_met, result.obligations_reopened = obligations_meet_and_reopen(obligations)
    return result


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
