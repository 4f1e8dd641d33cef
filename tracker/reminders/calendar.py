"""Working days of mainland China: weekends, statutory holidays and the make-up working days (调休).

Three sources, in order of precedence:
1. `CalendarDay` rows the office entered in the admin (always win);
2. `chinese-calendar`, which knows the official schedule of every year published before its release (it raises
   NotImplementedError for a later year, e.g. 2027 with version 1.11.0);
3. for a year it lacks, the rules of `holidays.China` (the fixed holidays, without the make-up working days, which
   only the State Council's notice fixes) plus Saturdays and Sundays off.

A year served by the third source is "provisional" until the office confirms (`CalendarYear.official_days_entered`)
that it has entered the official days: the admin and a system check warn about it.
"""

import datetime
from functools import cache

import chinese_calendar
import holidays

from .models import CalendarDay, CalendarYear


@cache
def package_knows(year: int) -> bool:
    """True when chinese-calendar has the official schedule of `year`."""
    try:
        chinese_calendar.is_workday(datetime.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@cache
def _fallback_holidays(year: int) -> frozenset[datetime.date]:
    # The public category only: the half-day observances (Women's Day, Youth Day ...) are working days for offices.
    return frozenset(holidays.China(years=year))


def _package_is_working_day(day: datetime.date) -> bool:
    if package_knows(day.year):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5 and day not in _fallback_holidays(day.year)


class WorkingCalendar:
    """The calendar with the office's overrides, loaded once per year touched; use one instance per unit of work."""

    def __init__(self) -> None:
        self._overrides: dict[datetime.date, bool] = {}
        self._years: set[int] = set()

    def _load(self, year: int) -> None:
        if year in self._years:
            return
        rows = CalendarDay.objects.filter(date__year=year).values_list("date", "is_working_day")
        self._overrides.update(rows)
        self._years.add(year)

    def is_working_day(self, day: datetime.date) -> bool:
        self._load(day.year)
        if day in self._overrides:
            return self._overrides[day]
        return _package_is_working_day(day)

    def next_working_day(self, day: datetime.date) -> datetime.date:
        """The first working day strictly after `day`."""
        day += datetime.timedelta(days=1)
        while not self.is_working_day(day):
            day += datetime.timedelta(days=1)
        return day

    def roll_forward(self, day: datetime.date) -> datetime.date:
        """`day` itself if it is a working day, else the next one (a deadline on a holiday moves past it)."""
        return day if self.is_working_day(day) else self.next_working_day(day)

    def roll_back(self, day: datetime.date) -> datetime.date:
        """`day` itself if it is a working day, else the last working day before it."""
        while not self.is_working_day(day):
            day -= datetime.timedelta(days=1)
        return day

    def add_working_days(self, day: datetime.date, n: int) -> datetime.date:
        """The n-th working day after `day` (n > 0), before it (n < 0), or `day` itself (n = 0).

        "Due 5 working days after 26 September 2025" counts 28 September (a Sunday, but a make-up working day) as the
        first and skips the National Day holiday: the answer is 10 October.
        """
        step = datetime.timedelta(days=1 if n >= 0 else -1)
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day


def is_working_day(day: datetime.date) -> bool:
    return WorkingCalendar().is_working_day(day)


def next_working_day(day: datetime.date) -> datetime.date:
    return WorkingCalendar().next_working_day(day)


def add_working_days(day: datetime.date, n: int) -> datetime.date:
    return WorkingCalendar().add_working_days(day, n)


def provisional_years(years: set[int] | list[int]) -> list[int]:
    """The years among `years` that neither the package nor the office's confirmation covers."""
    unknown = {y for y in years if not package_knows(y)}
    if not unknown:
        return []
    confirmed = set(
        CalendarYear.objects.filter(year__in=unknown, official_days_entered=True).values_list("year", flat=True)
    )
    return sorted(unknown - confirmed)


def years_needing_official_days(today: datetime.date) -> list[int]:
    """Years the service works in (this one, the next from November on, those of coming due dates) whose official
    days are still provisional: the admin and the system check name them."""
    from tracker.models import ReportingPeriod

    years = {today.year}
    # The State Council publishes next year's schedule in late autumn: from November on it is worth entering.
    if today.month >= 11:
        years.add(today.year + 1)
    years.update(d.year for d in ReportingPeriod.objects.filter(due_on__gte=today).dates("due_on", "year"))
    return provisional_years(years)
