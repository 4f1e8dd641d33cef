"""Admin columns the apps that feed a lead's report share (co-units' contributions, cities' submissions)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .calendar import WorkingCalendar
from .rules import contribution_due_on


class FeedingDueColumnMixin:
    """A `due` column: the day a row of a period is due, the rule's lead days before the lead's report.

    The model admin must select `period__batch__reporting_rule` (list_select_related): the lead days are then free.
    """

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # One calendar for the page: the due dates read the office's calendar overrides once per year, not per row.
        calendar = WorkingCalendar()
        for row in changelist.result_list:
            row.due_on = contribution_due_on(row.period, calendar=calendar)
        return changelist

    @admin.display(description=_("due on"))
    def due(self, obj) -> str:
        due_on = getattr(obj, "due_on", None) or contribution_due_on(obj.period)
        return due_on.isoformat()
