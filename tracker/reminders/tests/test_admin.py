"""The office's admin pages: outbox, remind now (催办), dry run, calendar warning."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tracker.reminders.choices import ReminderState, Step
from tracker.reminders.models import CalendarYear, Obligation, Reminder

from .conftest import local_time
from .factories import make_reform_for

D = datetime.date


@pytest.fixture
def office_client(world):
    client = Client()
    client.force_login(world.office)
    return client


def test_the_outbox_lists_reminders_and_filters_by_unit_step_and_state(world, sweep_on, office_client):
    sweep_on(D(2026, 2, 12))  # escalation: unit members and the office
    url = reverse("admin:reminders_reminder_changelist")
    response = office_client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 5
    by_unit = office_client.get(url, {"obligation__unit__id__exact": world.unit_b.pk})
    assert {r.recipient.username for r in by_unit.context["cl"].result_list} == {"other_reporter", "office"}
    assert office_client.get(url, {"step__exact": Step.URGE}).context["cl"].result_count == 0
    sending = office_client.get(url, {"state__exact": ReminderState.SENDING, "channel__exact": "email"})
    assert sending.context["cl"].result_count == 5
    assert "下次巡检预演" in response.content.decode()


def test_the_outbox_costs_the_same_queries_for_one_row_and_fifty(world, sweep_on, office_client):
    # Session, user, the office-group check, the calendar warning (periods' years, confirmed years), the unit filter's
    # choices, the date hierarchy, two counts and one page of rows joined to obligation, reform, unit, period,
    # recipient and chat robot: nothing per row.
    url = reverse("admin:reminders_reminder_changelist")
    sweep_on(D(2026, 1, 29))
    Reminder.objects.exclude(recipient=world.reporter).delete()
    with CaptureQueriesContext(connection) as one:
        assert office_client.get(url).context["cl"].result_count == 1
    for _ in range(49):
        make_reform_for(world.unit_a, batch=world.batch)
    sweep_on(D(2026, 1, 29), hour=9)
    Reminder.objects.exclude(recipient=world.reporter).delete()
    with CaptureQueriesContext(connection) as fifty:
        assert office_client.get(url).context["cl"].result_count == 50
    assert len(fifty) == len(one)


def test_remind_now_from_the_obligations_page(world, sweep_on, office_client, django_capture_on_commit_callbacks):
    sweep_on(D(2026, 2, 2))
    obligation = Obligation.objects.get(reform=world.reform_a, period__code="2026-01")
    with (
        time_machine.travel(local_time(D(2026, 2, 3), 10), tick=False),
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        response = office_client.post(
            reverse("admin:reminders_obligation_changelist"),
            {"action": "remind_now", "_selected_action": [obligation.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert "已向1项报送任务的责任单位发出催办。" in response.content.decode()
    assert len(callbacks) == 2
    urges = Reminder.objects.filter(manual=True, step=Step.URGE, occurs_on=D(2026, 2, 3))
    assert {r.recipient.username for r in urges} == {"reporter", "manager"}


def test_the_dry_run_page_shows_the_digests_and_keeps_nothing(world, office_client):
    url = reverse("admin:reminders_reminder_dry_run")
    response = office_client.get(url, {"date": "2026-02-12"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "本次巡检将发送4条消息，共5条提醒。" in page
    assert world.reform_a.title in page and "已逾期7天" in page and "督办" in page
    assert Reminder.objects.count() == 0 and Obligation.objects.count() == 0
    holiday = office_client.get(url, {"date": "2026-02-16"}).content.decode()
    assert "2026年2月16日是休息日" in holiday


def test_unit_staff_cannot_open_the_outbox_or_the_dry_run(world, client):
    client.force_login(world.reporter)
    assert client.get(reverse("admin:reminders_reminder_changelist")).status_code == 403
    assert client.get(reverse("admin:reminders_reminder_dry_run")).status_code == 403


def test_the_reminder_pages_warn_until_the_office_confirms_next_years_official_days(world, office_client):
    url = reverse("admin:reminders_calendarday_changelist")
    with time_machine.travel(local_time(D(2026, 11, 20)), tick=False):
        warned = office_client.get(url).content.decode()
        assert "2027年的法定节假日和调休上班日尚未录入" in warned
        response = office_client.post(
            reverse("admin:reminders_calendaryear_add"),
            {"year": 2027, "official_days_entered": "on", "note": "国办发明电〔2026〕X号"},
        )
        assert response.status_code == 302
        assert "尚未录入" not in office_client.get(url).content.decode()
    confirmed = CalendarYear.objects.get(year=2027)
    assert confirmed.confirmed_by == world.office and confirmed.confirmed_at is not None


def test_the_reminder_settings_open_as_one_page(world, office_client):
    response = office_client.get(reverse("admin:reminders_remindersettings_changelist"))
    assert response.status_code == 302
    page = office_client.get(response.url)
    assert page.status_code == 200 and "节假日也发送" in page.content.decode()
