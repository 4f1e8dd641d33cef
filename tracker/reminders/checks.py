"""System check: warn while the service works from provisional calendar data for a year."""

from django.core import checks
from django.db import DatabaseError, connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .calendar import years_needing_official_days


def provisional_year_message(years: list[int]) -> str:
    return _(
        "The official holidays and make-up working days of %(years)s are not entered yet: working days there "
        "follow weekends and the fixed holidays only. Enter them as calendar days and confirm the year."
    ) % {"years": ", ".join(str(y) for y in years)}


def bilingual_provisional_year_message(years: list[int]) -> str:
    """Chinese first, then English: the operator reading a console may be either."""
    texts = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            texts.append(provisional_year_message(years))
    return " / ".join(texts)


def _tables_exist() -> bool:
    from tracker.models import ReportingPeriod

    from .models import CalendarDay, CalendarYear

    needed = {model._meta.db_table for model in (CalendarDay, CalendarYear, ReportingPeriod)}
    return needed <= set(connection.introspection.table_names())


@checks.register()
def check_calendar_years(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    # Not a database-tagged check: `manage.py check`, runserver and migrate must all say the same. It reads two
    # small tables; without a database (an image being built, tables not migrated yet) it says nothing. The tables
    # are looked up first so that a migrate on an empty PostgreSQL database leaves no error in the server's log.
    try:
        if not _tables_exist():
            return []
        years = years_needing_official_days(timezone.localdate())
    except DatabaseError:
        return []
    if not years:
        return []
    return [
        checks.Warning(bilingual_provisional_year_message(years), id="reminders.W001", obj="reminders.CalendarYear")
    ]
