"""Submitting a report: completeness, the frozen snapshot (a ReportRevision), the obligation met."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import access
from reforms.models import RolloutTarget

from ...choices import EDITABLE_STATES, ReportState
from ...exceptions import PreconditionFailed, ReportStateConflict
from ...models import Attachment, ProgressReport, ReportCityLine, ReportRevision
from .writing import city_lines_read, claim, follow, record, remember, remembered, report_lock, validate


def _attachments(report: ProgressReport) -> list[Attachment]:
    return list(report.attachments.select_related("uploaded_by").order_by("pk"))


def report_snapshot(
    report: ProgressReport,
    *,
    city_lines: list[ReportCityLine] | None = None,
    attachments: list[Attachment] | None = None,
) -> dict[str, Any]:
    """The report as submitted, in plain JSON: kept in its ReportRevision for as long as the service runs.
    `city_lines` (ordered by city code) and `attachments` (by id) if the caller has them, else they are read."""
    lines = city_lines_read(report) if city_lines is None else city_lines
    files = _attachments(report) if attachments is None else attachments
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
            for line in lines
        ],
        "attachments": [{"id": a.pk, "name": a.original_name, "size": a.size, "sha256": a.sha256} for a in files],
    }


def _check_complete(report: ProgressReport, lines: list[ReportCityLine]) -> None:
    errors: dict[str, list] = {}
    if not report.work_done.strip():
        errors["work_done"] = [_("Say what was done before submitting the report.")]
    names = getattr(report, "uncovered_cities", None)
    if names is None:  # report_lock(uncovered_cities=True) did not read them
        covered = {line.city_id for line in lines}
        missing = RolloutTarget.objects.filter(reform_id=report.reform_id).exclude(city_id__in=covered)
        names = [str(t.city) for t in missing.select_related("city")]
    if names:
        errors["city_lines"] = [
            _("Every target city needs a line; missing: %(cities)s.") % {"cities": "、".join(names)}
        ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def report_submit(
    *,
    report: ProgressReport,
    user,
    version: int | None = None,
    at: datetime.datetime | None = None,
    within: QuerySet | None = None,
) -> ProgressReport:
    """Hand a draft or returned report to the office: freeze it and keep a numbered snapshot of it; its obligation
    is met and the statistics count it, in the same transaction. `at` (default now) is the submission time.
    `within`: the caller's scope, checked by the row lock (writing.report_lock). The report returned carries its
    city lines and attachments as snapshotted."""
    # Locked first, then the membership checked on the fresh row: with `within`, the lock is the scope check, and a
    # report outside the scope must be unknown (404) before anything is refused (403).
    report = report_lock(report, within=within, uncovered_cities=True, attachments=True)
    access.require_unit_member(user, report.unit_id)
    if report.state not in EDITABLE_STATES:
        raise ReportStateConflict(_("Only a draft or a returned report can be submitted."))
    if version is not None and report.version != version:
        raise PreconditionFailed()
    validate(report)
    lines = city_lines_read(report)
    _check_complete(report, lines)
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
    claim(report, version=report.version, states=EDITABLE_STATES, **changes)
    # What the UPDATE wrote, set here rather than read back: refresh_from_db() would also drop the reform, unit and
    # period report_lock() joined, and the snapshot would fetch them again.
    for name, value in changes.items():
        setattr(report, name, value)
    report.version += 1
    attachments = remembered(report, "attachments")
    if attachments is None:  # the lock found some
        attachments = _attachments(report)
    revision = ReportRevision.objects.create(
        report=report,
        number=report.revision,
        data=report_snapshot(report, city_lines=lines, attachments=attachments),
        created_by=user,
        created_at=now,
    )
    record(report, user=user, from_state=from_state)
    remember(report, city_lines=lines, attachments=attachments)
    if revision.number == 1:
        # A first submission's history of revisions is the one just written (numbers are unique and start at 1).
        remember(report, revisions=[revision])
    follow(report)
    return report
