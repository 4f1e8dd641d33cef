"""The office's review: approve (the city lines become the rollout targets' status) or return with a reason."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import access
from reforms.choices import TargetStatus
from reforms.models import RolloutTarget

from ...choices import ReportState
from ...exceptions import PreconditionFailed, ReportStateConflict
from ...models import COMMENT_MAX_LENGTH, ProgressReport, ReportCityLine
from .writing import city_lines_read, claim, follow, record, remember, report_lock


def _review(
    report: ProgressReport,
    *,
    user,
    comment: str,
    version: int | None,
    to_state: str,
    at: datetime.datetime | None,
    within: QuerySet | None,
) -> ProgressReport:
    """Move a submitted report to `to_state` with the reviewer's fields, under the row lock. In the order the API
    answers: outside the caller's scope `within` (if given) the report is unknown (ProgressReport.DoesNotExist),
    then the reviewer is checked, then the comment (a return needs one), then the state and the version."""
    report = report_lock(report, within=within, attachments=True)
    access.require_office(user, _("Only the provincial office reviews reports."))
    comment = _clean_comment(comment, required=to_state == ReportState.RETURNED)
    if report.state != ReportState.SUBMITTED:
        raise ReportStateConflict(_("Only a submitted report can be approved or returned."))
    if version is not None and report.version != version:
        raise PreconditionFailed()
    now = at or timezone.now()
    changes = {"state": to_state, "reviewed_at": now, "review_comment": comment, "updated_at": now}
    claim(report, version=report.version, states=[ReportState.SUBMITTED], reviewer=user, **changes)
    # What the UPDATE wrote, set rather than read back (refresh_from_db() would drop the joined relations).
    for name, value in changes.items():
        setattr(report, name, value)
    report.reviewer = user
    report.version += 1
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
    report_lines = city_lines_read(report)
    remember(report, city_lines=report_lines)
    lines = {line.city_id: line for line in report_lines}
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
def report_approve(
    *,
    report: ProgressReport,
    user,
    comment: str = "",
    version: int | None = None,
    at: datetime.datetime | None = None,
    within: QuerySet | None = None,
) -> ProgressReport:
    """Accept a submitted report; its city lines become the rollout targets' status, dated the review's day.
    `within`: the caller's scope, checked by the row lock."""
    report = _review(
        report, user=user, comment=comment, version=version, to_state=ReportState.APPROVED, at=at, within=within
    )
    _apply_to_targets(report, on=timezone.localdate(report.reviewed_at))
    record(report, user=user, from_state=ReportState.SUBMITTED, comment=report.review_comment)
    # Approved keeps the submission's time: the figures stay, the report's state in the statistics changes.
    follow(report, submission_changed=False)
    return report


@transaction.atomic
def report_return(
    *,
    report: ProgressReport,
    user,
    comment: str,
    version: int | None = None,
    at: datetime.datetime | None = None,
    within: QuerySet | None = None,
) -> ProgressReport:
    """Send a submitted report back to its unit with the reviewer's reason; the unit edits it into a new revision.
    Its obligation is unmet again (a new reminder cycle) and the statistics count it missing, in this transaction.
    `within`: the caller's scope, checked by the row lock."""
    report = _review(
        report, user=user, comment=comment, version=version, to_state=ReportState.RETURNED, at=at, within=within
    )
    record(report, user=user, from_state=ReportState.SUBMITTED, comment=report.review_comment)
    follow(report)
    return report
