"""The provisional-calendar warning: the same, bilingual, from `manage.py check` and from `migrate`."""

import datetime

import pytest
import time_machine
from django.core.management import call_command

from tracker.reminders.models import CalendarYear

from .conftest import local_time

pytestmark = pytest.mark.django_db
# In November the next year counts; chinese-calendar 1.11 knows years up to 2026 only.
NOVEMBER = local_time(datetime.date(2026, 11, 20), 10)
CHINESE = "2027年的法定节假日和调休上班日尚未录入"
ENGLISH = "The official holidays and make-up working days of 2027 are not entered yet"


def test_check_without_database_says_what_migrate_says_chinese_first(capsys):
    with time_machine.travel(NOVEMBER, tick=False):
        call_command("check")
        checked = capsys.readouterr().err
        call_command("migrate", verbosity=0, skip_checks=False)  # as on the command line
        migrated = capsys.readouterr().err
    assert "reminders.W001" in checked
    assert checked.index(CHINESE) < checked.index(ENGLISH)
    warning = next(line for line in checked.splitlines() if "reminders.W001" in line)
    assert warning in migrated


def test_the_warning_goes_once_the_office_confirmed_the_year(capsys):
    CalendarYear.objects.create(year=2027, official_days_entered=True)
    with time_machine.travel(NOVEMBER, tick=False):
        call_command("check")
    assert "reminders.W001" not in capsys.readouterr().err
