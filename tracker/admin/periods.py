"""Reporting periods: the office keeps them; unit staff see those of their reforms' batches (their group holds the
view permission only)."""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from core import access
from core.admin import OutOfScopeIs404Mixin

from ..choices import ReportState
from ..models import ReportingPeriod


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(OutOfScopeIs404Mixin, admin.ModelAdmin):
    list_display = ["label", "code", "batch", "starts_on", "ends_on", "due_on", "report_count", "waiting_count"]
    list_display_links = ["label", "code"]
    list_filter = ["batch"]
    list_select_related = ["batch"]
    search_fields = ["code", "label"]
    date_hierarchy = "starts_on"
    fields = ["batch", "code", "label", ("starts_on", "ends_on"), "due_on"]

    def get_queryset(self, request):
        user = request.user
        queryset = super().get_queryset(request).restrict(user)
        # Counted over the reports the user sees: another unit's numbers are not theirs to see.
        mine = access.scope(user, "tracker.progressreport", prefix="reports__")
        return queryset.annotate(
            report_count=Count("reports", filter=mine),
            waiting_count=Count("reports", filter=mine & Q(reports__state=ReportState.SUBMITTED)),
        )

    @admin.display(description=_("reports"), ordering="report_count")
    def report_count(self, obj: ReportingPeriod) -> int:
        return obj.report_count

    @admin.display(description=_("waiting for review"), ordering="waiting_count")
    def waiting_count(self, obj: ReportingPeriod) -> int:
        return obj.waiting_count
