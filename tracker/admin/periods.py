"""Reporting periods: the office keeps them; unit staff see those of their reforms' batches (their group holds the
view permission only)."""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from reforms.models import Reform
from units.admin import OutOfScopeIs404Mixin
from units.roles import is_office, unit_ids_of

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
        queryset = super().get_queryset(request)
        user = request.user
        if is_office(user):
            mine = Q()
        else:
            queryset = queryset.filter(batch__in=Reform.objects.for_user(user).values("batch"))
            # Counted over the user's own units only: another unit's numbers are not theirs to see.
            mine = Q(reports__unit_id__in=unit_ids_of(user))
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
