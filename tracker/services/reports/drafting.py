"""Drafting a report: create it (with a line per target city), edit it while it is a draft or returned."""

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import access
from reforms.choices import ResponsibilityRole, TargetStatus
from reforms.models import Reform, Responsibility, RolloutTarget
from units.models import City, Unit

from ...choices import EDITABLE_STATES
from ...exceptions import PreconditionFailed, ReportStateConflict
from ...models import ProgressReport, ReportCityLine, ReportingPeriod
from .writing import city_line, claim, follow, record, remember, remembered, validate

# The fields a unit writes; everything else (unit, author, state, reviewer, timestamps, version) only services set.
EDITABLE_FIELDS = ("status", "percent", "work_done", "problems", "next_steps")

DUPLICATE_CONSTRAINT = "tracker_report_unique_reform_unit_period"


@dataclass(frozen=True)
class CityLineInput:
    """What a unit says about one target city in a report."""

    city: City
    status: str
    note: str = ""


CO_UNIT_REFUSAL = _(
    "Co-units do not file progress reports: send your contribution (配合材料) to the lead unit, which files the "
    "progress report."
)


def _resolve_unit(*, user, reform: Reform, unit: Unit | None) -> tuple[Unit, bool]:
    """The unit filing, and whether its responsibility for the reform was read here (clean() need not again).

    Only the lead unit files the report (issue 12): a co-unit owes a contribution to it instead
    (tracker.contributions), and is told so.
    """
    mine = access.unit_ids_of(user)
    if not mine:
        raise PermissionDenied(_("Only members of a responsible unit file progress reports."))
    if unit is not None:
        if unit.pk not in mine:
            raise ValidationError({"unit": _("You are not a member of this unit.")})
        role = Responsibility.objects.filter(reform=reform, unit=unit).values_list("role", flat=True).first()
        if role == ResponsibilityRole.CO:
            raise ValidationError({"unit": CO_UNIT_REFUSAL})
        return unit, role is not None
    candidates = list(
        Responsibility.objects.filter(reform=reform, unit_id__in=mine).select_related("unit").order_by("position")
    )
    if not candidates:
        raise ValidationError({"reform": _("None of your units is responsible for this reform.")})
    # One lead per reform (reforms_responsibility_one_lead): a member of the lead and of a co-unit files as the lead.
    leads = [c for c in candidates if c.role == ResponsibilityRole.LEAD]
    if not leads:
        raise ValidationError({"unit": CO_UNIT_REFUSAL})
    return leads[0].unit, True


def _by_city_code(lines: list[ReportCityLine]) -> list[ReportCityLine]:
    # The order ReportCityLine.Meta gives a report's lines.
    return sorted(lines, key=lambda line: line.city.code)


def _apply_city_lines(report: ProgressReport, lines: Sequence[CityLineInput]) -> None:
    """Upsert the given lines by city; lines for cities not mentioned stay as they are."""
    seen: set[int] = set()
    current = remembered(report, "city_lines")
    if current is None:
        current = list(report.city_lines.select_related("city"))
    existing = {line.city_id: line for line in current}
    errors = []
    for item in lines:
        if item.city.pk in seen:
            errors.append(_("%(city)s is listed twice.") % {"city": item.city})
            continue
        seen.add(item.city.pk)
        line = existing.get(item.city.pk)
        if line is None:
            line = existing[item.city.pk] = ReportCityLine(report=report, city=item.city)
        line.status, line.note = item.status, item.note
        try:
            # The report and the city are objects the caller resolved: no look-up of either again.
            line.full_clean(exclude=["report", "city"], validate_constraints=False)
        except ValidationError as exc:
            errors.extend(f"{item.city}: {msg}" for msgs in exc.message_dict.values() for msg in msgs)
            continue
        line.save()
    if errors:
        raise ValidationError({"city_lines": errors})
    remember(report, city_lines=_by_city_code(list(existing.values())))


# Apps above tracker say what they know of a new report's cities: each source returns {city_id: status} for the
# report (tracker.cities: what the cities themselves reported and the lead unit confirmed). Tracker imports none of
# them; they register themselves with city_line_source_register() from their AppConfig.ready().
CITY_LINE_SOURCES: list[Callable[[ProgressReport], Mapping[int, str]]] = []


def city_line_source_register(source: Callable[[ProgressReport], Mapping[int, str]]) -> None:
    """Let a higher app prefill a new report's city lines (idempotent)."""
    if source not in CITY_LINE_SOURCES:
        CITY_LINE_SOURCES.append(source)


def city_line_claims(report: ProgressReport) -> dict[int, str]:
    """{city_id: status} the registered sources know for `report` (saved or not: reform, unit and period suffice)."""
    claimed: dict[int, str] = {}
    for source in CITY_LINE_SOURCES:
        claimed.update(source(report))
    return claimed


def _prefill_city_lines(report: ProgressReport) -> None:
    # One line per target city, starting from where the city stands, so the unit only changes what moved.
    targets = (
        RolloutTarget.objects.filter(reform_id=report.reform_id)
        .order_by("city__code")
        .values_list("city_id", "city__code", "city__name", "status", "not_applicable_reason")
    )
    claimed = city_line_claims(report)
    rows = []  # (city_id, code, name, status, note), in the lines' order (by city code)
    for city_id, code, name, status, reason in targets:
        # An exemption (不适用) is the office's decision: no city's word changes it.
        exempt = status == TargetStatus.NOT_APPLICABLE
        rows.append((city_id, code, name, status if exempt else claimed.get(city_id, status), reason if exempt else ""))
    ids = _insert_lines(report, rows)
    lines = [
        city_line(report, ids[city_id], city_id, code, name, status, note) for city_id, code, name, status, note in rows
    ]
    remember(report, city_lines=lines)


def _insert_lines(report: ProgressReport, rows: list[tuple]) -> dict[int, int]:
    """Insert the lines of `rows` (city_id, code, name, status, note); {city_id: line id}.

    On PostgreSQL one INSERT of the unnested columns: a reform targets up to 300 cities at large scale, and
    bulk_create's per-object preparation was half of a create's CPU (issue 11: 9.5 -> 4.7 ms for 300 lines). The lines
    are checked by construction (target cities, the target's reason with 不适用), as bulk_create did not check them
    either; the database enforces their constraints and the report's state (tracker_cityline_guard).
    """
    if not rows:
        return {}
    if connection.vendor != "postgresql":
        lines = ReportCityLine.objects.bulk_create(
            ReportCityLine(report=report, city_id=row[0], status=row[3], note=row[4]) for row in rows
        )
        return {line.city_id: line.pk for line in lines}
    table, quote = ReportCityLine._meta.db_table, connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(table)} (report_id, city_id, status, note) "
            "SELECT %s, * FROM unnest(%s::bigint[], %s::varchar[], %s::text[]) RETURNING city_id, id",
            [report.pk, [row[0] for row in rows], [row[3] for row in rows], [row[4] for row in rows]],
        )
        return dict(cursor.fetchall())


def _duplicate_error() -> ValidationError:
    constraint = next(c for c in ProgressReport._meta.constraints if c.name == DUPLICATE_CONSTRAINT)
    return ValidationError(
        {NON_FIELD_ERRORS: constraint.get_violation_error_message()}, code=constraint.violation_error_code
    )


def _violated_constraint(exc: IntegrityError) -> str | None:
    # psycopg reports the constraint's name: no query needed (nor possible: the transaction is aborted).
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


def _reject_unknown_fields(data: Mapping[str, Any]) -> None:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        # A programming error, not user input: the API and the admin only pass EDITABLE_FIELDS.
        raise TypeError(f"not editable through report services: {', '.join(sorted(unknown))}")


@transaction.atomic
def report_create(
    *,
    user,
    reform: Reform,
    period: ReportingPeriod,
    unit: Unit | None = None,
    data: Mapping[str, Any] | None = None,
    city_lines: Sequence[CityLineInput] | None = None,
    at: datetime.datetime | None = None,
) -> ProgressReport:
    """A new draft by `user` for `reform` and `period`, filed for `unit` (or the user's one responsible unit).

    `at` (default now) dates it: the demo data files past periods' reports on their own days. `data` holds
    EDITABLE_FIELDS only. A second report for the same (reform, unit, period) is a ValidationError,
    also when two requests race past the check: the unique constraint decides and its error becomes the same message.
    The report returned carries its city lines, transition and (empty) history: its answer needs no read.
    """
    data = dict(data or {})
    _reject_unknown_fields(data)
    unit, responsible = _resolve_unit(user=user, reform=reform, unit=unit)
    now = at or timezone.now()
    report = ProgressReport(
        reform=reform, unit=unit, period=period, author=user, created_at=now, updated_at=now, **data
    )
    if responsible:
        report.responsibility_seen = (reform.pk, unit.pk)
    validate(report)
    try:
        # No savepoint of its own: this function's atomic block is the one rolled back on a duplicate.
        report.save(force_insert=True)
    except IntegrityError as exc:
        if _violated_constraint(exc) == DUPLICATE_CONSTRAINT:
            raise _duplicate_error() from None
        raise
    _prefill_city_lines(report)
    if city_lines:
        _apply_city_lines(report, city_lines)
    remember(report, transitions=[record(report, user=user, from_state="")], revisions=[], attachments=[])
    # The missing list shows the draft there is at once (a draft meets nothing: the obligation stays open, and the
    # figures, which count submissions only, stay as they were).
    follow(report, submission_changed=False)
    return report


@transaction.atomic
def report_update(
    *,
    report: ProgressReport,
    user,
    version: int,
    data: Mapping[str, Any] | None = None,
    city_lines: Sequence[CityLineInput] | None = None,
) -> ProgressReport:
    """Change a draft or returned report that is still at `version`; returns it at its new version."""
    data = dict(data or {})
    _reject_unknown_fields(data)
    access.require_unit_member(user, report.unit_id)
    if report.state not in EDITABLE_STATES:
        raise ReportStateConflict()
    if report.version != version:
        raise PreconditionFailed()
    for field, value in data.items():
        setattr(report, field, value)
    validate(report)
    now = timezone.now()
    # The conditional UPDATE takes the row lock first, so the city lines below are written by the winner only.
    claim(report, version=version, states=EDITABLE_STATES, updated_at=now, **data)
    if city_lines:
        _apply_city_lines(report, city_lines)
    report.version, report.updated_at = version + 1, now
    return report
