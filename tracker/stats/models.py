"""The statistics rollup (derived, rebuilt by tracker.stats.services.refresh) and the office's colour overrides.

The rollup tables reference reforms, units and periods without database constraints: they are derived data that the
next refresh rebuilds, and must never stand in the way of deleting or importing the data they summarise.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reforms.choices import ResponsibilityRole
from reforms.models import Reform
from tracker.choices import ReportState
from tracker.models import ReportingPeriod
from units.models import City, Unit

from .choices import StatusColour, SubjectKind


def _derived_fk(model, related_name: str, verbose_name):
    # No constraint, no cascade: the refresh removes rows whose reform, unit or period is gone.
    return models.ForeignKey(
        model,
        verbose_name=verbose_name,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name=related_name,
    )


class TargetSummary(models.Model):
    """A reform's rollout targets counted by status: what the statistics read instead of grouping the targets on a
    cache miss (2.2 million rows at national scale, seconds; issue 11).

    Kept exact by a database trigger on reforms_rollouttarget (migration 0002), in the writing transaction, whoever
    writes (services, admin, imports, SQL); stats_refresh's full rebuild recounts it, for data loaded with triggers
    off (a restore in replica role, the benchmark's fill). A reform without targets has no row.
    """

    reform = models.OneToOneField(
        Reform,
        verbose_name=_("reform"),
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    targets = models.IntegerField(_("targets"), default=0)
    done = models.IntegerField(_("done"), default=0)
    in_progress = models.IntegerField(_("in progress"), default=0)
    not_started = models.IntegerField(_("not started"), default=0)
    not_applicable = models.IntegerField(_("not applicable"), default=0)

    class Meta:
        verbose_name = _("target summary")
        verbose_name_plural = _("target summaries")

    def __str__(self) -> str:
        return f"{self.reform_id}: {self.done}/{self.targets}"


class ObligationFact(models.Model):
    """One report obligation (reform, responsible unit, reporting period) and the report that meets it, if any.

    Rebuilt from tracker.stats.services.facts by the refresh. `submitted_on` is the date (China Standard Time) of the
    latest submission of a report that is submitted or approved; drafts and returned reports leave it empty. The
    period and date filters of the statistics read this table; unfiltered figures read ObligationSummary.
    """

    reform = _derived_fk(Reform, "obligation_facts", _("reform"))
    unit = _derived_fk(Unit, "obligation_facts", _("unit"))
    period = _derived_fk(ReportingPeriod, "obligation_facts", _("reporting period"))
    # Copied from the period: the period filter then reads one index instead of joining every period.
    period_code = models.CharField(_("period code"), max_length=20)
    role = models.CharField(_("role"), max_length=10, choices=ResponsibilityRole.choices)
    due_on = models.DateField(_("due on"))
    report_id = models.BigIntegerField(_("report"), null=True, blank=True)
    report_state = models.CharField(_("report state"), max_length=20, choices=ReportState.choices, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)

    class Meta:
        verbose_name = _("report obligation")
        verbose_name_plural = _("report obligations")
        constraints = [
            models.UniqueConstraint(fields=["reform", "unit", "period"], name="stats_fact_unique_obligation"),
        ]
        # The refresh writes the rows in due-date order, so the rows of one period or one date range sit together
        # and these indexes read few pages.
        indexes = [
            # The period filters, and a unit's own obligations.
            models.Index(fields=["period"], name="stats_fact_period_idx"),
            models.Index(fields=["period_code", "due_on"], name="stats_fact_period_code_idx"),
            models.Index(fields=["unit", "due_on"], name="stats_fact_unit_due_idx"),
            # Date ranges, and the overdue list (oldest missing first).
            models.Index(fields=["due_on"], name="stats_fact_due_idx"),
            models.Index(fields=["due_on"], name="stats_fact_missing_idx", condition=Q(submitted_on__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.reform_id}/{self.unit_id}/{self.period_id}"


class ObligationSummary(models.Model):
    """One responsible unit's report figures on one reform, over all periods, as of the refresh's day.

    This is what keeps unfiltered statistics fast whatever the number of reports: one row per (reform, unit),
    summed per breakdown. The counts follow tracker.stats.definitions.
    """

    reform = _derived_fk(Reform, "obligation_summaries", _("reform"))
    unit = _derived_fk(Unit, "obligation_summaries", _("unit"))
    role = models.CharField(_("role"), max_length=10, choices=ResponsibilityRole.choices)
    due = models.PositiveIntegerField(_("reports due"), default=0)
    on_time = models.PositiveIntegerField(_("on time"), default=0)
    late = models.PositiveIntegerField(_("late"), default=0)
    missing = models.PositiveIntegerField(_("missing"), default=0)
    upcoming = models.PositiveIntegerField(_("upcoming"), default=0)
    due_soon = models.PositiveIntegerField(_("due soon"), default=0)
    last_submitted_at = models.DateTimeField(_("last report submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report summary")
        verbose_name_plural = _("report summaries")
        constraints = [models.UniqueConstraint(fields=["reform", "unit"], name="stats_summary_unique_pair")]
        indexes = [models.Index(fields=["unit"], name="stats_summary_unit_idx")]

    def __str__(self) -> str:
        return f"{self.reform_id}/{self.unit_id}"


class RollupState(models.Model):
    """The one row that says how fresh the rollup is; refreshes lock it, so two never run at once.

    `fingerprints` holds, per reform, a hash of what its obligations are made of (its batch, its responsible units,
    its batch's periods and due dates): a reform whose hash changed, or whose reports changed since `watermark`, has
    its obligations recomputed. When the day changes (reports fall due) every summary is recomputed.
    """

    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)
    as_of_date = models.DateField(_("figures as of"), null=True, blank=True)
    due_soon_until = models.DateField(_("due soon until"), null=True, blank=True)
    # The first and last due date of all obligations: a date filter covering them all is no filter.
    first_due_on = models.DateField(_("first due date"), null=True, blank=True)
    last_due_on = models.DateField(_("last due date"), null=True, blank=True)
    watermark = models.DateTimeField(_("reports read up to"), null=True, blank=True)
    fingerprints = models.JSONField(_("structure fingerprints"), default=dict, blank=True)
    rebuilt_at = models.DateTimeField(_("last full rebuild"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration of the last refresh (ms)"), default=0)

    class Meta:
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup state")

    def __str__(self) -> str:
        return str(self.refreshed_at or "-")


class StatusOverrideQuerySet(models.QuerySet):
    def active(self, on) -> "StatusOverrideQuerySet":
        return self.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))


class StatusOverride(models.Model):
    """The office's own word on the colour of one reform, unit or city, with the reason, until it expires.

    Exactly one of reform, unit and city is set; each has at most one override (edit it to change it).
    """

    reform = models.ForeignKey(
        Reform,
        verbose_name=_("reform"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="status_overrides",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.CASCADE, related_name="status_overrides"
    )
    city = models.ForeignKey(
        City, verbose_name=_("city"), null=True, blank=True, on_delete=models.CASCADE, related_name="status_overrides"
    )
    colour = models.CharField(_("colour"), max_length=10, choices=StatusColour.choices)
    reason = models.TextField(_("reason"), max_length=1000)
    expires_on = models.DateField(
        _("expires on"), null=True, blank=True, help_text=_("Last day the override applies; empty: until removed.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("set at"), default=timezone.now)

    objects = StatusOverrideQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("status colour override")
        verbose_name_plural = _("status colour overrides")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(reform__isnull=False, unit__isnull=True, city__isnull=True)
                    | Q(reform__isnull=True, unit__isnull=False, city__isnull=True)
                    | Q(reform__isnull=True, unit__isnull=True, city__isnull=False)
                ),
                name="stats_override_one_subject",
                violation_error_message=_("Choose exactly one reform, unit or city."),
            ),
            models.UniqueConstraint(
                fields=["reform"],
                condition=Q(reform__isnull=False),
                name="stats_override_unique_reform",
                violation_error_message=_("This reform already has an override; edit that one."),
            ),
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(unit__isnull=False),
                name="stats_override_unique_unit",
                violation_error_message=_("This unit already has an override; edit that one."),
            ),
            models.UniqueConstraint(
                fields=["city"],
                condition=Q(city__isnull=False),
                name="stats_override_unique_city",
                violation_error_message=_("This city already has an override; edit that one."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject}: {self.get_colour_display()}"

    @property
    def subject(self):
        return self.reform or self.unit or self.city

    @property
    def kind(self) -> str:
        if self.reform_id:
            return SubjectKind.REFORM
        return SubjectKind.UNIT if self.unit_id else SubjectKind.CITY

    @property
    def subject_id(self) -> int | None:
        return self.reform_id or self.unit_id or self.city_id

    def clean(self) -> None:
        if sum(x is not None for x in (self.reform_id, self.unit_id, self.city_id)) != 1:
            raise ValidationError(_("Choose exactly one reform, unit or city."))
        if not (self.reason or "").strip():
            raise ValidationError({"reason": _("Give the reason for the override.")})


class ColourSnapshot(models.Model):
    """The colour one reform, unit or city had in a calendar month.

    Every refresh rewrites the current month's row, so once a month is over its row holds the colour at its end:
    that is the "previous colour" shown next to today's. The subject is kept as (kind, id, name at the time) so the
    history outlives renames and deletions.
    """

    month = models.DateField(_("month"), help_text=_("First day of the month."))
    kind = models.CharField(_("kind"), max_length=10, choices=SubjectKind.choices)
    object_id = models.PositiveBigIntegerField(_("object id"))
    label = models.CharField(_("name"), max_length=250, blank=True)
    computed_colour = models.CharField(_("computed colour"), max_length=10, choices=StatusColour.choices)
    colour = models.CharField(
        _("colour"), max_length=10, choices=StatusColour.choices, help_text=_("With the office's override, if any.")
    )
    done = models.PositiveIntegerField(_("done targets"), default=0)
    applicable = models.PositiveIntegerField(_("applicable targets"), default=0)
    missing = models.PositiveIntegerField(_("missing reports"), default=0)
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)

    class Meta:
        ordering = ["-month", "kind", "object_id"]
        verbose_name = _("colour snapshot")
        verbose_name_plural = _("colour snapshots")
        constraints = [
            models.UniqueConstraint(fields=["month", "kind", "object_id"], name="stats_snapshot_unique_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.label}: {self.get_colour_display()}"
