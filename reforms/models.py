from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from core.access import RestrictedQuerySet
from units.models import City, Unit

from .choices import Category, ResponsibilityRole, Scope, TargetStatus


class Batch(models.Model):
    """One published task-division table (a batch of outcomes to replicate), e.g. the first batch of 38 items."""

    code = models.SlugField(_("code"), max_length=30, unique=True, help_text=_("Short stable code, e.g. sdftz-1."))
    title = models.CharField(_("title"), max_length=200)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    issued_on = models.DateField(_("issue date"), null=True, blank=True)
    reporting_rules = models.TextField(_("reporting rules"), blank=True)
    default_deadline = models.DateField(_("default completion deadline"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "code"]
        verbose_name = _("batch")
        verbose_name_plural = _("batches")

    def __str__(self) -> str:
        return self.title


class ReformQuerySet(RestrictedQuerySet):
    def with_counts(self) -> "ReformQuerySet":
        # Correlated subqueries, not Count() over a join: PostgreSQL evaluates them for the rows a page returns only
        # (after ORDER BY ... LIMIT), where a GROUP BY aggregated every reform's targets first (6.5 s with 10,000
        # reforms x 300 cities, issue 11), and the page's COUNT(*) no longer carries the join.
        targets = RolloutTarget.objects.filter(reform=OuterRef("pk")).order_by().values("reform")
        counted = Count("id")
        return self.annotate(
            target_count=Coalesce(Subquery(targets.annotate(n=counted).values("n")), 0),
            done_count=Coalesce(Subquery(targets.filter(status=TargetStatus.DONE).annotate(n=counted).values("n")), 0),
            # Done is counted out of these everywhere it is shown as a fraction (stats definitions: completion_rate).
            applicable_count=Coalesce(
                Subquery(targets.exclude(status=TargetStatus.NOT_APPLICABLE).annotate(n=counted).values("n")), 0
            ),
        )


class Reform(models.Model):
    """One item of a batch: a reform pilot experience or a best-practice case to replicate.

    `position` is the row's place in the published table, so lists read in the paper's order. Items the scan left
    unclear carry `needs_verification` and a note of what to check against the paper original.
    """

    batch = models.ForeignKey(Batch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="reforms")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    number = models.PositiveSmallIntegerField(_("number"), help_text=_("Number within its category."))
    position = models.PositiveSmallIntegerField(_("position in table"), default=0)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"), blank=True)
    scope = models.CharField(_("promotion scope"), max_length=20, choices=Scope.choices)
    needs_verification = models.BooleanField(_("needs verification"), default=False)
    verification_note = models.TextField(_("verification note"), blank=True)
    deadline = models.DateField(_("completion deadline"), null=True, blank=True)
    units = models.ManyToManyField(
        Unit, through="Responsibility", related_name="reforms", verbose_name=_("responsible units")
    )
    cities = models.ManyToManyField(City, through="RolloutTarget", related_name="reforms", verbose_name=_("cities"))

    # Who sees which: core.access ("view": the office and consumers all, unit staff their units'; "browse": all).
    objects = ReformQuerySet.as_manager()

    class Meta:
        ordering = ["batch", "position", "id"]
        verbose_name = _("reform")
        verbose_name_plural = _("reforms")
        constraints = [
            models.UniqueConstraint(fields=["batch", "category", "number"], name="reforms_reform_unique_number"),
        ]
        indexes = [models.Index(fields=["batch", "position"])]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def clean(self) -> None:
        if self.scope == Scope.UNVERIFIED and not self.needs_verification:
            raise ValidationError(
                {"needs_verification": _("A reform whose scope is still to be verified needs verification.")}
            )
        if self.needs_verification and not self.verification_note.strip():
            raise ValidationError({"verification_note": _("Say what needs verifying.")})

    @property
    def effective_deadline(self):
        return self.deadline or self.batch.default_deadline


class Responsibility(models.Model):
    """A unit responsible for a reform: the lead (牵头, listed first in the table) or a co-unit (配合)."""

    reform = models.ForeignKey(
        Reform, verbose_name=_("reform"), on_delete=models.CASCADE, related_name="responsibilities"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="responsibilities")
    role = models.CharField(_("role"), max_length=10, choices=ResponsibilityRole.choices)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["reform", "position", "id"]
        verbose_name = _("responsible unit")
        verbose_name_plural = _("responsible units")
        constraints = [
            models.UniqueConstraint(fields=["reform", "unit"], name="reforms_responsibility_unique_unit"),
            models.UniqueConstraint(
                fields=["reform"], condition=Q(role="lead"), name="reforms_responsibility_one_lead"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} ({self.get_role_display()})"


class RolloutTarget(models.Model):
    """A city that must replicate a reform, and how far it has come.

    全省 reforms target every city; for 有条件的市 the office chooses the cities. Progress reports update `status`
    when the office approves them.
    """

    reform = models.ForeignKey(Reform, verbose_name=_("reform"), on_delete=models.CASCADE, related_name="targets")
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="targets")
    status = models.CharField(
        _("status"), max_length=20, choices=TargetStatus.choices, default=TargetStatus.NOT_STARTED
    )
    not_applicable_reason = models.TextField(_("reason it does not apply"), blank=True)
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["reform", "city__code"]
        verbose_name = _("rollout target")
        verbose_name_plural = _("rollout targets")
        constraints = [
            models.UniqueConstraint(fields=["reform", "city"], name="reforms_rollouttarget_unique_city"),
            models.CheckConstraint(
                condition=~Q(status="not_applicable") | ~Q(not_applicable_reason=""),
                name="reforms_rollouttarget_na_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reform.code} · {self.city}"

    def clean(self) -> None:
        if self.status == TargetStatus.NOT_APPLICABLE and not self.not_applicable_reason.strip():
            raise ValidationError({"not_applicable_reason": _("Give the reason this city does not apply.")})
