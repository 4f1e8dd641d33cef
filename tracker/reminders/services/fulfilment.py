"""When an obligation is in: the report, the contribution or the city submission it asks for has been submitted.

reminders must not import the apps above it (tracker.contributions, tracker.cities import reminders), so their
tables are read through model labels and field paths:

- `contributions.Contribution` (reform, unit, period, state, submitted_at): in once `submitted`; withdrawn (back to
  `draft`) it is out again;
- `cities.CitySubmission` (target -> reforms.RolloutTarget (reform, city), period, state, submitted_at): in once
  `submitted` or `confirmed`; `returned` puts it out again.

Every write is a conditional UPDATE (met only if unmet, reopened only if met), so the services (inside their own
transaction) and a sweep running at the same moment neither meet twice nor bump the cycle twice.
"""

from contextlib import contextmanager

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from tracker.choices import FROZEN_STATES, ReportState
from tracker.models import ProgressReport

from ..choices import ObligationKind
from ..models import Obligation

CONTRIBUTION_IN_STATES = ("submitted",)
CITY_SUBMISSION_IN_STATES = ("submitted", "confirmed")


def _reports(prefix: str) -> QuerySet:
    return ProgressReport.objects.filter(
        reform_id=OuterRef(f"{prefix}reform_id"),
        unit_id=OuterRef(f"{prefix}unit_id"),
        period_id=OuterRef(f"{prefix}period_id"),
    )


def _contributions(prefix: str) -> QuerySet:
    return apps.get_model("contributions", "Contribution").objects.filter(
        reform_id=OuterRef(f"{prefix}reform_id"),
        unit_id=OuterRef(f"{prefix}unit_id"),
        period_id=OuterRef(f"{prefix}period_id"),
    )


def _city_submissions(prefix: str) -> QuerySet:
    return apps.get_model("cities", "CitySubmission").objects.filter(
        target__reform_id=OuterRef(f"{prefix}reform_id"),
        target__city_id=OuterRef(f"{prefix}city_id"),
        period_id=OuterRef(f"{prefix}period_id"),
    )


def _in(kind: str, prefix: str = "") -> QuerySet:
    """The rows that meet an obligation of `kind` (alias: the obligation, or `prefix` + its fields)."""
    if kind == ObligationKind.REPORT:
        return _reports(prefix).filter(state__in=list(FROZEN_STATES))
    if kind == ObligationKind.CONTRIBUTION:
        return _contributions(prefix).filter(state__in=CONTRIBUTION_IN_STATES)
    return _city_submissions(prefix).filter(state__in=CITY_SUBMISSION_IN_STATES)


def _out(kind: str) -> QuerySet:
    """The rows that reopen a met obligation of `kind`: a report that is no longer in (returned); a contribution
    withdrawn to draft; a city submission returned. A met contribution obligation with no contribution at all (a
    co-unit's report met it before issue 12) stays met."""
    if kind == ObligationKind.REPORT:
        return None
    if kind == ObligationKind.CONTRIBUTION:
        return _contributions("").exclude(state__in=CONTRIBUTION_IN_STATES)
    return _city_submissions("").exclude(state__in=CITY_SUBMISSION_IN_STATES)


def obligation_met(prefix: str = "") -> Q:
    """For a queryset of obligations (or of reminders, with prefix "obligation__"): what it asks for is in."""
    return (
        Q(Q(**{f"{prefix}kind": ObligationKind.REPORT}), Exists(_in(ObligationKind.REPORT, prefix)))
        | Q(Q(**{f"{prefix}kind": ObligationKind.CONTRIBUTION}), Exists(_in(ObligationKind.CONTRIBUTION, prefix)))
        | Q(
            Q(**{f"{prefix}kind": ObligationKind.CITY_SUBMISSION}),
            Exists(_in(ObligationKind.CITY_SUBMISSION, prefix)),
        )
    )


@contextmanager
def _no_nested_loops():
    """PostgreSQL plans the statements below without nested-loop joins. With statistics that say a table is empty
    when it is not (analysed before a bulk load, e.g. the demo's in one transaction, or autovacuum's pass over a
    table a test had filled and rolled back), it nested the meet UPDATE's semi-join over thousands of rows both ways
    and ran for many minutes (a CI run of demo_setup); hash joins cost the same whatever the estimate."""
    if connection.vendor != "postgresql":
        yield
        return
    # SET LOCAL needs a transaction; inside one, the savepoint undoes it if the statements fail.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_nestloop = off")
        yield
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_nestloop = on")


def obligations_meet_and_reopen(obligations: QuerySet) -> tuple[int, int]:
    """Meet the unmet obligations whose report/contribution/submission is in (met_at = its submission time) and
    reopen (next cycle) the met ones whose report was returned, contribution withdrawn or submission returned
    since. Returns (met, reopened)."""
    met = reopened = 0
    with _no_nested_loops():
        for kind in ObligationKind.values:
            of_kind = obligations.filter(kind=kind)
            met += (
                of_kind.filter(met_at__isnull=True)
                .filter(Exists(_in(kind)))
                .update(met_at=Subquery(_in(kind).values("submitted_at")[:1]))
            )
            out = _out(kind)
            # Conditional on met_at: of two sweeps at once, only the first reopens an obligation and bumps its cycle.
            stale = of_kind.filter(met_at__isnull=False)
            stale = stale.exclude(Exists(_in(kind))) if out is None else stale.filter(Exists(out))
            reopened += stale.update(met_at=None, cycle=F("cycle") + 1)
    return met, reopened


def _follow(obligation: QuerySet, *, is_in: bool, is_out: bool, submitted_at) -> int:
    if is_in:
        return obligation.filter(met_at__isnull=True).update(met_at=submitted_at)
    if is_out:
        return obligation.filter(met_at__isnull=False).update(met_at=None, cycle=F("cycle") + 1)
    return 0


def obligation_follow_report(*, report: ProgressReport) -> int:
    """Keep the report's obligation in step with it, inside the report's own transaction: submitted (or approved)
    meets it at the submission time; returned reopens it in a new cycle, which restarts the reminders.

    A report without an obligation yet (its period is newer than the last derivation) is left to the sweep.
    Returns the number of obligations changed (0 or 1).
    """
    obligation = Obligation.objects.filter(
        kind=ObligationKind.REPORT, reform_id=report.reform_id, unit_id=report.unit_id, period_id=report.period_id
    )
    return _follow(
        obligation,
        is_in=report.state in FROZEN_STATES,
        is_out=report.state == ReportState.RETURNED,
        submitted_at=report.submitted_at,
    )


def obligation_follow_contribution(*, contribution) -> int:
    """The same for a co-unit's contribution (tracker.contributions calls it in contribution_submit/withdraw):
    submitted meets its obligation, withdrawn (back to draft) reopens it."""
    obligation = Obligation.objects.filter(
        kind=ObligationKind.CONTRIBUTION,
        reform_id=contribution.reform_id,
        unit_id=contribution.unit_id,
        period_id=contribution.period_id,
    )
    is_in = contribution.state in CONTRIBUTION_IN_STATES
    return _follow(obligation, is_in=is_in, is_out=not is_in, submitted_at=contribution.submitted_at)


def obligation_follow_city_submission(*, submission) -> int:
    """The same for a city submission (tracker.cities calls it on submit, confirm and return): submitted or
    confirmed meets its obligation, returned reopens it."""
    target = submission.target
    obligation = Obligation.objects.filter(
        kind=ObligationKind.CITY_SUBMISSION,
        reform_id=target.reform_id,
        city_id=target.city_id,
        period_id=submission.period_id,
    )
    is_in = submission.state in CITY_SUBMISSION_IN_STATES
    return _follow(obligation, is_in=is_in, is_out=submission.state == "returned", submitted_at=submission.submitted_at)
