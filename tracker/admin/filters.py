"""The state filter of the report list, which is also the office's review queue."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.access import may_review

from ..choices import ReportState

STATE_PARAMETER = "state"
ALL_STATES = "all"


def default_state(request) -> str:
    """The office lands on its review queue; unit staff on all their reports."""
    return ReportState.SUBMITTED.value if may_review(request.user) else ALL_STATES


def selected_state(request) -> str:
    return _valid_or_default(request, request.GET.get(STATE_PARAMETER, ""))


def _valid_or_default(request, value: str | None) -> str:
    return value if value in (ALL_STATES, *ReportState.values) else default_state(request)


def review_queue_shown(request) -> bool:
    """True when the list shows the submitted reports: the review queue, read oldest first."""
    return selected_state(request) == ReportState.SUBMITTED


class ReportStateFilter(admin.SimpleListFilter):
    """Filter by state with a default: Django's own filters have none, so "All" is an explicit choice here."""

    title = _("state")
    parameter_name = STATE_PARAMETER

    def lookups(self, request, model_admin):
        labels = {ReportState.SUBMITTED: _("Submitted: waiting for review")}
        return [(state.value, labels.get(state, state.label)) for state in ReportState]

    def value(self):
        # used_parameters, not the request: facet counting sets it to each choice in turn.
        return _valid_or_default(self.request, self.used_parameters.get(self.parameter_name))

    def choices(self, changelist):
        yield {
            "selected": self.value() == ALL_STATES,
            "query_string": changelist.get_query_string({self.parameter_name: ALL_STATES}),
            "display": _("All"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        state = self.value()
        if state == ALL_STATES:
            return queryset
        return queryset.filter(state=state)
