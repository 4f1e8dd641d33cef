"""Admin of the statistics: the office's colour overrides, and (read-only) the colour history and rollup state."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core import access

from .models import ColourSnapshot, RollupState, StatusOverride
from .services.overrides import status_override_save


@admin.register(StatusOverride)
class StatusOverrideAdmin(admin.ModelAdmin):
    list_display = ["subject_display", "colour", "reason", "expires_on", "created_by", "created_at"]
    list_filter = ["colour", ("expires_on", admin.EmptyFieldListFilter)]
    list_select_related = ["reform", "unit", "city", "created_by"]
    search_fields = ["reform__code", "reform__title", "unit__name", "city__name", "reason"]
    autocomplete_fields = ["reform", "unit", "city"]
    fields = ["reform", "unit", "city", "colour", "reason", "expires_on", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]

    @admin.display(description=_("applies to"))
    def subject_display(self, obj: StatusOverride) -> str:
        return str(obj.subject)

    def save_model(self, request, obj, form, change):
        status_override_save(override=obj, user=request.user)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Derived data: shown, never edited by hand."""

    def has_add_permission(self, request):
        return access.by_hand(self.opts.label_lower, "add")

    def has_change_permission(self, request, obj=None):
        return access.by_hand(self.opts.label_lower, "change")

    def has_delete_permission(self, request, obj=None):
        return access.by_hand(self.opts.label_lower, "delete")


@admin.register(ColourSnapshot)
class ColourSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["month", "kind", "label", "computed_colour", "colour", "done", "applicable", "missing", "taken_at"]
    list_filter = ["month", "kind", "colour"]
    search_fields = ["label"]
    date_hierarchy = "month"


@admin.register(RollupState)
class RollupStateAdmin(ReadOnlyAdmin):
    list_display = ["refreshed_at", "as_of_date", "rebuilt_at", "duration_ms"]
