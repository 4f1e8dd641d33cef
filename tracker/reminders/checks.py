"""System check: warn while the service works from provisional calendar data for a year."""

from django.core import checks
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _

from .calendar import years_needing_official_days


def provisional_year_message(years: list[int]) -> str:
    return _(
        "The official holidays and make-up working days of %(years)s are not entered yet: working days there "
        "follow weekends and the fixed holidays only. Enter them as calendar days and confirm the year."
    ) % {"years": ", ".join(str(y) for y in years)}


@checks.register(checks.Tags.database)
def check_calendar_years(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    # A database check: it runs with `manage.py check --database default` and before migrate, not at every start.
    if not databases:
        return []
    try:
        years = years_needing_official_days(timezone.localdate())
    except DatabaseError:
        return []  # Tables not migrated yet.
    if not years:
        return []
    return [checks.Warning(provisional_year_message(years), id="reminders.W001", obj="reminders.CalendarYear")]
