"""The definitions of every figure, written once.

The API's field descriptions, the dashboard's glossary and docs/statistics.md all show these texts (a test checks the
docs still carry each one verbatim), so a figure means the same thing wherever it appears.
"""

import datetime

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

# "Due soon" reaches this many working days past today (the reminders' calendar), for reports and deadlines alike.
DUE_SOON_WORKING_DAYS = 3
# The rollup re-reads reports changed this long before its previous run: a report written in a transaction that
# committed after that run started (its updated_at is older than the run) is still picked up.
REFRESH_LOOKBACK = datetime.timedelta(minutes=10)
# A figure older than this is flagged on the dashboard: the beat refreshes every minute.
STALE_AFTER = datetime.timedelta(minutes=5)
# The completions-over-time line has at most this many points (five years of weeks).
MAX_TREND_POINTS = 260

DEFINITIONS = {
    "target": _(
        "Target: one city that must replicate one reform. Its status is the one the office last approved from a "
        "progress report."
    ),
    "completion_rate": _(
        "Completion rate = done targets ÷ (all targets − not-applicable targets); empty when no target applies. "
        "Wherever done targets are shown out of a total (3/15 on the dashboard, in the ledger and in the admin), the "
        "total is the applicable targets: not-applicable ones are left out."
    ),
    "expected_rate": _(
        "Expected progress (序时进度) = for each applicable target, the share of time elapsed between the day its "
        "batch was issued and its reform's completion deadline (the reform's own, else the batch's default), "
        "between 0 and 1, averaged over the applicable targets. A target without both dates expects 0."
    ),
    "overdue_targets": _(
        "Overdue targets = applicable targets not done whose reform's completion deadline has passed (the deadline "
        "day itself is still in time)."
    ),
    "targets_due_soon": format_lazy(
        _(
            "Targets due soon = applicable targets not done whose reform's completion deadline falls between today "
            "and {days} working days from today."
        ),
        days=DUE_SOON_WORKING_DAYS,
    ),
    "obligation": _(
        "Report obligation: as the reminders derive it from the batch's reporting rule, a reform's lead unit owes one "
        "report per reporting period starting no later than the reform's completion deadline, due on the period's due "
        "date. Its co-units owe a contribution instead, counted in the participation figures, not here."
    ),
    "reports_due": _(
        "Reports due = obligations whose due date has passed (is before today). Each is on time, late or missing."
    ),
    "reports_on_time": _(
        "On time = due, and submitted (submitted or approved) on or before the due date, by the date in China "
        "Standard Time of the latest submission."
    ),
    "reports_late": _("Late = due, and submitted after the due date."),
    "reports_missing": _(
        "Missing = the due date has passed with no submitted report: no report, a draft, or a report returned to "
        "the unit and not submitted again."
    ),
    "reports_upcoming": _("Upcoming = obligations whose due date is today or later, submitted or not."),
    "reports_due_soon": format_lazy(
        _(
            "Reports due soon = upcoming obligations not submitted yet whose due date falls between today and {days} "
            "working days from today."
        ),
        days=DUE_SOON_WORKING_DAYS,
    ),
    "colour": _(
        "Status colour: red when reports are missing or targets are overdue; otherwise yellow when the completion "
        "rate is below the expected progress or reports or targets are due soon; otherwise green (also when there "
        "is nothing to measure yet)."
    ),
    "override": _(
        "The office may override a colour, giving a reason; the override is shown instead of the computed colour "
        "until it expires or is removed."
    ),
    "trend": _(
        "Previous colour = the colour at the end of the previous calendar month; the trend compares the current "
        "colour with it. Colours belong to the reform, unit or city as a whole, whatever the filters."
    ),
    "filters": _(
        "Target figures are the current state. The period and date filters select which report obligations count "
        "(by period, by due date) and which completions the trend shows (by the day they were done). The unit "
        "filter keeps the reforms the unit is responsible for and that unit's own obligations; the city filter "
        "keeps that city's targets and the obligations of the reforms targeting it."
    ),
    "overlap": _(
        "Rows of one breakdown may overlap: a reform's targets count for each of its responsible units, and an "
        "obligation counts for every target city of its reform."
    ),
    "as_of": _(
        "Report figures and colours come from a rollup refreshed every minute; the time of its last refresh is "
        "given with the figures. Target figures are read live."
    ),
}
