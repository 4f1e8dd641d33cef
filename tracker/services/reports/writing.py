"""What every report write shares: the row lock, the version check, the transition, keeping the obligation and the
statistics in step, and handing the caller what was written (the API answers from it instead of reading it back)."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import Exists, F, OuterRef, QuerySet

from reforms.models import Responsibility, RolloutTarget
from tracker.reminders.services.fulfilment import obligation_follow_report
from tracker.stats.services.refresh import stats_report_sync
from units.models import City

from ...exceptions import PreconditionFailed, ReportStateConflict
from ...models import Attachment, ProgressReport, ReportCityLine, ReportTransition

# Resolved from the database by the caller (serializer, report_lock(), the signed-in user): full_clean() would look
# each up again, one SELECT apiece.
FOREIGN_KEYS = ["reform", "unit", "period", "author", "reviewer"]


def report_lock(
    report: ProgressReport,
    *,
    within: QuerySet | None = None,
    uncovered_cities: bool = False,
    attachments: bool = False,
) -> ProgressReport:
    """The report's row, locked to the end of the transaction, with what its answer and snapshot show joined.

    Reviewer and unit may act at once; the lock orders them and the fresh row says what the winner left.
    `within` (the caller's scope, `ProgressReport.objects.restrict(user)`) makes the lock the scope check too: one
    SELECT ... FOR UPDATE instead of a read for the scope and another for the lock (issue 11); only `report.pk` is
    read then, and a report outside it raises ProgressReport.DoesNotExist (the API's 404).
    `uncovered_cities=True` (a submit) also brings the names of the reform's target cities the report has no line
    for, as `report.uncovered_cities`: the completeness check, in the same query (issue 11).
    `attachments=True` (a submit, a review: they answer with the report's files) also asks whether it has any; if
    not, the empty list is kept (remember()), so neither snapshot nor answer reads them. Not for a write that adds
    files afterwards: the kept list would be stale.
    """
    # Whether the unit is (still) responsible for the reform comes with the row: clean() reads it from there.
    responsible = Responsibility.objects.filter(reform_id=OuterRef("reform_id"), unit_id=OuterRef("unit_id"))
    annotations = {"responsible": Exists(responsible)}
    if uncovered_cities and connection.vendor == "postgresql":  # ARRAY(subquery); elsewhere a query of its own
        covered = ReportCityLine.objects.filter(report_id=OuterRef(OuterRef("pk"))).values("city_id")
        targets = RolloutTarget.objects.filter(reform_id=OuterRef("reform_id")).exclude(city_id__in=covered)
        annotations["uncovered_cities"] = ArraySubquery(targets.order_by("city__code").values("city__name"))
    if attachments:
        annotations["has_attachments"] = Exists(Attachment.objects.filter(report_id=OuterRef("pk")))
    reports = ProgressReport.objects.all() if within is None else within
    locked = (
        reports.select_for_update(of=("self",))
        .select_related("reform", "unit", "period", "author", "reviewer")
        .annotate(**annotations)
        .get(pk=report.pk)
    )
    if locked.responsible:
        locked.responsibility_seen = (locked.reform_id, locked.unit_id)
    if attachments and not locked.has_attachments:
        remember(locked, attachments=[])
    return locked


def validate(report: ProgressReport) -> None:
    """The fields' and the model's rules. Not the constraints: the database enforces them on the write, and the
    one a user can break (a second report for the same reform, unit and period) comes back as a field error;
    Django would check each with its own SAVEPOINT and SELECT first (issue 11)."""
    report.full_clean(exclude=FOREIGN_KEYS, validate_constraints=False)


def claim(report: ProgressReport, *, version: int, states: Sequence[str], **changes: Any) -> None:
    """Write `changes` if the row still has `version` and one of `states`, else say why not."""
    changed = ProgressReport.objects.filter(pk=report.pk, version=version, state__in=list(states)).update(
        version=F("version") + 1, **changes
    )
    if changed == 1:
        return
    current = ProgressReport.objects.filter(pk=report.pk).values("state", "version").first()
    if current is None or current["state"] not in states:
        raise ReportStateConflict()
    raise PreconditionFailed()


def record(report: ProgressReport, *, user, from_state: str, comment: str = "") -> ReportTransition:
    return ReportTransition.objects.create(
        report=report,
        from_state=from_state,
        to_state=report.state,
        actor=user,
        at=report.updated_at,
        revision=report.revision,
        comment=comment,
    )


def follow(report: ProgressReport, *, submission_changed: bool = True) -> None:
    """In the report's transaction: the obligations list, the statistics and the dashboard change with the report,
    not at the next sweep or rollup refresh. `submission_changed=False` (a new draft, an approval: the submission
    time stays what it was) spares the statistics' summaries, which read nothing else of a report."""
    obligation_follow_report(report=report)
    stats_report_sync(report=report, summaries=submission_changed)


def remember(report: ProgressReport, **related: Iterable) -> None:
    """Keep rows of the report's relations (`city_lines=...`, `transitions=...`) as if prefetched: what a write
    has just inserted or read need not be read again for its answer (issue 11: a create and a submit re-read five
    relations). Django's own prefetch cache, so `report.city_lines.all()` and the serializers read these; a later
    write in the same service updates the list it keeps here. Give complete, ordered relations only."""
    cache = report.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, rows in related.items():
        cache.pop(name, None)
        queryset = getattr(report, name).all()
        queryset._result_cache = list(rows)
        queryset._prefetch_done = True
        cache[name] = queryset


def remembered(report: ProgressReport, name: str) -> list | None:
    """The rows remember() (or a prefetch) keeps for relation `name`, or None."""
    queryset = getattr(report, "_prefetched_objects_cache", {}).get(name)
    return None if queryset is None else list(queryset)


LINE_FIELDS = ["id", "report_id", "city_id", "status", "note"]
CITY_FIELDS = ["id", "code", "name"]


def city_line(report: ProgressReport, pk: int, city_id: int, code: str, name: str, status: str, note: str):
    """A saved line of `report` as the database holds it, with the report and its city (id, code, name: what the
    answer and the snapshot read) attached: Model.from_db, a third faster than keyword arguments, for reports of 300
    lines (issue 11)."""
    db = report._state.db
    line = ReportCityLine.from_db(db, LINE_FIELDS, (pk, report.pk, city_id, status, note))
    line._state.fields_cache.update(report=report, city=City.from_db(db, CITY_FIELDS, (city_id, code, name)))
    return line


def city_lines_read(report: ProgressReport) -> list[ReportCityLine]:
    """The report's lines by city code, read as tuples and built by city_line(): select_related's model iterator
    cost twice as much CPU for the same objects."""
    rows = (
        ReportCityLine.objects.filter(report_id=report.pk)
        .order_by("city__code")
        .values_list("id", "city_id", "city__code", "city__name", "status", "note")
    )
    return [city_line(report, *row) for row in rows]
