import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import access
from core.access import RestrictedQuerySet
from reforms.choices import TargetStatus
from reforms.models import Batch, Reform, Responsibility, RolloutTarget
from units.models import City, Unit

from .choices import EDITABLE_STATES, ReportState

NARRATIVE_MAX_LENGTH = 5000
COMMENT_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 500


class ReportingPeriod(models.Model):
    """A period a batch's units report on, e.g. November 2026, and the day its reports are due.

    The office creates periods for now; the reminders issue derives them from the batch's reporting rule, and its
    obligations are (reform, responsible unit, period, due date).
    """

    batch = models.ForeignKey(Batch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="periods")
    code = models.CharField(
        _("code"),
        max_length=20,
        validators=[RegexValidator(r"^[0-9A-Za-z][0-9A-Za-z-]*$", _("Use letters, digits and hyphens, e.g. 2026-11."))],
        help_text=_("Short stable code within the batch, e.g. 2026-11 or 2026-Q4."),
    )
    label = models.CharField(_("label"), max_length=40, help_text=_("As people say it, e.g. 2026年11月."))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    due_on = models.DateField(_("due on"), help_text=_("The day the reports for this period are due."))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["batch", "starts_on", "code"]
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        constraints = [
            models.UniqueConstraint(fields=["batch", "code"], name="tracker_period_unique_code"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="tracker_period_ends_after_start"),
            models.CheckConstraint(condition=Q(due_on__gte=F("starts_on")), name="tracker_period_due_after_start"),
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("A period cannot end before it starts.")
        if self.starts_on and self.due_on and self.due_on < self.starts_on:
            errors["due_on"] = _("Reports cannot be due before the period starts.")
        if errors:
            raise ValidationError(errors)


class ProgressReportQuerySet(RestrictedQuerySet):
    """`restrict(user)`: the reports `user` may see (core.access); everything else answers 404."""

    def for_api(self, *, city_lines: bool = True) -> "ProgressReportQuerySet":
        # One query for the rows and their foreign keys, one for all city lines: the same count for 1 or 50 rows.
        # The reports list reads its lines as plain rows instead (tracker.api.report_rows).
        reports = self.select_related("reform", "unit", "period", "author", "reviewer")
        if not city_lines:
            return reports
        return reports.prefetch_related(
            models.Prefetch("city_lines", queryset=ReportCityLine.objects.select_related("city"))
        )


class ProgressReport(models.Model):
    """One unit's progress on one reform for one reporting period.

    Written by a member of the unit; only drafts and returned reports change, submitted and approved ones are
    frozen (a PostgreSQL trigger enforces it too). `version` grows with every write and is the ETag clients send
    back, so a stale write is refused instead of silently overwriting; `revision` counts the submissions, each
    kept as a ReportRevision snapshot.
    """

    reform = models.ForeignKey(
        Reform, verbose_name=_("reform"), on_delete=models.PROTECT, related_name="progress_reports"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="progress_reports")
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("reporting period"), on_delete=models.PROTECT, related_name="reports"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="progress_reports"
    )
    state = models.CharField(_("state"), max_length=20, choices=ReportState.choices, default=ReportState.DRAFT)
    status = models.CharField(
        _("overall status"), max_length=20, choices=TargetStatus.choices, default=TargetStatus.IN_PROGRESS
    )
    percent = models.PositiveSmallIntegerField(
        _("percent complete"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    work_done = models.TextField(_("work done"), blank=True, validators=[MaxLengthValidator(NARRATIVE_MAX_LENGTH)])
    problems = models.TextField(_("problems"), blank=True, validators=[MaxLengthValidator(NARRATIVE_MAX_LENGTH)])
    next_steps = models.TextField(_("next steps"), blank=True, validators=[MaxLengthValidator(NARRATIVE_MAX_LENGTH)])
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    revision = models.PositiveSmallIntegerField(
        _("revision"), default=0, editable=False, help_text=_("How many times the report has been submitted.")
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True, editable=False)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviewed_reports",
        editable=False,
    )
    review_comment = models.TextField(
        _("review comment"), blank=True, validators=[MaxLengthValidator(COMMENT_MAX_LENGTH)]
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    objects = ProgressReportQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        constraints = [
            models.UniqueConstraint(
                fields=["reform", "unit", "period"],
                name="tracker_report_unique_reform_unit_period",
                violation_error_code="duplicate_report",
                violation_error_message=_("This unit has already filed a report on this reform for this period."),
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100),
                name="tracker_report_percent_range",
                violation_error_message=_("The percentage must be between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in ReportState]), name="tracker_report_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state=ReportState.DRAFT) | Q(submitted_at__isnull=False, revision__gte=1),
                name="tracker_report_submitted_has_revision",
            ),
            models.CheckConstraint(
                condition=~Q(state=ReportState.APPROVED) | Q(reviewer__isnull=False, reviewed_at__isnull=False),
                name="tracker_report_approved_has_reviewer",
            ),
        ]
        indexes = [
            # The office's review queue: submitted reports, oldest first.
            models.Index(fields=["state", "submitted_at"], name="tracker_report_queue_idx"),
            models.Index(fields=["unit", "state"], name="tracker_report_unit_state_idx"),
            # The reports list newest first (-updated_at, -id) and the statistics rollup's "written since its last
            # run". With the id in it, reports sharing an instant (an import, the demo's history) come in list order
            # too: on (updated_at) alone PostgreSQL joined and sorted all 797 reports of one instant to return page 1
            # (7 ms of a million-report list, 0.7 ms now; issue 11).
            models.Index(fields=["updated_at", "id"], name="tracker_report_recent_idx"),
            # A unit's reports newest first (the reports list of unit staff, ordered by -updated_at, -id): without
            # it PostgreSQL walks tracker_report_recent_idx backwards over every unit's reports (issue 11).
            models.Index(fields=["unit", "updated_at", "id"], name="tracker_report_unit_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reform.code} · {self.unit} · {self.period}"

    def clean(self) -> None:
        errors = {}
        responsible = Responsibility.objects.filter(reform_id=self.reform_id, unit_id=self.unit_id)
        # A service that has just read the Responsibility row in a query it needed anyway sets
        # `responsibility_seen` to the (reform_id, unit_id) it found: one SELECT fewer per write (issue 11).
        seen = getattr(self, "responsibility_seen", None) == (self.reform_id, self.unit_id)
        if self.reform_id and self.unit_id and not seen and not responsible.exists():
            errors["unit"] = _("This unit is not responsible for this reform.")
        if self.reform_id and self.period_id and self.period.batch_id != self.reform.batch_id:
            errors["period"] = _("This period belongs to another batch than the reform.")
        # Checked when the report is written only: an author who later leaves the unit keeps their reports. The
        # author's units as cached for the request (the services asked already): no query of its own (issue 11).
        if (
            self._state.adding
            and self.author_id
            and self.unit_id
            and self.unit_id not in access.unit_ids_of(self.author)
        ):
            errors["author"] = _("The author must be a member of the unit.")
        if self.status == TargetStatus.DONE and self.percent != 100:
            errors["percent"] = _("A report whose status is done must say 100 percent.")
        elif self.status == TargetStatus.NOT_STARTED and self.percent != 0:
            errors["percent"] = _("A report whose status is not started must say 0 percent.")
        if self.state == ReportState.RETURNED and not self.review_comment.strip():
            errors["review_comment"] = _("Say why the report is returned.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    def is_editable_by(self, user) -> bool:
        """Only the unit's own members change a report, and only while it is a draft or returned."""
        return access.may_change_report(user, self)


class ReportCityLine(models.Model):
    """A report's word on one target city: how far the city has come. Approval copies it to the rollout target."""

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="city_lines"
    )
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="report_lines")
    status = models.CharField(_("status"), max_length=20, choices=TargetStatus.choices)
    note = models.TextField(_("note"), blank=True, validators=[MaxLengthValidator(NOTE_MAX_LENGTH)])

    class Meta:
        ordering = ["report", "city__code"]
        verbose_name = _("city line")
        verbose_name_plural = _("city lines")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "city"],
                name="tracker_cityline_unique_city",
                violation_error_message=_("The report already has a line for this city."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.city}: {self.get_status_display()}"

    def clean(self) -> None:
        errors = {}
        if self.report_id and self.city_id:
            reform_id = self.report.reform_id
            if not RolloutTarget.objects.filter(reform_id=reform_id, city_id=self.city_id).exists():
                errors["city"] = _("This city is not a target city of the reform.")
        if self.status == TargetStatus.NOT_APPLICABLE and not self.note.strip():
            # The note becomes the rollout target's reason on approval, and a target needs one.
            errors["note"] = _("Give the reason this city does not apply.")
        if errors:
            raise ValidationError(errors)


class ReportRevision(models.Model):
    """A frozen copy of a report as it was submitted: fields, city lines and attachments. Never changed."""

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("report"), on_delete=models.PROTECT, related_name="revisions"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    data = models.JSONField(_("content"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        ordering = ["report", "number"]
        verbose_name = _("report revision")
        verbose_name_plural = _("report revisions")
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="tracker_revision_unique_number")]

    def __str__(self) -> str:
        return f"#{self.number}"


class ReportTransition(models.Model):
    """One step of a report's life: who moved it from which state to which, when, and why. Never changed."""

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_state = models.CharField(_("from"), max_length=20, choices=ReportState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=20, choices=ReportState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    revision = models.PositiveSmallIntegerField(_("revision"), default=0)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["report", "at", "id"]
        verbose_name = _("report transition")
        verbose_name_plural = _("report transitions")

    def __str__(self) -> str:
        return f"{self.from_state or '-'} → {self.to_state}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # A random name: what users call their files never reaches the file system.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"tracker/reports/{instance.report_id}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """Evidence for a report (a document, a scan). Checked by content on upload; stored under MEDIA_ROOT, which no
    URL serves: files go out only through the permission-checked download endpoint."""

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["report", "uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name
