"""Saving a reporting rule derives its periods and obligations at once; a rule that cannot produce a period is
refused; report transitions move their obligation in the same transaction."""

import datetime
import threading

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from reforms.tests.factories import BatchFactory
from tracker import services as tracker_services
from tracker.models import ReportingPeriod
from tracker.reminders import services
from tracker.reminders.models import Obligation, ReportingRule

from .conftest import local_time
from .factories import make_reform_for

D = datetime.date
# Saturday 7 March 2026: a day off, when the working-day sweep does nothing.
SATURDAY = D(2026, 3, 7)


@pytest.fixture
def batch(db, unit_a, unit_b):
    batch = BatchFactory(code="sdftz-live", issued_on=D(2026, 1, 1), default_deadline=None)
    make_reform_for(unit_a, batch=batch)
    make_reform_for(unit_b, batch=batch)
    return batch


@pytest.fixture
def office_client(office):
    client = Client()
    client.force_login(office)
    return client


def rule_form(batch, **changes) -> dict:
    data = {
        "batch": batch.pk,
        "active": "on",
        "kind": "monthly",
        "due_day": "5",
        "working_days": "",
        "anchor_date": "",
        "starts_on": "",
        "ends_on": "",
        "roll_to_working_day": "on",
        "remind_days_before": "7,3,1",
        "remind_on_due_day": "on",
        "overdue_every_days": "3",
        "escalate_after_days": "7",
        "contribution_lead_days": "3",
    }
    data.update(changes)
    return data


def derived(batch) -> tuple[list, int, int]:
    periods = list(ReportingPeriod.objects.filter(batch=batch).order_by("starts_on").values_list("code", "due_on"))
    obligations = Obligation.objects.filter(period__batch=batch)
    return periods, obligations.count(), obligations.filter(due_on__lt=SATURDAY).count()


def test_a_rule_saved_in_the_admin_on_a_saturday_derives_periods_and_obligations_at_once(
    transactional_db, batch, office_client
):
    # Real commits: the derivation runs after the admin's transaction commits, before the page answers.
    with time_machine.travel(local_time(SATURDAY, 21), tick=False):
        response = office_client.post(reverse("admin:reminders_reportingrule_add"), rule_form(batch), follow=True)

    assert response.status_code == 200
    periods, obligations, overdue = derived(batch)
    # January and February are past due; March has started (its first reminder is near enough to derive it).
    assert periods == [("2026-01", D(2026, 2, 5)), ("2026-02", D(2026, 3, 5)), ("2026-03", D(2026, 4, 7))]
    assert (obligations, overdue) == (6, 4)
    assert "该批次现有3个报送期、6项报送任务，其中4项已逾期。" in response.content.decode()


def test_the_rules_preview_shows_the_periods_already_overdue(batch, office_client):
    rule = ReportingRule.objects.create(batch=batch, kind="monthly", due_day=5)
    with time_machine.travel(local_time(SATURDAY, 21), tick=False):
        page = office_client.get(reverse("admin:reminders_reportingrule_change", args=[rule.pk])).content.decode()
    assert "2个报送期已过报送期限。" in page
    assert "2026年1月 → 2026-02-05（已过报送期限）" in page
    assert "2026年3月 → 2026-04-07<" in page  # 5 April is a Sunday, 6 April the Qingming holiday


def test_the_service_derives_at_once_and_a_change_moves_only_the_periods_not_yet_due(
    batch, django_capture_on_commit_callbacks
):
    with time_machine.travel(local_time(SATURDAY, 21), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            rule = services.reporting_rule_save(rule=ReportingRule(batch=batch, kind="monthly", due_day=5))
        assert derived(batch)[1:] == (6, 4)

        rule.due_day = 15
        with django_capture_on_commit_callbacks(execute=True):
            services.reporting_rule_save(rule=rule)

    periods, obligations, _ = derived(batch)
    # The past due dates stay what they were; March's moves, and its obligations with it.
    assert periods == [("2026-01", D(2026, 2, 5)), ("2026-02", D(2026, 3, 5)), ("2026-03", D(2026, 4, 15))]
    assert set(Obligation.objects.filter(period__code="2026-03").values_list("due_on", flat=True)) == {D(2026, 4, 15)}
    # Idempotent, and the sweep that comes later finds nothing to add.
    assert services.reporting_rule_derive(batch_id=batch.pk, today=SATURDAY).obligations_created == 0
    assert obligations == 6


def test_derivation_waits_for_the_commit(batch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.reporting_rule_save(rule=ReportingRule(batch=batch, kind="monthly", due_day=5))
    assert not Obligation.objects.exists()
    assert len(callbacks) == 1


def test_a_rule_without_a_first_period_is_refused_in_the_admin_and_nothing_is_stored(
    db, unit_a, office_client, django_capture_on_commit_callbacks
):
    batch = BatchFactory(code="sdftz-undated", issued_on=None, default_deadline=None)
    make_reform_for(unit_a, batch=batch)
    with django_capture_on_commit_callbacks(execute=True):
        response = office_client.post(reverse("admin:reminders_reportingrule_add"), rule_form(batch))

    assert response.status_code == 200  # the form again, with the error
    assert response.context["adminform"].form.errors["starts_on"] == [
        f"请填写“首期开始日期”：批次“{batch}”没有印发日期可供采用，否则不会产生任何报送期。"
    ]
    assert not ReportingRule.objects.exists()
    assert not ReportingPeriod.objects.filter(batch=batch).exists()


def test_a_rule_whose_first_period_starts_after_the_last_is_refused_by_the_service(db, unit_a):
    batch = BatchFactory(code="sdftz-short", issued_on=D(2026, 5, 1), default_deadline=D(2026, 4, 30))
    with pytest.raises(ValidationError) as refused:
        services.reporting_rule_save(rule=ReportingRule(batch=batch, kind="monthly", due_day=10))
    assert "不会产生任何报送期" in refused.value.message_dict["starts_on"][0]
    assert not ReportingRule.objects.exists()
    # Quarterly, the second quarter (from April) still starts in time; monthly, an earlier first period does.
    services.reporting_rule_save(rule=ReportingRule(batch=batch, kind="quarterly", due_day=10))
    rule = ReportingRule.objects.get()
    rule.kind, rule.starts_on = "monthly", D(2026, 1, 1)
    services.reporting_rule_save(rule=rule)


def test_submit_return_and_approve_move_the_obligation_in_the_same_transaction(
    batch, reporter, office, unit_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.reporting_rule_save(rule=ReportingRule(batch=batch, kind="monthly", due_day=5))
    reform = batch.reforms.get(responsibilities__unit=unit_a)
    period = ReportingPeriod.objects.get(batch=batch, code="2026-01")
    obligation = Obligation.objects.filter(reform=reform, unit=unit_a, period=period)
    report = tracker_services.report_create(user=reporter, reform=reform, period=period, data={"work_done": "已部署"})
    assert obligation.get().met_at is None

    report = tracker_services.report_submit(report=report, user=reporter)
    assert obligation.get().met_at == report.submitted_at

    report = tracker_services.report_return(report=report, user=office, comment="请补充佐证材料")
    assert (obligation.get().met_at, obligation.get().cycle) == (None, 2)

    report = tracker_services.report_submit(report=report, user=reporter)
    report = tracker_services.report_approve(report=report, user=office)
    assert (obligation.get().met_at, obligation.get().cycle) == (report.submitted_at, 2)


def test_a_derivation_and_a_sweep_at_the_same_moment_derive_each_row_once(postgresql, transactional_db, batch):
    ReportingRule.objects.create(batch=batch, kind="monthly", due_day=5)
    start = threading.Barrier(3)
    errors = []

    def run(work) -> None:
        try:
            start.wait(timeout=30)
            work()
        except Exception as exc:  # reported below: a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(lambda: services.reporting_rule_derive(batch_id=batch.pk, today=SATURDAY),)),
        threading.Thread(target=run, args=(lambda: services.reporting_rule_derive(batch_id=batch.pk, today=SATURDAY),)),
        # Friday: the sweep works (and derives) that day.
        threading.Thread(target=run, args=(lambda: services.reminders_sweep(today=D(2026, 3, 6), enqueue=False),)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    periods, obligations, overdue = derived(batch)
    assert [code for code, _ in periods] == ["2026-01", "2026-02", "2026-03"]
    assert (obligations, overdue) == (6, 4)


def test_a_large_derivation_refreshes_the_planners_statistics_of_what_it_joins_after_its_commit(
    postgresql, batch, monkeypatch, django_capture_on_commit_callbacks
):
    # The threshold is 10,000 rows; two reforms' worth stand in for a large batch here.
    from reforms.models import RolloutTarget
    from tracker.reminders.services import obligations as derivation

    def reltuples(table: str) -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            return cursor.fetchone()[0]

    monkeypatch.setattr(derivation, "ANALYZE_AFTER", 2)
    before = reltuples("reminders_obligation"), reltuples("reforms_rollouttarget")
    with time_machine.travel(local_time(SATURDAY, 21), tick=False):
        rule = ReportingRule.objects.create(batch=batch, kind="monthly", due_day=5)
        with django_capture_on_commit_callbacks(execute=False) as after_commit:
            result = services.reporting_rule_derive(batch_id=rule.batch_id, today=SATURDAY)
        # Not inside the derivation's transaction: what ANALYZE sees there goes to pg_class at once (see the service).
        assert (reltuples("reminders_obligation"), reltuples("reforms_rollouttarget")) == before
        for callback in after_commit:
            callback()

    counts = Obligation.objects.count(), RolloutTarget.objects.count()
    assert result.obligations_created == counts[0] == 6
    assert before != counts  # what the planner believed before: never analysed (-1), or older counts
    # The obligations and the tables the rest of the refresh joins with them.
    assert (reltuples("reminders_obligation"), reltuples("reforms_rollouttarget")) == counts
