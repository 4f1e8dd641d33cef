"""API pieces the apps that feed a lead's report share (co-units' contributions, cities' submissions): their due date
and whether they are late, from the reminders' rule and working calendar."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .calendar import WorkingCalendar
from .rules import contribution_due_on


class CalendarContextMixin:
    """For viewsets: one working calendar per request in the serializer context."""

    def get_serializer_context(self):
        # The due dates of a page read the office's calendar overrides once per year they touch, not per row.
        return {**super().get_serializer_context(), "calendar": WorkingCalendar()}


class FeedingDueFields(serializers.Serializer):
    """`due_on` and `late` of a row with a `period` that feeds the lead's report of that period. The queryset should
    select `period__batch__reporting_rule` (the rule's lead days are then free)."""

    due_on = serializers.SerializerMethodField(
        help_text=_("The day it is due: the reporting rule's lead days (working days) before the lead unit's report.")
    )
    late = serializers.SerializerMethodField(help_text=_("Submitted after its due date, or still not submitted."))

    def _due(self, obj):
        return contribution_due_on(obj.period, calendar=self.context.get("calendar"))

    @extend_schema_field(serializers.DateField())
    def get_due_on(self, obj) -> str:
        return self._due(obj).isoformat()

    def get_late(self, obj) -> bool:
        due = self._due(obj)
        if obj.submitted_at is not None:
            return timezone.localdate(obj.submitted_at) > due
        return timezone.localdate() > due
