"""Small pieces of HTML the report pages share."""

from django.contrib.admin.utils import label_for_field
from django.utils.html import format_html

from ..choices import ReportState


def state_badge(state: str) -> str:
    """The state as a coloured badge that also says it in words (colour alone is lost on some people and printers).

    The colours are in templates/admin/tracker/includes/report_state_styles.html.
    """
    if not state:
        return "-"
    label = ReportState(state).label if state in ReportState.values else state
    return format_html('<span class="report-state report-state-{}">{}</span>', state, label)


def person(user) -> str:
    if user is None:
        return "-"
    return user.get_full_name() or user.get_username()


def phone_list_context(model_admin, request, *, hidden: list[str], unlabelled: list[str]) -> dict:
    """What admin/tracker/includes/changelist_styles.html needs to show a list as cards at a phone's width: the
    columns to hide there, and the label of each other column (those in `unlabelled` speak for themselves)."""
    labels = {}
    for name in model_admin.get_list_display(request):
        if name in hidden or name in unlabelled or name == "action_checkbox":
            continue
        labels[name] = str(label_for_field(name, model_admin.model, model_admin))
    return {"phone_hidden": hidden, "phone_labels": labels}
