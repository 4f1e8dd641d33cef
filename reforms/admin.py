"""Admin for batches and reforms, and the "their reforms" part of the unit and city pages.

Scope: every queryset of reforms, responsibilities and targets here goes through core.access (`restrict(user)`), so
unit staff see their own units' reforms only (read-only: their group holds view permissions only, see
reforms/apps.py); anything else answers 404.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core import access
from core.admin import OutOfScopeIs404Mixin, PagePart
from units import admin as units_admin
from units.models import City, Unit

from .choices import Category, ResponsibilityRole, TargetStatus
from .models import Batch, Reform, Responsibility, RolloutTarget
from .services import reform_sync_targets, responsibilities_save


def visible_reforms(request):
    """The pks of the reforms the signed-in user may see, as a subquery.

    Admin querysets filter with `pk__in` / `reform__in` on this rather than joining responsibilities directly,
    so the joins the count columns make stay the only ones and their counts stay right.
    """
    return Reform.objects.restrict(request.user).values("pk")


def reform_link(reform: Reform) -> str:
    return format_html('<a href="{}">{}</a>', reverse("admin:reforms_reform_change", args=[reform.pk]), reform)


class ScopedUnitFilter(admin.RelatedFieldListFilter):
    """Offers the units responsible for the reforms the user may see, not every unit (nor other units' names)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.title = _("responsible unit")

    def field_choices(self, field, request, model_admin):
        units = Responsibility.objects.filter(reform__in=visible_reforms(request)).values("unit_id")
        return field.get_choices(include_blank=False, limit_choices_to={"pk__in": units}, ordering=["name"])


class TargetCityFilter(admin.RelatedFieldListFilter):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.title = _("target city")


class NoRelatedEditLinksMixin:
    """Drops the add/change/delete buttons beside the listed foreign keys: editing a unit or a city from a reform's
    page is a detour the office does not need, and deleting one from there a trap. The view button stays."""

    related_without_edit_links: tuple[str, ...] = ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in self.related_without_edit_links and formfield is not None:
            formfield.widget.can_add_related = False
            formfield.widget.can_change_related = False
            formfield.widget.can_delete_related = False
        return formfield


@admin.register(Batch)
class BatchAdmin(OutOfScopeIs404Mixin, admin.ModelAdmin):
    list_display = [
        "code",
        "title",
        "document_number",
        "issued_on",
        "default_deadline",
        "reform_count",
        "pilot_count",
        "best_practice_count",
    ]
    list_display_links = ["code", "title"]
    search_fields = ["code", "title", "document_number"]

    def get_queryset(self, request):
        # The batch is a published table, so its counts are the whole table's, for every role.
        return (
            super()
            .get_queryset(request)
            .annotate(
                reform_count=Count("reforms"),
                pilot_count=Count("reforms", filter=Q(reforms__category=Category.PILOT)),
                best_practice_count=Count("reforms", filter=Q(reforms__category=Category.BEST_PRACTICE)),
            )
        )

    @admin.display(description=_("number of reforms"), ordering="reform_count")
    def reform_count(self, obj: Batch):
        url = reverse("admin:reforms_reform_changelist") + f"?batch__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.reform_count)

    @admin.display(description=Category.PILOT.label, ordering="pilot_count")
    def pilot_count(self, obj: Batch) -> int:
        return obj.pilot_count

    @admin.display(description=Category.BEST_PRACTICE.label, ordering="best_practice_count")
    def best_practice_count(self, obj: Batch) -> int:
        return obj.best_practice_count


class ResponsibilityFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        # Blank extra rows have empty cleaned_data; rows ticked for deletion no longer count.
        kept = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        leads = [form for form in kept if form.cleaned_data.get("role") == ResponsibilityRole.LEAD]
        # The database allows one lead per reform (a partial unique index the form's own checks skip, since the
        # reform is the inline's parent); checking here gives a message instead of an IntegrityError.
        if len(leads) > 1:
            raise ValidationError(_("Only one unit can lead a reform."))
        if kept and not leads:
            raise ValidationError(_("Mark one of the responsible units as the lead."))


class ResponsibilityInline(NoRelatedEditLinksMixin, admin.TabularInline):
    # A card per row at a phone's width (templates/admin/includes/inline_cards.html).
    template = "admin/edit_inline/tabular_cards.html"
    model = Responsibility
    formset = ResponsibilityFormSet
    fields = ["position", "unit", "role"]
    autocomplete_fields = ["unit"]
    related_without_edit_links = ("unit",)
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit")


class RolloutTargetInline(NoRelatedEditLinksMixin, admin.TabularInline):
    # A card per row at a phone's width (templates/admin/includes/inline_cards.html).
    template = "admin/edit_inline/tabular_cards.html"
    model = RolloutTarget
    fields = ["city", "status", "status_changed_on", "not_applicable_reason"]
    autocomplete_fields = ["city"]
    related_without_edit_links = ("city",)
    extra = 0
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 1, "cols": 40})}}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("city")


@admin.register(Reform)
class ReformAdmin(OutOfScopeIs404Mixin, NoRelatedEditLinksMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "title",
        "category",
        "scope",
        "lead_unit",
        "target_count",
        "done_count",
        "needs_verification",
    ]
    list_display_links = ["code", "title"]
    list_filter = [
        "batch",
        "category",
        "scope",
        ("responsibilities__unit", ScopedUnitFilter),
        ("targets__city", TargetCityFilter),
        "needs_verification",
    ]
    search_fields = ["code", "title", "content"]
    fieldsets = [
        (None, {"fields": ["batch", ("category", "number"), "code", "title", "content"]}),
        (_("Rollout"), {"fields": ["scope", "deadline", "position"]}),
        (_("Verification against the paper original"), {"fields": ["needs_verification", "verification_note"]}),
    ]
    inlines = [ResponsibilityInline, RolloutTargetInline]
    related_without_edit_links = ("batch",)
    actions = ["sync_targets"]

    def get_queryset(self, request):
        # order_by(): a reform has one lead at most, and Responsibility's default ordering would join reform and
        # batch inside the subquery for nothing.
        lead = Responsibility.objects.filter(reform=OuterRef("pk"), role=ResponsibilityRole.LEAD).order_by()
        return (
            super()
            .get_queryset(request)
            .filter(pk__in=visible_reforms(request))
            .with_counts()
            # A correlated subquery in the one list query: the lead's name costs no query per row.
            .annotate(lead_unit_name=Subquery(lead.values("unit__name")[:1]))
        )

    @admin.display(description=_("lead unit"), ordering="lead_unit_name")
    def lead_unit(self, obj: Reform) -> str:
        return obj.lead_unit_name or "-"

    @admin.display(description=_("target cities"), ordering="target_count")
    def target_count(self, obj: Reform) -> int:
        return obj.target_count

    @admin.display(description=_("done / applicable cities"), ordering="done_count")
    def done_count(self, obj: Reform) -> str:
        # Out of the applicable targets, as on the dashboard and in the ledger.
        return f"{obj.done_count} / {obj.applicable_count}"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the inlines, so a target city the office just added is not added twice. 全省 means every city: a
        # city removed from such a reform comes back here; "not applicable" with a reason is the way to exempt one.
        created = reform_sync_targets(reform=form.instance)
        if created:
            self.message_user(
                request,
                _("Whole-province reform: %(count)d target cities added.") % {"count": created},
                messages.INFO,
            )

    @admin.action(
        description=_("Add every city as a target of the selected whole-province reforms"), permissions=["change"]
    )
    def sync_targets(self, request, queryset):
        created = sum(reform_sync_targets(reform=reform) for reform in queryset)
        self.message_user(request, _("Target cities added: %(count)d.") % {"count": created}, messages.SUCCESS)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Responsibility:
            return super().save_formset(request, form, formset, change)
        # The service orders the writes (the lead changes hands without tripping the one-lead index).
        rows = formset.save(commit=False)
        responsibilities_save(reform=form.instance, rows=rows, removed=formset.deleted_objects)
        formset.save_m2m()
        return None


# The unit and city pages' part about reforms: added here to the admins of units/admin.py (PageParts), because units
# must not import reforms.


class UnitResponsibilityInline(admin.TabularInline):
    model = Responsibility
    fk_name = "unit"
    fields = ["reform_link", "role"]
    readonly_fields = ["reform_link"]
    verbose_name = _("reform of this unit")
    verbose_name_plural = _("reforms of this unit")
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user).select_related("reform")

    # Responsibilities are edited on the reform page, next to the reform's other units.
    def has_add_permission(self, request, obj=None) -> bool:
        return access.by_hand(self.opts.label_lower, "add")

    def has_change_permission(self, request, obj=None) -> bool:
        return access.by_hand(self.opts.label_lower, "change")

    @admin.display(description=_("reform"))
    def reform_link(self, obj: Responsibility) -> str:
        return reform_link(obj.reform)


class CityTargetInline(admin.TabularInline):
    model = RolloutTarget
    fk_name = "city"
    fields = ["reform_link", "status", "status_changed_on"]
    readonly_fields = ["reform_link"]
    verbose_name = _("reform rolled out in this city")
    verbose_name_plural = _("reforms rolled out in this city")
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .restrict(request.user)
            .select_related("reform")
            .order_by("reform__batch", "reform__position", "reform_id")
        )

    # Targets are edited on the reform page (and fed by approved progress reports).
    def has_add_permission(self, request, obj=None) -> bool:
        return access.by_hand(self.opts.label_lower, "add")

    def has_change_permission(self, request, obj=None) -> bool:
        return access.by_hand(self.opts.label_lower, "change")

    @admin.display(description=_("reform"))
    def reform_link(self, obj: RolloutTarget) -> str:
        return reform_link(obj.reform)


class UnitReformsPart(PagePart):
    """The unit page's reforms: counts in the list, the responsibilities inline on the change page."""

    inlines = (UnitResponsibilityInline,)

    @staticmethod
    @admin.display(description=_("number of reforms"), ordering="reform_count")
    def reform_count(obj: Unit) -> int:
        return obj.reform_count

    @staticmethod
    @admin.display(description=_("of which as lead"), ordering="lead_count")
    def lead_count(obj: Unit) -> int:
        return obj.lead_count

    columns = (reform_count, lead_count)

    def annotate(self, request, queryset):
        # All of a unit's reforms are in its staff's scope by definition, so these counts need no scoping.
        # distinct: the unit page counts its memberships in this query too, a second join multiplying rows.
        return queryset.annotate(
            reform_count=Count("responsibilities", distinct=True),
            lead_count=Count(
                "responsibilities", filter=Q(responsibilities__role=ResponsibilityRole.LEAD), distinct=True
            ),
        )


class CityTargetsPart(PagePart):
    """The city page's reforms: counts in the list, the rollout targets inline on the change page."""

    inlines = (CityTargetInline,)

    @staticmethod
    @admin.display(description=_("reforms to roll out"), ordering="target_count")
    def target_count(obj: City) -> int:
        return obj.target_count

    @staticmethod
    @admin.display(description=_("done / applicable reforms"), ordering="done_count")
    def done_count(obj: City) -> str:
        # Out of the applicable targets, as on the dashboard and in the ledger.
        return f"{obj.done_count} / {obj.applicable_count}"

    columns = (target_count, done_count)

    def annotate(self, request, queryset):
        # Unit staff count only the reforms they may see, the same rows the inline lists.
        mine = access.scope(request.user, "reforms.rollouttarget", prefix="targets__")
        return queryset.annotate(
            target_count=Count("targets", filter=mine),
            done_count=Count("targets", filter=mine & Q(targets__status=TargetStatus.DONE)),
            applicable_count=Count("targets", filter=mine & ~Q(targets__status=TargetStatus.NOT_APPLICABLE)),
        )


units_admin.UnitAdmin.add_part(UnitReformsPart())
units_admin.CityAdmin.add_part(CityTargetsPart())
