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
from reforms.choices import ResponsibilityRole
from reforms.models import Reform, Responsibility
from tracker.models import NARRATIVE_MAX_LENGTH, ReportingPeriod
from units.models import Membership, Unit

from .choices import ContributionState


class ContributionQuerySet(RestrictedQuerySet):
    """restrict(user, action): core.access ("view": office all, co-unit its own, lead the submitted; "change": the
    co-unit's own)."""

    def for_api(self) -> "ContributionQuerySet":
        # One query for the rows, their foreign keys and the batch's reporting rule (the due date is derived from
        # it): the same count for 1 or 50 rows.
        return self.select_related("reform", "unit", "period__batch__reporting_rule", "author")


class Contribution(models.Model):
    """A co-unit's (配合单位) contribution to the lead unit's (牵头单位) progress report on a reform for a period.

    The co-unit says what it did and what stands in the way, with evidence files; the lead reads the submitted
    contributions while writing its report. Due `contribution_lead_days` working days (the batch's reporting rule)
    before the lead's report (deadlines.py). A draft is the co-unit's alone; once submitted the lead unit sees it,
    and the co-unit may withdraw it to correct it until the lead submits its report (services.py). `version` grows
    with every write, as on reports: a stale write is refused, never silently applied.
    """

    reform = models.ForeignKey(Reform, verbose_name=_("reform"), on_delete=models.PROTECT, related_name="contributions")
    unit = models.ForeignKey(Unit, verbose_name=_("co-unit"), on_delete=models.PROTECT, related_name="contributions")
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("reporting period"), on_delete=models.PROTECT, related_name="contributions"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="contributions"
    )
    state = models.CharField(
        _("state"), max_length=20, choices=ContributionState.choices, default=ContributionState.DRAFT
    )
    work_done = models.TextField(_("work done"), blank=True, validators=[MaxLengthValidator(NARRATIVE_MAX_LENGTH)])
    problems = models.TextField(_("problems"), blank=True, validators=[MaxLengthValidator(NARRATIVE_MAX_LENGTH)])
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    objects = ContributionQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("co-unit contribution")
        verbose_name_plural = _("co-unit contributions")
        constraints = [
            models.UniqueConstraint(
                fields=["reform", "unit", "period"],
                name="contributions_unique_reform_unit_period",
                violation_error_code="duplicate_contribution",
                violation_error_message=_("This unit has already filed a contribution on this reform for this period."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in ContributionState]), name="contributions_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state=ContributionState.DRAFT) | Q(submitted_at__isnull=False),
                name="contributions_submitted_has_time",
            ),
        ]
        indexes = [
            # The lead's view: the contributions to one reform and period.
            models.Index(fields=["reform", "period", "state"], name="contrib_reform_period_idx"),
            models.Index(fields=["unit", "updated_at", "id"], name="contrib_unit_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reform.code} · {self.unit} · {self.period}"

    def clean(self) -> None:
        errors = {}
        if self.reform_id and self.unit_id:
            roles = set(
                Responsibility.objects.filter(reform_id=self.reform_id, unit_id=self.unit_id).values_list(
                    "role", flat=True
                )
            )
            if ResponsibilityRole.LEAD in roles:
                errors["unit"] = _("The lead unit writes the report itself; contributions come from co-units.")
            elif ResponsibilityRole.CO not in roles:
                errors["unit"] = _("This unit is not a co-unit of this reform.")
        if self.reform_id and self.period_id and self.period.batch_id != self.reform.batch_id:
            errors["period"] = _("This period belongs to another batch than the reform.")
        member = Membership.objects.filter(user_id=self.author_id, unit_id=self.unit_id)
        if self._state.adding and self.author_id and self.unit_id and not member.exists():
            errors["author"] = _("The author must be a member of the unit.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_editable(self) -> bool:
        return self.state == ContributionState.DRAFT


def contribution_file_path(instance: "ContributionAttachment", filename: str) -> str:
    # A random name: what users call their files never reaches the file system.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"contributions/{instance.contribution_id}/{uuid.uuid4().hex}{suffix}"


class ContributionAttachment(models.Model):
    """Evidence for a contribution, checked by content like a report's attachments (tracker/uploads.py); stored
    under MEDIA_ROOT, which no URL serves: files go out only through the scoped download endpoint."""

    contribution = models.ForeignKey(
        Contribution, verbose_name=_("contribution"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=contribution_file_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()  # seen with their contribution (core.access)

    class Meta:
        ordering = ["contribution", "uploaded_at", "id"]
        verbose_name = _("contribution attachment")
        verbose_name_plural = _("contribution attachments")

    def __str__(self) -> str:
        return self.original_name
