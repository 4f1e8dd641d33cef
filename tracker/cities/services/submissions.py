"""Writes on city submissions: create, edit, submit, confirm, return.

Like the report services: every write is a conditional UPDATE on (id, version, state) that must change exactly one
row, so two writers of one version cannot both win; the loser gets SubmissionStale (412) or StateConflict (409).
"""

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import access
from core.cache import answers_invalidate_on_commit
from reforms.models import RolloutTarget
from tracker.models import COMMENT_MAX_LENGTH, ReportingPeriod
from tracker.reminders.services.fulfilment import obligation_follow_city_submission

from ..choices import EDITABLE_STATES, SubmissionState
from ..exceptions import StateConflict, SubmissionStale
from ..models import CitySubmission, CitySubmissionRevision, CitySubmissionTransition
from .prefill import city_line_follow_submission

# The fields a city writes; everything else only services set.
SUBMISSION_FIELDS = ("status", "work_done", "problems")


def _reject_unknown_fields(data: Mapping[str, Any]) -> None:
    unknown = set(data) - set(SUBMISSION_FIELDS)
    if unknown:
        # A programming error, not user input: the API and the admin pass SUBMISSION_FIELDS only.
        raise TypeError(f"not editable through submission services: {', '.join(sorted(unknown))}")


def _require_city_member(submission: CitySubmission, user) -> None:
    access.require_city_member(
        user, submission.target.city_id, _("Only the city's own staff may change or submit its submission.")
    )


def _require_reviewer(submission: CitySubmission, user) -> None:
    if not access.may_review_city_work(user, submission.target.reform_id):
        raise PermissionDenied(_("Only the lead unit or the provincial office confirms or returns a submission."))


def _validate(submission: CitySubmission) -> None:
    # The constraints are the database's (the one a user can break comes back as _duplicate_error()).
    submission.full_clean(exclude=["target", "period", "author", "reviewer"], validate_constraints=False)


def _duplicate_error() -> ValidationError:
    constraint = next(c for c in CitySubmission._meta.constraints if c.name == "cities_submission_unique_target_period")
    return ValidationError(
        {NON_FIELD_ERRORS: constraint.get_violation_error_message()}, code=constraint.violation_error_code
    )


def _claim(submission: CitySubmission, *, version: int, states: Sequence[str], **changes: Any) -> None:
    """Write `changes` if the row still has `version` and one of `states`, else say why not."""
    changed = CitySubmission.objects.filter(pk=submission.pk, version=version, state__in=list(states)).update(
        version=F("version") + 1, **changes
    )
    if changed == 1:
        # The participation figures count it: cached statistics answers are older once this commits.
        answers_invalidate_on_commit()
        return
    current = CitySubmission.objects.filter(pk=submission.pk).values("state").first()
    if current is None or current["state"] not in states:
        raise StateConflict()
    raise SubmissionStale()


def _lock(submission: CitySubmission) -> CitySubmission:
    return (
        CitySubmission.objects.select_for_update(of=("self",))
        .select_related("target__reform", "target__city", "period")
        .get(pk=submission.pk)
    )


def _record(submission: CitySubmission, *, user, from_state: str, comment: str = "") -> None:
    CitySubmissionTransition.objects.create(
        submission=submission,
        from_state=from_state,
        to_state=submission.state,
        actor=user,
        at=submission.updated_at,
        revision=submission.revision,
        comment=comment,
    )


@transaction.atomic
def city_submission_create(
    *,
    user,
    target: RolloutTarget,
    period: ReportingPeriod,
    data: Mapping[str, Any] | None = None,
    at: datetime.datetime | None = None,
) -> CitySubmission:
    """A new draft by a member of the target's city for `period`. A second one for the same (target, period) is a
    ValidationError, also when two requests race past the check (the unique constraint decides)."""
    data = dict(data or {})
    _reject_unknown_fields(data)
    if not access.is_city_member(user, target.city_id):
        raise PermissionDenied(_("Only the city's own staff file its submissions."))
    now = at or timezone.now()
    submission = CitySubmission(target=target, period=period, author=user, created_at=now, updated_at=now, **data)
    _validate(submission)
    try:
        with transaction.atomic():
            submission.save(force_insert=True)
    except IntegrityError:
        if CitySubmission.objects.filter(target=target, period=period).exists():
            raise _duplicate_error() from None
        raise
    _record(submission, user=user, from_state="")
    return submission


@transaction.atomic
def city_submission_update(
    *, submission: CitySubmission, user, version: int, data: Mapping[str, Any]
) -> CitySubmission:
    """Change a draft or returned submission that is still at `version`; returns it at its new version."""
    data = dict(data)
    _reject_unknown_fields(data)
    _require_city_member(submission, user)
    if submission.state not in EDITABLE_STATES:
        raise StateConflict()
    if submission.version != version:
        raise SubmissionStale()
    for field, value in data.items():
        setattr(submission, field, value)
    _validate(submission)
    now = timezone.now()
    _claim(submission, version=version, states=EDITABLE_STATES, updated_at=now, **data)
    submission.version, submission.updated_at = version + 1, now
    return submission


def city_submission_snapshot(submission: CitySubmission) -> dict[str, Any]:
    """The submission as submitted, in plain JSON, kept in its revision."""
    return {
        "reform": {"id": submission.target.reform_id, "code": submission.target.reform.code},
        "city": {"id": submission.target.city_id, "code": submission.target.city.code},
        "period": {"id": submission.period_id, "code": submission.period.code},
        "status": submission.status,
        "work_done": submission.work_done,
        "problems": submission.problems,
        "evidence": [
            {"id": e.pk, "name": e.original_name, "size": e.size, "sha256": e.sha256}
            for e in submission.evidence.order_by("pk")
        ],
    }


@transaction.atomic
def city_submission_submit(
    *, submission: CitySubmission, user, version: int | None = None, at: datetime.datetime | None = None
) -> CitySubmission:
    """Hand a draft or returned submission to the lead unit: freeze it and keep a numbered snapshot."""
    _require_city_member(submission, user)
    submission = _lock(submission)
    if submission.state not in EDITABLE_STATES:
        raise StateConflict(_("Only a draft or a returned submission can be submitted."))
    if version is not None and submission.version != version:
        raise SubmissionStale()
    if not submission.work_done.strip():
        raise ValidationError({"work_done": [_("Say what was done before submitting.")]})
    from_state, now = submission.state, at or timezone.now()
    changes = {
        "state": SubmissionState.SUBMITTED,
        "revision": submission.revision + 1,
        "submitted_at": now,
        "updated_at": now,
        "reviewer": None,
        "reviewed_at": None,
        "review_comment": "",
    }
    _claim(submission, version=submission.version, states=EDITABLE_STATES, **changes)
    for name, value in changes.items():
        setattr(submission, name, value)
    submission.version += 1
    CitySubmissionRevision.objects.create(
        submission=submission,
        number=submission.revision,
        data=city_submission_snapshot(submission),
        created_by=user,
        created_at=now,
    )
    _record(submission, user=user, from_state=from_state)
    # In the same transaction: the city's obligation for the period is met, its reminders stop.
    obligation_follow_city_submission(submission=submission)
    return submission


def _clean_comment(comment: str, *, required: bool) -> str:
    comment = (comment or "").strip()
    if required and not comment:
        raise ValidationError({"comment": _("Say why the submission is returned.")})
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {"comment": _("A comment may have at most %(limit)d characters.") % {"limit": COMMENT_MAX_LENGTH}}
        )
    return comment


def _review(
    submission: CitySubmission, *, user, comment: str, version: int | None, to_state: str, at
) -> CitySubmission:
    _require_reviewer(submission, user)
    submission = _lock(submission)
    if submission.state != SubmissionState.SUBMITTED:
        raise StateConflict(_("Only a submitted submission can be confirmed or returned."))
    if version is not None and submission.version != version:
        raise SubmissionStale()
    now = at or timezone.now()
    changes = {"state": to_state, "reviewer": user, "reviewed_at": now, "review_comment": comment, "updated_at": now}
    _claim(submission, version=submission.version, states=[SubmissionState.SUBMITTED], **changes)
    for name, value in changes.items():
        setattr(submission, name, value)
    submission.version += 1
    _record(submission, user=user, from_state=SubmissionState.SUBMITTED, comment=comment)
    # Returned, it is owed again: the obligation reopens in a new cycle (confirmed keeps it met).
    obligation_follow_city_submission(submission=submission)
    return submission


@transaction.atomic
def city_submission_confirm(
    *, submission: CitySubmission, user, comment: str = "", version: int | None = None, at=None
) -> CitySubmission:
    """Accept a submitted city submission (lead unit or office). Its status prefills the lead unit's report line
    for the city if that report is still editable; the rollout target changes only when that report is approved."""
    comment = _clean_comment(comment, required=False)
    submission = _review(
        submission, user=user, comment=comment, version=version, to_state=SubmissionState.CONFIRMED, at=at
    )
    city_line_follow_submission(submission=submission)
    return submission


@transaction.atomic
def city_submission_return(
    *, submission: CitySubmission, user, comment: str, version: int | None = None, at=None
) -> CitySubmission:
    """Send a submitted city submission back to the city with the reason; the city edits it into a new revision."""
    comment = _clean_comment(comment, required=True)
    return _review(submission, user=user, comment=comment, version=version, to_state=SubmissionState.RETURNED, at=at)
