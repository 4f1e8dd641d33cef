"""Working days of mainland China: the package's official years, the office's overrides, and the fallback for a year
the package does not know (2027 for chinese-calendar 1.11.0)."""

import datetime

import pytest

from tracker.reminders.calendar import (
    WorkingCalendar,
    add_working_days,
    is_working_day,
    next_working_day,
    package_knows,
    provisional_years,
    years_needing_official_days,
)
from tracker.reminders.models import CalendarYear
from tracker.tests.factories import ReportingPeriodFactory

from .factories import CalendarDayFactory

D = datetime.date

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "working"),
    [
        # Spring Festival 2025: 28 January to 4 February off; Sunday 26 January and Saturday 8 February worked.
        (D(2025, 1, 26), True),
        (D(2025, 1, 27), True),
        (D(2025, 1, 28), False),
        (D(2025, 2, 4), False),
        (D(2025, 2, 5), True),
        (D(2025, 2, 8), True),
        (D(2025, 2, 9), False),
        # National Day 2025 (with the Mid-Autumn Festival): 1 to 8 October off; 28 September and 11 October worked.
        (D(2025, 9, 28), True),
        (D(2025, 10, 8), False),
        (D(2025, 10, 9), True),
        (D(2025, 10, 11), True),
        # Spring Festival 2026: 15 to 23 February off; Saturdays 14 and 28 February worked.
        (D(2026, 2, 14), True),
        (D(2026, 2, 15), False),
        (D(2026, 2, 23), False),
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),
        # National Day 2026: 1 to 7 October off; Sunday 20 September and Saturday 10 October worked.
        (D(2026, 9, 20), True),
        (D(2026, 10, 7), False),
        (D(2026, 10, 8), True),
        (D(2026, 10, 10), True),
    ],
)
def test_it_knows_the_official_holidays_and_make_up_working_days(day, working):
    assert is_working_day(day) is working


def test_working_days_skip_the_national_day_holiday_and_count_its_make_up_sunday():
    # Friday 26 September 2025 + 5: Sun 28 Sep (make-up), Mon 29, Tue 30, then 1-8 October off, Thu 9, Fri 10.
    assert add_working_days(D(2025, 9, 26), 5) == D(2025, 10, 10)


def test_working_days_cross_the_spring_festival():
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)  # the make-up Saturday
    assert add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)  # nine days off in between
    assert add_working_days(D(2025, 1, 27), 1) == D(2025, 2, 5)


def test_counting_backwards_and_zero():
    assert add_working_days(D(2026, 10, 8), -1) == D(2026, 9, 30)
    assert add_working_days(D(2026, 10, 3), 0) == D(2026, 10, 3)


def test_next_working_day_is_strictly_after():
    assert next_working_day(D(2026, 9, 30)) == D(2026, 10, 8)
    assert next_working_day(D(2026, 10, 9)) == D(2026, 10, 10)  # Saturday, but a make-up working day


def test_the_office_overrides_the_package():
    CalendarDayFactory(date=D(2026, 2, 24), is_working_day=False, note="本单位调整")
    CalendarDayFactory(date=D(2026, 2, 21), is_working_day=True, note="加班")
    cal = WorkingCalendar()
    assert cal.is_working_day(D(2026, 2, 24)) is False
    assert cal.is_working_day(D(2026, 2, 21)) is True
    assert cal.add_working_days(D(2026, 2, 14), 2) == D(2026, 2, 25)


def test_a_year_the_package_lacks_falls_back_to_its_rules():
    assert package_knows(2026) is True
    assert package_knows(2027) is False
    assert is_working_day(D(2027, 1, 4)) is True  # an ordinary Monday
    assert is_working_day(D(2027, 2, 8)) is False  # Spring Festival, known to the holidays package
    assert is_working_day(D(2027, 10, 1)) is False
    assert is_working_day(D(2027, 2, 20)) is False  # a Saturday: no make-up day is known yet


def test_the_office_enters_a_missing_years_make_up_day_and_confirms_the_year():
    assert provisional_years([2026, 2027]) == [2027]
    CalendarDayFactory(date=D(2027, 2, 20), is_working_day=True, note="春节调休上班")
    assert is_working_day(D(2027, 2, 20)) is True
    CalendarYear.objects.create(year=2027, official_days_entered=False)
    assert provisional_years([2026, 2027]) == [2027]
    CalendarYear.objects.filter(year=2027).update(official_days_entered=True)
    assert provisional_years([2026, 2027]) == []


def test_the_years_to_warn_about_include_next_year_from_november_and_coming_due_dates():
    assert years_needing_official_days(D(2026, 6, 1)) == []
    assert years_needing_official_days(D(2026, 11, 2)) == [2027]
    ReportingPeriodFactory(starts_on=D(2026, 12, 1), ends_on=D(2026, 12, 31), due_on=D(2027, 1, 5))
    assert years_needing_official_days(D(2026, 6, 1)) == [2027]
