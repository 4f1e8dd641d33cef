"""Cities as participants (issue 12): city submissions on their rollout targets, and applications for
有条件的市 items. Scope comes from core.access through each model's `objects.restrict(user, action)`."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.access import RestrictedQuerySet
from reforms.choices import TargetStatus
from reforms.models import Reform, RolloutTarget
from tracker.models import COMMENT_MAX_LENGTH, NARRATIVE_MAX_LENGTH, ReportingPeriod
from units.models import City, CityMembership

from .choices import (
    CITY_STATUS_CHOICES,
    EDITABLE_STATES,
    ApplicationState,
    ApplicationStepKind,
    LeadOpinion,
    SubmissionState,
)


class CitySubmission(models.Model):
    """A city's own word on one of its rollout targets for one reporting period.

    Written by the city's staff; the reform's lead unit (or the office) confirms it or returns it with a comment.
    Only drafts and returned submissions change. `version` is the ETag (If-Match) like a report's, `revision` counts
    the submissions, each kept as a CitySubmissionRevision. A confirmed submission prefills the lead unit's report
    line for the city; it never writes the rollout target (approval of the unit's report does).
    """

    target = models.ForeignKey(
        RolloutTarget, verbose_name=_("rollout target"), on_delete=models.PROTECT, related_name="city_submissions"
    )
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("reporting period"), on_delete=models.PROTECT, related_name="city_submissions"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="city_submissions"
    )
    # Two "状态" side by side would read the same: where the submission stands, and what the city says of its rollout.
    state = models.CharField(
        _("submission state"), max_length=20, choices=SubmissionState.choices, default=SubmissionState.DRAFT
    )
    status = models.CharField(
        _("rollout status the city reports"),
        max_length=20,
        choices=CITY_STATUS_CHOICES,
        default=TargetStatus.IN_PROGRESS,
    )
    work_done = models.TextField(_("work done"), blank=True, validators=[MaxLengthValidator(NARRATIVE_MAX_LENGTH)])
    problems = models.TextField(_("problems"), blank=True, validators=[MaxLengthValidator(NARRATIVE_MAX_LENGTH)])
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    revision = models.PositiveSmallIntegerField(_("revision"), default=0, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True, editable=False)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    review_comment = models.TextField(
        _("review comment"), blank=True, validators=[MaxLengthValidator(COMMENT_MAX_LENGTH)]
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("city submission")
        verbose_name_plural = _("city submissions")
        constraints = [
            models.UniqueConstraint(
                fields=["target", "period"],
                name="cities_submission_unique_target_period",
                violation_error_code="duplicate_submission",
                violation_error_message=_("This city has already filed on this item for this period."),
            ),
            models.CheckConstraint(
                condition=Q(state=SubmissionState.DRAFT) | Q(submitted_at__isnull=False, revision__gte=1),
                name="cities_submission_submitted_has_revision",
            ),
            models.CheckConstraint(
                condition=~Q(state=SubmissionState.CONFIRMED) | Q(reviewer__isnull=False),
                name="cities_submission_confirmed_has_reviewer",
            ),
        ]
        indexes = [models.Index(fields=["state", "submitted_at"], name="cities_submission_queue_idx")]

    def __str__(self) -> str:
        return f"{self.target} · {self.period}"

    def clean(self) -> None:
        errors = {}
        if self.target_id and self.period_id and self.period.batch_id != self.target.reform.batch_id:
            errors["period"] = _("This period belongs to another batch than the reform.")
        # Checked when the submission is written only: an author who later leaves the city keeps it.
        adding = self._state.adding and self.author_id and self.target_id
        if adding and not CityMembership.objects.filter(user_id=self.author_id, city_id=self.target.city_id).exists():
            errors["author"] = _("The author must be a member of the city.")
        if self.state == SubmissionState.RETURNED and not self.review_comment.strip():
            errors["review_comment"] = _("Say why the submission is returned.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES


class CitySubmissionRevision(models.Model):
    """A frozen copy of a city submission as it was submitted. Never changed."""

    submission = models.ForeignKey(
        CitySubmission, verbose_name=_("city submission"), on_delete=models.PROTECT, related_name="revisions"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    data = models.JSONField(_("content"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()  # seen with their owner (core.access)

    class Meta:
        ordering = ["submission", "number"]
        verbose_name = _("city submission revision")
        verbose_name_plural = _("city submission revisions")
        constraints = [models.UniqueConstraint(fields=["submission", "number"], name="cities_revision_unique_number")]

    def __str__(self) -> str:
        return f"#{self.number}"


class CitySubmissionTransition(models.Model):
    """One step of a city submission's life: who moved it from which state to which, when, and why."""

    submission = models.ForeignKey(
        CitySubmission, verbose_name=_("city submission"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_state = models.CharField(_("from"), max_length=20, choices=SubmissionState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=20, choices=SubmissionState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    revision = models.PositiveSmallIntegerField(_("revision"), default=0)
    comment = models.TextField(_("comment"), blank=True)

    objects = RestrictedQuerySet.as_manager()  # seen with their owner (core.access)

    class Meta:
        ordering = ["submission", "at", "id"]
        verbose_name = _("city submission transition")
        verbose_name_plural = _("city submission transitions")

    def __str__(self) -> str:
        return f"{self.from_state or '-'} → {self.to_state}"


def evidence_path(instance, filename: str) -> str:
    # A random name: what users call their files never reaches the file system.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"cities/{uuid.uuid4().hex}{suffix}"


class CityEvidence(models.Model):
    """An evidence file of a city submission or of an application, checked by content on upload (tracker.uploads)
    and served only through the permission-checked download endpoint. Exactly one of the two owners is set."""

    submission = models.ForeignKey(
        CitySubmission,
        verbose_name=_("city submission"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    application = models.ForeignKey(
        "CityApplication",
        verbose_name=_("application"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()  # seen with their owner (core.access)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        constraints = [
            models.CheckConstraint(
                condition=Q(submission__isnull=False, application__isnull=True)
                | Q(submission__isnull=True, application__isnull=False),
                name="cities_evidence_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.original_name


class CityApplication(models.Model):
    """A city's application to adopt a 有条件的市 item: the conditions it meets, its reason, evidence.

    The lead unit gives an opinion; the office approves (a RolloutTarget is created for the city, dated) or rejects
    with a reason. Every step is a CityApplicationStep the applicant sees. One open application per (reform, city).
    """

    reform = models.ForeignKey(Reform, verbose_name=_("reform"), on_delete=models.PROTECT, related_name="applications")
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="+"
    )
    conditions_met = models.TextField(_("conditions met"), validators=[MaxLengthValidator(NARRATIVE_MAX_LENGTH)])
    reason = models.TextField(_("reason"), validators=[MaxLengthValidator(NARRATIVE_MAX_LENGTH)])
    state = models.CharField(
        _("state"), max_length=20, choices=ApplicationState.choices, default=ApplicationState.SUBMITTED
    )
    lead_opinion = models.CharField(_("lead unit's opinion"), max_length=10, choices=LeadOpinion.choices, blank=True)
    lead_comment = models.TextField(
        _("lead unit's comment"), blank=True, validators=[MaxLengthValidator(COMMENT_MAX_LENGTH)]
    )
    decision_reason = models.TextField(
        _("reason of the decision"), blank=True, validators=[MaxLengthValidator(COMMENT_MAX_LENGTH)]
    )
    target = models.OneToOneField(
        RolloutTarget,
        verbose_name=_("rollout target"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="application",
        editable=False,
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("applied at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(
                fields=["reform", "city"],
                condition=Q(state__in=["submitted", "opinion_given"]),
                name="cities_application_one_open",
                violation_error_message=_("This city already has an open application for this item."),
            ),
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(decision_reason=""), name="cities_application_rejected_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reform.code} · {self.city}"


class CityApplicationStep(models.Model):
    """One recorded step of an application (applied, opinion, approved, rejected) or a direct assignment by the
    office (then without an application). Never changed."""

    application = models.ForeignKey(
        CityApplication,
        verbose_name=_("application"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="steps",
    )
    reform = models.ForeignKey(Reform, verbose_name=_("reform"), on_delete=models.CASCADE, related_name="+")
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("step"), max_length=20, choices=ApplicationStepKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)

    objects = RestrictedQuerySet.as_manager()  # seen with their owner (core.access)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("application step")
        verbose_name_plural = _("application steps")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.city}"
