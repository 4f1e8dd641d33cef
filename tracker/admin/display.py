"""Small pieces of HTML the report pages share."""

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
