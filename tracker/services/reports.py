"""Writes on progress reports: create, edit, submit, approve, return.

Every write is a conditional UPDATE on (id, version[, state]) that must change exactly one row: two people editing
the same version, or a reviewer approving while the unit edits, cannot both win. The loser gets PreconditionFailed
(a stale version) or ReportStateConflict (the report moved on), and nothing of theirs is written.
"""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reforms.choices import TargetStatus
from reforms.models import Reform, Responsibility, RolloutTarget
from tracker.reminders.services.obligations import obligation_follow_report
from tracker.stats.services.refresh import stats_report_sync
from units.models import City, Unit
from units.roles import is_office, unit_ids_of

from ..choices import EDITABLE_STATES, ReportState
from ..exceptions import PreconditionFailed, ReportStateConflict
from ..models import (
    COMMENT_MAX_LENGTH,
    ProgressReport,
    ReportCityLine,
    ReportingPeriod,
    ReportRevision,
    ReportTransition,
)

# The fields a unit writes; everything else (unit, author, state, reviewer, timestamps, version) only services set.
EDITABLE_FIELDS = ("status", "percent", "work_done", "problems", "next_steps")


@dataclass(frozen=True)
class CityLineInput:
    """What a unit says about one target city in a report."""

    city: City
    status: str
    note: str = ""


def _resolve_unit(*, user, reform: Reform, unit: Unit | None) -> Unit:
    mine = unit_ids_of(user)
    if not mine:
        raise PermissionDenied(_("Only members of a responsible unit file progress reports."))
    if unit is not None:
        if unit.pk not in mine:
            raise ValidationError({"unit": _("You are not a member of this unit.")})
        return unit
    candidates = list(
        Responsibility.objects.filter(reform=reform, unit_id__in=mine).select_related("unit").order_by("position")
    )
    if not candidates:
        raise ValidationError({"reform": _("None of your units is responsible for this reform.")})
    if len(candidates) > 1:
        raise ValidationError(
            {"unit": _("You belong to several units responsible for this reform: say which one files this report.")}
        )
    return candidates[0].unit


def _require_member(report: ProgressReport, user) -> None:
    if report.unit_id not in unit_ids_of(user):
        raise PermissionDenied(_("Only members of the report's unit may change or submit it."))


def _require_office(user) -> None:
    if not is_office(user):
        raise PermissionDenied(_("Only the provincial office reviews reports."))


def _claim(report: ProgressReport, *, version: int, states: Sequence[str], **changes: Any) -> None:
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


def _record(report: ProgressReport, *, user, from_state: str, comment: str = "") -> None:
    ReportTransition.objects.create(
        report=report,
        from_state=from_state,
        to_state=report.state,
        actor=user,
        at=report.updated_at,
        revision=report.revision,
        comment=comment,
    )


def _apply_city_lines(report: ProgressReport, lines: Sequence[CityLineInput]) -> None:
    """Upsert the given lines by city; lines for cities not mentioned stay as they are."""
    seen: set[int] = set()
    existing = {line.city_id: line for line in report.city_lines.all()}
    errors = []
    for item in lines:
        if item.city.pk in seen:
            errors.append(_("%(city)s is listed twice.") % {"city": item.city})
            continue
        seen.add(item.city.pk)
        line = existing.get(item.city.pk) or ReportCityLine(report=report, city=item.city)
        line.status, line.note = item.status, item.note
        try:
            line.full_clean(exclude=["report"], validate_constraints=False)
        except ValidationError as exc:
            errors.extend(f"{item.city}: {msg}" for msgs in exc.message_dict.values() for msg in msgs)
            continue
        line.save()
    if errors:
        raise ValidationError({"city_lines": errors})


def _prefill_city_lines(report: ProgressReport) -> None:
    # One line per target city, starting from where the city stands, so the unit only changes what moved.
    targets = RolloutTarget.objects.filter(reform_id=report.reform_id).select_related("city")
    ReportCityLine.objects.bulk_create(
        ReportCityLine(
            report=report,
            city=target.city,
            status=target.status,
            note=target.not_applicable_reason if target.status == TargetStatus.NOT_APPLICABLE else "",
        )
        for target in targets
    )


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
    """
    data = dict(data or {})
    _reject_unknown_fields(data)
    unit = _resolve_unit(user=user, reform=reform, unit=unit)
    now = at or timezone.now()
    report = ProgressReport(
        reform=reform, unit=unit, period=period, author=user, created_at=now, updated_at=now, **data
    )
    _validate(report)
    try:
        with transaction.atomic():
            report.save(force_insert=True)
    except IntegrityError:
        if ProgressReport.objects.filter(reform=reform, unit=unit, period=period).exists():
            raise _duplicate_error() from None
        raise
    _prefill_city_lines(report)
    if city_lines:
        _apply_city_lines(report, city_lines)
    _record(report, user=user, from_state="")
    # The missing list shows the draft there is at once (a draft meets nothing: the obligation stays open).
    _follow(report)
    return report


# Resolved from the database by the caller (serializer, _lock, the signed-in user): full_clean() would look each up
# again, one SELECT apiece.
_FOREIGN_KEYS = ["reform", "unit", "period", "author", "reviewer"]


def _validate(report: ProgressReport) -> None:
    """The fields' and the model's rules. Not the constraints: the database enforces them on the write, and the
    one a user can break (a second report for the same reform, unit and period) comes back as _duplicate_error();
    Django would check each with its own SAVEPOINT and SELECT first (issue 11)."""
    report.full_clean(exclude=_FOREIGN_KEYS, validate_constraints=False)


def _duplicate_error() -> ValidationError:
    constraint = next(
        c for c in ProgressReport._meta.constraints if c.name == "tracker_report_unique_reform_unit_period"
    )
    return ValidationError(
        {NON_FIELD_ERRORS: constraint.get_violation_error_message()}, code=constraint.violation_error_code
    )


def _reject_unknown_fields(data: Mapping[str, Any]) -> None:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        # A programming error, not user input: the API and the admin only pass EDITABLE_FIELDS.
        raise TypeError(f"not editable through report services: {', '.join(sorted(unknown))}")


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
    _require_member(report, user)
    if report.state not in EDITABLE_STATES:
        raise ReportStateConflict()
    if report.version != version:
        raise PreconditionFailed()
    for field, value in data.items():
        setattr(report, field, value)
    _validate(report)
    now = timezone.now()
    # The conditional UPDATE takes the row lock first, so the city lines below are written by the winner only.
    _claim(report, version=version, states=EDITABLE_STATES, updated_at=now, **data)
    if city_lines:
        _apply_city_lines(report, city_lines)
    report.version, report.updated_at = version + 1, now
    return report


def report_snapshot(report: ProgressReport) -> dict[str, Any]:
    """The report as submitted, in plain JSON: kept in its ReportRevision for as long as the service runs."""
    return {
        "reform": {"id": report.reform_id, "code": report.reform.code},
        "unit": {"id": report.unit_id, "name": report.unit.name},
        "period": {"id": report.period_id, "code": report.period.code},
        "status": report.status,
        "percent": report.percent,
        "work_done": report.work_done,
        "problems": report.problems,
        "next_steps": report.next_steps,
        "city_lines": [
            {"city": line.city.code, "city_name": line.city.name, "status": line.status, "note": line.note}
            for line in report.city_lines.select_related("city").order_by("city__code")
        ],
        "attachments": [
            {"id": a.pk, "name": a.original_name, "size": a.size, "sha256": a.sha256}
            for a in report.attachments.order_by("pk")
        ],
    }


def _check_complete(report: ProgressReport) -> None:
    errors: dict[str, list] = {}
    if not report.work_done.strip():
        errors["work_done"] = [_("Say what was done before submitting the report.")]
    covered = set(report.city_lines.values_list("city_id", flat=True))
    missing = RolloutTarget.objects.filter(reform_id=report.reform_id).exclude(city_id__in=covered)
    names = [str(t.city) for t in missing.select_related("city")]
    if names:
        errors["city_lines"] = [
            _("Every target city needs a line; missing: %(cities)s.") % {"cities": "、".join(names)}
        ]
    if errors:
        raise ValidationError(errors)


def _lock(report: ProgressReport) -> ProgressReport:
    # Reviewer and unit may act at once; the lock orders them and the fresh row says what the winner left.
    return ProgressReport.objects.select_for_update().select_related("reform", "unit", "period").get(pk=report.pk)


@transaction.atomic
def report_submit(
    *, report: ProgressReport, user, version: int | None = None, at: datetime.datetime | None = None
) -> ProgressReport:
    """Hand a draft or returned report to the office: freeze it and keep a numbered snapshot of it; its obligation
    is met and the statistics count it, in the same transaction. `at` (default now) is the submission time."""
    _require_member(report, user)
    report = _lock(report)
    if report.state not in EDITABLE_STATES:
        raise ReportStateConflict(_("Only a draft or a returned report can be submitted."))
    if version is not None and report.version != version:
        raise PreconditionFailed()
    _validate(report)
    _check_complete(report)
    from_state, now = report.state, at or timezone.now()
    changes = {
        "state": ReportState.SUBMITTED,
        "revision": report.revision + 1,
        "submitted_at": now,
        "updated_at": now,
        # A resubmitted report waits for a new review; the old one stays in the transitions.
        "reviewer": None,
        "reviewed_at": None,
        "review_comment": "",
    }
    _claim(report, version=report.version, states=EDITABLE_STATES, **changes)
    # What the UPDATE wrote, set here rather than read back: refresh_from_db() would also drop the reform, unit and
    # period _lock() joined, and the snapshot would fetch them again.
    for name, value in changes.items():
        setattr(report, name, value)
    report.version += 1
    ReportRevision.objects.create(
        report=report, number=report.revision, data=report_snapshot(report), created_by=user, created_at=now
    )
    _record(report, user=user, from_state=from_state)
    _follow(report)
    return report


def _follow(report: ProgressReport) -> None:
    # In the report's transaction: the obligations list, the statistics and the dashboard change with the report,
    # not at the next sweep or rollup refresh.
    obligation_follow_report(report=report)
    stats_report_sync(report=report)


@transaction.atomic
def report_approve(
    *, report: ProgressReport, user, comment: str = "", version: int | None = None, at: datetime.datetime | None = None
) -> ProgressReport:
    """Accept a submitted report; its city lines become the rollout targets' status, dated the review's day."""
    _require_office(user)
    comment = _clean_comment(comment, required=False)
    report = _review(report, user=user, comment=comment, version=version, to_state=ReportState.APPROVED, at=at)
    _apply_to_targets(report, on=timezone.localdate(report.reviewed_at))
    _record(report, user=user, from_state=ReportState.SUBMITTED, comment=comment)
    _follow(report)
    return report


def _review(
    report: ProgressReport, *, user, comment: str, version: int | None, to_state: str, at: datetime.datetime | None
) -> ProgressReport:
    """Move a submitted report to `to_state` with the reviewer's fields, under the row lock."""
    report = _lock(report)
    if report.state != ReportState.SUBMITTED:
        raise ReportStateConflict(_("Only a submitted report can be approved or returned."))
    if version is not None and report.version != version:
        raise PreconditionFailed()
    now = at or timezone.now()
    _claim(
        report,
        version=report.version,
        states=[ReportState.SUBMITTED],
        state=to_state,
        reviewer=user,
        reviewed_at=now,
        review_comment=comment,
        updated_at=now,
    )
    report.refresh_from_db()
    return report


def _newer_approved_cities(report: ProgressReport) -> set[int]:
    """Cities an approved report of a later period already speaks for: an older period's word must not undo it.

    "Later" is by the period's start, then its end. Reports of the same period (a lead and its co-units) keep
    the last-approval-wins rule: they describe the same moment.
    """
    period = report.period
    later = Q(report__period__starts_on__gt=period.starts_on) | Q(
        report__period__starts_on=period.starts_on, report__period__ends_on__gt=period.ends_on
    )
    lines = ReportCityLine.objects.filter(
        later, report__reform_id=report.reform_id, report__state=ReportState.APPROVED
    ).exclude(report_id=report.pk)
    return set(lines.values_list("city_id", flat=True))


def _apply_to_targets(report: ProgressReport, *, on) -> None:
    lines = {line.city_id: line for line in report.city_lines.all()}
    # The targets are locked before the newer approvals are read: a newer approval committing meanwhile holds
    # these locks until it commits, so the read below (READ COMMITTED, a new statement) sees it.
    targets = list(RolloutTarget.objects.select_for_update().filter(reform_id=report.reform_id, city_id__in=lines))
    newer = _newer_approved_cities(report)
    for target in targets:
        if target.city_id in newer:
            continue
        line = lines[target.city_id]
        reason = line.note if line.status == TargetStatus.NOT_APPLICABLE else target.not_applicable_reason
        if target.status == line.status and target.not_applicable_reason == reason:
            continue
        if target.status != line.status:
            target.status_changed_on = on
        target.status = line.status
        target.not_applicable_reason = reason if line.status == TargetStatus.NOT_APPLICABLE else ""
        target.full_clean()
        target.save(update_fields=["status", "status_changed_on", "not_applicable_reason"])


def _clean_comment(comment: str, *, required: bool) -> str:
    comment = (comment or "").strip()
    if required and not comment:
        raise ValidationError({"comment": _("Say why the report is returned.")})
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {"comment": _("A comment may have at most %(limit)d characters.") % {"limit": COMMENT_MAX_LENGTH}}
        )
    return comment


@transaction.atomic
def report_return(
    *, report: ProgressReport, user, comment: str, version: int | None = None, at: datetime.datetime | None = None
) -> ProgressReport:
    """Send a submitted report back to its unit with the reviewer's reason; the unit edits it into a new revision.
    Its obligation is unmet again (a new reminder cycle) and the statistics count it missing, in this transaction."""
    _require_office(user)
    comment = _clean_comment(comment, required=True)
    report = _review(report, user=user, comment=comment, version=version, to_state=ReportState.RETURNED, at=at)
    _record(report, user=user, from_state=ReportState.SUBMITTED, comment=comment)
    _follow(report)
    return report
