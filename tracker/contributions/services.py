"""Writes on co-unit contributions: create, edit, submit, withdraw, and their evidence files.

Like the report services, every write of a contribution is a conditional UPDATE on (id, version, state) that must
change exactly one row: two people of the co-unit editing the same version cannot both win, and the loser is told
(ContributionChanged, 412) instead of being overwritten.

Life cycle: draft → submitted → (withdrawn) draft → submitted ... A draft is the co-unit's alone. A submitted
contribution is what the lead unit reads; the co-unit may withdraw it to correct it while the lead's report for the
period is not yet submitted (no report yet, a draft, or returned by the office). Once the lead has submitted, its
report was written from these contributions and they stay as they are; if the office returns the report, the
co-units may correct theirs again. Filing late (after the due date, or after the lead submitted) is allowed: the
lead and the office see when it came.
"""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.access import require_unit_member, unit_ids_of
from core.cache import answers_invalidate_on_commit
from reforms.choices import ResponsibilityRole
from reforms.models import Reform, Responsibility
from tracker.choices import EDITABLE_STATES
from tracker.models import Attachment, ProgressReport, ReportingPeriod
from tracker.reminders.services.fulfilment import obligation_follow_contribution
from tracker.services.attachments import MAX_ATTACHMENTS_PER_REPORT, safe_name, upload_sha256
from tracker.uploads import inspect_upload
from units.models import Unit

from .choices import ContributionState
from .exceptions import ContributionChanged, ContributionStateConflict, LeadReportSubmitted
from .models import Contribution, ContributionAttachment

EDITABLE_FIELDS = ("work_done", "problems")
MAX_ATTACHMENTS_PER_CONTRIBUTION = MAX_ATTACHMENTS_PER_REPORT


def _resolve_unit(*, user, reform: Reform, unit: Unit | None) -> Unit:
    mine = unit_ids_of(user)
    if not mine:
        raise PermissionDenied(_("Only members of a co-unit file contributions."))
    if unit is not None:
        if unit.pk not in mine:
            raise ValidationError({"unit": _("You are not a member of this unit.")})
        return unit
    candidates = list(
        Responsibility.objects.filter(reform=reform, unit_id__in=mine, role=ResponsibilityRole.CO).select_related(
            "unit"
        )
    )
    if not candidates:
        raise ValidationError({"reform": _("None of your units is a co-unit of this reform.")})
    if len(candidates) > 1:
        raise ValidationError(
            {"unit": _("You belong to several co-units of this reform: say which one files this contribution.")}
        )
    return candidates[0].unit


def _require_member(contribution: Contribution, user) -> None:
    require_unit_member(user, contribution.unit_id, _("Only members of the contribution's unit may change it."))


def _reject_unknown_fields(data: Mapping[str, Any]) -> None:
    unknown = sorted(set(data) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})


def _claim(contribution: Contribution, *, version: int | None, from_state: str, **changes: Any) -> None:
    """Write `changes` if the row still has `version` (None: whatever it is now) and `from_state`, else say why."""
    rows = Contribution.objects.filter(pk=contribution.pk, state=from_state)
    if version is not None:
        rows = rows.filter(version=version)
    if rows.update(version=F("version") + 1, **changes) == 1:
        # The participation figures count it: cached statistics answers are older once this commits.
        answers_invalidate_on_commit()
        return
    current = Contribution.objects.filter(pk=contribution.pk).values("state").first()
    # Without a version only the state can have refused the write (it may have moved back since: still a 409).
    if version is None or current is None or current["state"] != from_state:
        raise ContributionStateConflict()
    raise ContributionChanged()


def _duplicate_error() -> ValidationError:
    constraint = next(c for c in Contribution._meta.constraints if c.name == "contributions_unique_reform_unit_period")
    return ValidationError(
        {NON_FIELD_ERRORS: constraint.get_violation_error_message()}, code=constraint.violation_error_code
    )


@transaction.atomic
def contribution_create(
    *,
    user,
    reform: Reform,
    period: ReportingPeriod,
    unit: Unit | None = None,
    data: Mapping[str, Any] | None = None,
) -> Contribution:
    """A new draft by `user` for `reform` and `period`, filed for `unit` (or the user's one co-unit of the reform)."""
    data = dict(data or {})
    _reject_unknown_fields(data)
    unit = _resolve_unit(user=user, reform=reform, unit=unit)
    now = timezone.now()
    contribution = Contribution(
        reform=reform, unit=unit, period=period, author=user, created_at=now, updated_at=now, **data
    )
    contribution.full_clean(exclude=["reform", "unit", "period", "author"], validate_constraints=False)
    try:
        # A savepoint: the unique triple decides a race between two first saves, and its error reads as the check's.
        with transaction.atomic():
            contribution.save(force_insert=True)
    except IntegrityError:
        if Contribution.objects.filter(reform=reform, unit=unit, period=period).exists():
            raise _duplicate_error() from None
        raise
    return contribution


@transaction.atomic
def contribution_update(*, contribution: Contribution, user, version: int, data: Mapping[str, Any]) -> Contribution:
    """Change a draft's text; `version` is the one the user loaded (412 if someone wrote since)."""
    _require_member(contribution, user)
    data = dict(data)
    _reject_unknown_fields(data)
    for name, value in data.items():
        setattr(contribution, name, value)
    contribution.full_clean(exclude=["reform", "unit", "period", "author"], validate_constraints=False)
    _claim(contribution, version=version, from_state=ContributionState.DRAFT, updated_at=timezone.now(), **data)
    contribution.refresh_from_db()
    return contribution


@transaction.atomic
def contribution_submit(*, contribution: Contribution, user, version: int | None = None) -> Contribution:
    """Hand a draft to the lead unit. It must say what the unit did."""
    _require_member(contribution, user)
    # Locked: an edit blanking the text cannot slip in between this check and the claim.
    current = Contribution.objects.select_for_update().filter(pk=contribution.pk).values("work_done", "state").first()
    if current and current["state"] == ContributionState.DRAFT and not current["work_done"].strip():
        raise ValidationError({"work_done": _("Say what your unit did before submitting the contribution.")})
    now = timezone.now()
    _claim(
        contribution,
        version=version,
        from_state=ContributionState.DRAFT,
        state=ContributionState.SUBMITTED,
        submitted_at=now,
        updated_at=now,
    )
    contribution.refresh_from_db()
    # In the same transaction: the co-unit's obligation is met the moment the contribution is (reminders stop).
    obligation_follow_contribution(contribution=contribution)
    return contribution


def _lead_report_state(contribution: Contribution) -> str | None:
    """The state of the lead unit's report on the contribution's reform and period, its row locked (None: none yet).

    The lock orders a withdrawal against the lead's submit (report_submit updates that row): either the withdrawal
    sees the report submitted and refuses, or the submit waits until the withdrawal is committed.
    """
    lead = Responsibility.objects.filter(reform_id=contribution.reform_id, role=ResponsibilityRole.LEAD)
    report = (
        ProgressReport.objects.select_for_update()
        .filter(reform_id=contribution.reform_id, period_id=contribution.period_id, unit_id__in=lead.values("unit_id"))
        .values("state")
        .first()
    )
    return report["state"] if report else None


@transaction.atomic
def contribution_withdraw(*, contribution: Contribution, user, version: int | None = None) -> Contribution:
    """Take a submitted contribution back to a draft to correct it, while the lead's report is still open."""
    _require_member(contribution, user)
    state = _lead_report_state(contribution)
    if state is not None and state not in EDITABLE_STATES:
        raise LeadReportSubmitted()
    _claim(
        contribution,
        version=version,
        from_state=ContributionState.SUBMITTED,
        state=ContributionState.DRAFT,
        submitted_at=None,
        updated_at=timezone.now(),
    )
    contribution.refresh_from_db()
    # Withdrawn, it is owed again: the obligation reopens in a new cycle and the reminders restart.
    obligation_follow_contribution(contribution=contribution)
    return contribution


def _lock_draft(contribution: Contribution, user) -> Contribution:
    _require_member(contribution, user)
    # Locked: a submit racing an upload either sees the file or makes the upload fail.
    locked = Contribution.objects.select_for_update().get(pk=contribution.pk)
    if not locked.is_editable:
        raise ContributionStateConflict()
    return locked


def _stored_bytes(model, **filters) -> int:
    return model.objects.filter(**filters).aggregate(total=Sum("size"))["total"] or 0


def _check_quota(contribution: Contribution, *, size: int) -> None:
    """The report limits apply: per contribution as per report, and the unit's total counts both kinds of files."""
    per_item = settings.ATTACHMENT_MAX_BYTES_PER_REPORT
    if _stored_bytes(ContributionAttachment, contribution_id=contribution.pk) + size > per_item:
        raise ValidationError(
            {
                "file": _("A contribution's attachments may take at most %(limit)s in all.")
                % {"limit": filesizeformat(per_item)}
            }
        )
    # The unit's row lock orders this against uploads to its reports (tracker's attachment_add takes it too).
    Unit.objects.select_for_update().filter(pk=contribution.unit_id).first()
    per_unit = settings.ATTACHMENT_MAX_BYTES_PER_UNIT
    used = _stored_bytes(Attachment, report__unit_id=contribution.unit_id) + _stored_bytes(
        ContributionAttachment, contribution__unit_id=contribution.unit_id
    )
    if used + size > per_unit:
        raise ValidationError(
            {
                "file": _("Your unit's attachments may take at most %(limit)s in all; remove old drafts' files first.")
                % {"limit": filesizeformat(per_unit)}
            }
        )


@transaction.atomic
def contribution_attachment_add(*, contribution: Contribution, user, file: UploadedFile) -> ContributionAttachment:
    """Attach `file` to a draft contribution of the user's unit, if its content is an accepted kind."""
    contribution = _lock_draft(contribution, user)
    try:
        kind = inspect_upload(file)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    if contribution.attachments.count() >= MAX_ATTACHMENTS_PER_CONTRIBUTION:
        raise ValidationError(
            {
                "file": _("A contribution may have at most %(limit)d attachments.")
                % {"limit": MAX_ATTACHMENTS_PER_CONTRIBUTION}
            }
        )
    _check_quota(contribution, size=file.size)
    attachment = ContributionAttachment(
        contribution=contribution,
        original_name=safe_name(file.name),
        content_type=kind.mime,
        size=file.size,
        sha256=upload_sha256(file),
        uploaded_by=user,
    )
    attachment.file.save(attachment.original_name, file, save=False)
    stored = attachment.file.name
    # Storage is not transactional: if the row is not written, the file must not stay behind.
    try:
        attachment.full_clean(exclude=["contribution", "uploaded_by"])
        attachment.save()
    except Exception:
        attachment.file.storage.delete(stored)
        raise
    return attachment


@transaction.atomic
def contribution_attachment_delete(*, attachment: ContributionAttachment, user) -> None:
    """Remove a file of a draft contribution; the stored file goes once the deletion is committed."""
    _lock_draft(attachment.contribution, user)
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))
