"""The quickstart's `demo_setup`: reference data into an empty database, demo users of every role, idempotent."""

import datetime
import zoneinfo
from collections import Counter

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.access import CITY_STAFF_GROUP, CONSUMER_GROUP, OFFICE_GROUP, UNIT_STAFF_GROUP
from reforms.choices import ResponsibilityRole, TargetStatus
from reforms.models import Reform, Responsibility, RolloutTarget
from tracker.choices import ReportState
from tracker.cities.models import CityApplication, CitySubmission
from tracker.contributions.deadlines import contribution_due_on
from tracker.contributions.models import Contribution
from tracker.models import ProgressReport, ReportingPeriod, ReportTransition
from tracker.reminders.models import Obligation, Reminder, ReportingRule
from units.models import City, Unit

User = get_user_model()


def test_it_loads_the_first_batch_and_a_user_for_every_role(settings, db, capsys):
    settings.DEBUG = True

    call_command("demo_setup")

    assert (Reform.objects.count(), Unit.objects.count(), City.objects.count()) == (38, 30, 16)
    customs = User.objects.get(username="customs")
    assert sorted(customs.memberships.values_list("unit__name", flat=True)) == ["济南海关", "青岛海关"]
    assert customs.is_staff and customs.groups.filter(name=UNIT_STAFF_GROUP).exists()
    assert User.objects.get(username="office").groups.filter(name=OFFICE_GROUP).exists()
    api = User.objects.get(username="api")
    assert api.groups.filter(name=CONSUMER_GROUP).exists() and not api.is_staff
    qingdao = User.objects.get(username="qingdao")
    assert list(qingdao.city_memberships.values_list("city__name", flat=True)) == ["青岛"]
    assert qingdao.is_staff and qingdao.groups.filter(name=CITY_STAFF_GROUP).exists()
    co_unit = User.objects.get(username="finance")
    assert list(co_unit.memberships.values_list("unit__name", flat=True)) == ["山东金融监管局"]
    out = capsys.readouterr().out
    assert "office-demo-2026" in out and Token.objects.get(user=api).key in out
    assert "qingdao-demo-2026" in out


def test_running_it_again_changes_nothing(settings, db):
    settings.DEBUG = True
    call_command("demo_setup")
    Reform.objects.filter(code="sdftz-1-p01").update(title="省推广办改过的标题")

    call_command("demo_setup")

    assert Reform.objects.count() == 38
    assert Reform.objects.get(code="sdftz-1-p01").title == "省推广办改过的标题"
    assert User.objects.filter(username="customs").get().memberships.count() == 2


def test_it_refuses_to_run_outside_the_local_demo(settings, db):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_setup")
    assert not User.objects.exists()


# Friday 20 November 2026, 10:00 in Jinan: the demo's periods July to October are past due (each by the 10th of the
# next month) and November's is the current one.
DEMO_DAY = datetime.datetime(2026, 11, 20, 10, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


def loop_counts() -> dict:
    states = Counter(ProgressReport.objects.values_list("state", flat=True))
    return {
        "periods": ReportingPeriod.objects.count(),
        "obligations": Obligation.objects.filter(kind__in=["report", "contribution"]).count(),
        # The reports' side of the loop (contributions and city submissions are obligations of their own kinds).
        "met": Obligation.objects.filter(kind="report", met_at__isnull=False).count(),
        "overdue": Obligation.objects.filter(kind="report", met_at__isnull=True, due_on__lt=DEMO_DAY.date()).count(),
        **states,
        "transitions": ReportTransition.objects.count(),
        "city": sorted(CitySubmission.objects.values_list("state", flat=True)),
        "applications": sorted(CityApplication.objects.values_list("state", flat=True)),
        "contributions": sorted(Contribution.objects.values_list("state", flat=True)),
        "reminders": Reminder.objects.count(),
        "recipients": Reminder.objects.values("recipient").distinct().count(),
    }


def test_the_demo_has_a_rule_and_reports_in_every_state_which_the_statistics_agree_with(
    settings, db, django_capture_on_commit_callbacks
):
    settings.DEBUG = True
    with time_machine.travel(DEMO_DAY, tick=False), django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command("demo_setup")
        counts = loop_counts()
        client = APIClient()
        client.force_authenticate(User.objects.get(username="office"))
        figures = client.get(reverse("stats-api:overview")).json()["figures"]

    rule = ReportingRule.objects.get()
    assert (rule.kind, rule.due_day, rule.starts_on) == ("monthly", 10, datetime.date(2026, 7, 1))
    assert counts["periods"] == 5  # July to November
    assert counts["obligations"] == 5 * Responsibility.objects.count()
    # Every state of the loop is there, across the demo's lead units.
    for state in (ReportState.APPROVED, ReportState.SUBMITTED, ReportState.RETURNED, ReportState.DRAFT):
        assert counts[state] > 0, state
    assert counts["met"] == counts[ReportState.APPROVED] + counts[ReportState.SUBMITTED]
    units = ProgressReport.objects.values("unit").distinct().count()
    assert units == 4  # the four lead units among the five demo units
    # Only lead units file progress reports (issue 12): the co-units owe contributions instead.
    assert not ProgressReport.objects.exclude(
        unit__responsibilities__reform=F("reform"), unit__responsibilities__role=ResponsibilityRole.LEAD
    ).exists()
    assert figures["reports_late"] > 0 and figures["reports_on_time"] > 0
    # The statistics, the obligations list and the reports agree at once: missing = overdue and not met.
    assert figures["reports_missing"] == counts["overdue"]
    assert figures["reports_due"] == Obligation.objects.filter(kind="report", due_on__lt=DEMO_DAY.date()).count()
    # The sweep ran: reminders in the outbox for the units' members and the office (escalations), e-mails queued.
    # (seven: the city account 青岛 is reminded of its city submissions too)
    assert counts["reminders"] > 0 and counts["recipients"] == 7
    assert len(callbacks) >= 6
    # The approved city lines became the targets' status: the matrix is not empty.
    assert RolloutTarget.objects.filter(status=TargetStatus.DONE).exists()
    assert RolloutTarget.objects.filter(status=TargetStatus.IN_PROGRESS).exists()

    # The city 青岛 and the co-unit 青岛金融监管局 have work in every state.
    assert counts["city"] == ["confirmed", "draft", "returned", "submitted"]
    assert counts["applications"] == ["approved", "opinion_given", "rejected", "submitted"]
    assert counts["contributions"] == ["draft", "submitted", "submitted", "submitted"]
    returned = CitySubmission.objects.get(state="returned")
    assert returned.review_comment and returned.target.city.name == "青岛"
    # The confirmed claim is prefilled into the lead unit's report for that period.
    confirmed = CitySubmission.objects.select_related("target").get(state="confirmed")
    lead_report = ProgressReport.objects.get(reform=confirmed.target.reform_id, period=confirmed.period_id)
    assert lead_report.state == ReportState.DRAFT
    assert lead_report.city_lines.get(city=confirmed.target.city_id).status == confirmed.status
    approved = CityApplication.objects.get(state="approved")
    assert approved.target is not None and approved.target.city.name == "青岛"
    assert CityApplication.objects.get(state="rejected").decision_reason
    assert CityApplication.objects.get(state="opinion_given").lead_opinion == "support"
    late = [
        c.submitted_at.date() > contribution_due_on(c.period) for c in Contribution.objects.filter(state="submitted")
    ]
    assert sorted(late) == [False, True, True]
    # The on-time contribution shows on the lead unit's report for its period.
    on_time = Contribution.objects.get(state="submitted", period__due_on__gte=DEMO_DAY.date())
    assert ProgressReport.objects.filter(reform=on_time.reform_id, period=on_time.period_id).exists()

    with time_machine.travel(DEMO_DAY + datetime.timedelta(hours=1), tick=False):
        call_command("demo_setup")
        assert loop_counts() == counts  # a second start changes nothing


class _Undo(Exception):
    pass


@pytest.mark.usefixtures("postgresql")
def test_the_demo_loads_even_when_the_statistics_say_its_tables_are_empty(
    settings, db, django_capture_on_commit_callbacks
):
    """A CI run hung here for many minutes: autovacuum had analysed tables that earlier tests filled and rolled back
    (pages, no live row), and PostgreSQL planned the obligations' meet UPDATE as nested loops over thousands of rows.
    The same statistics are made here (the demo loaded and rolled back, then ANALYZE); a statement that runs longer
    than a minute fails the test instead of hanging the suite (tracker.reminders.services.fulfilment)."""
    settings.DEBUG = True
    with time_machine.travel(DEMO_DAY, tick=False), django_capture_on_commit_callbacks(execute=False):
        try:
            with transaction.atomic():
                call_command("demo_setup")
                raise _Undo
        except _Undo:
            pass
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("SET LOCAL statement_timeout = '60s'")
        call_command("demo_setup")

    assert Obligation.objects.filter(kind="city_submission", met_at__isnull=False).exists()
    assert loop_counts()["met"] > 0
