"""The rollup: what a refresh recomputes, when it rebuilds everything, and that it never runs twice at once."""

import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse

from tracker import services as reports
from tracker.models import ReportCityLine
from tracker.tests.factories import ReportingPeriodFactory

from ..models import ObligationFact, ObligationSummary, RollupState
from ..services import stats_refresh
from ..tasks import stats_refresh_task
from .factories import NOW, derive_obligations

pytestmark = pytest.mark.django_db


def overview(client) -> dict:
    return client.get(reverse("stats-api:overview")).json()["figures"]


def returned_report(scenario):
    """The scenario's one missing report: R3·U1's of P2 (due 11-10), returned. The reporter (U1) may submit it
    again; submitted now, it is late. It gets the city lines a submission needs (the scenario writes none), each
    with its target's status, so approving it changes no target figure."""
    report = scenario.reforms["R3"].progress_reports.get(unit=scenario.units["U1"], period=scenario.periods["P2"])
    for target in scenario.reforms["R3"].targets.all():
        ReportCityLine.objects.create(report=report, city_id=target.city_id, status=target.status)
    return report


def rollup_rows() -> tuple[list, list]:
    facts = list(ObligationFact.objects.order_by("reform_id", "unit_id", "period_id").values())
    summaries = list(ObligationSummary.objects.order_by("reform_id", "unit_id").values())
    for row in facts + summaries:
        row.pop("id")
    return facts, summaries


def test_a_submitted_report_is_counted_at_once_and_the_next_refresh_touches_only_its_reform(
    scenario, client_for, office, reporter, time_machine, django_capture_on_commit_callbacks
):
    client = client_for(office)
    returned = returned_report(scenario)
    assert overview(client)["reports_missing"] == 1
    time_machine.move_to(NOW + datetime.timedelta(seconds=30), tick=False)
    with django_capture_on_commit_callbacks(execute=True):  # as the request's commit would
        reports.report_submit(report=returned, user=reporter)

    # The submission wrote its rollup rows in its own transaction (and made the cached answers unreachable on
    # commit): no refresh needed. R3's P2 report is no longer missing but late, beside R1·U1's P2 and R5·U3's.
    figures = overview(client)
    assert (figures["reports_missing"], figures["reports_late"]) == (0, 3)
    synced = rollup_rows()

    time_machine.move_to(NOW + datetime.timedelta(minutes=1), tick=False)
    result = stats_refresh()

    assert (result.rebuilt, result.reforms) == (False, 1)
    assert rollup_rows() == synced  # the refresh agrees with what the submission wrote
    stats_refresh(full=True)
    assert rollup_rows() == synced  # and so does a rebuild


def test_returning_and_approving_change_the_figures_at_once_as_a_rebuild_would(
    scenario, client_for, office, reporter, time_machine, django_capture_on_commit_callbacks
):
    client = client_for(office)
    with django_capture_on_commit_callbacks(execute=True):
        report = reports.report_submit(report=returned_report(scenario), user=reporter)
    assert overview(client)["reports_missing"] == 0

    with django_capture_on_commit_callbacks(execute=True):
        report = reports.report_return(report=report, user=office, comment="请补充佐证材料")
    assert overview(client)["reports_missing"] == 1  # a returned report counts as missing again
    returned = rollup_rows()
    stats_refresh(full=True)
    assert rollup_rows() == returned

    with django_capture_on_commit_callbacks(execute=True):
        report = reports.report_submit(report=report, user=reporter)
        reports.report_approve(report=report, user=office)
    figures = overview(client)
    assert (figures["reports_missing"], figures["reports_late"]) == (0, 3)  # as in the test above
    approved = rollup_rows()
    stats_refresh(full=True)
    assert rollup_rows() == approved


def test_a_report_on_an_obligation_newer_than_the_rollup_is_counted_at_once(
    scenario, client_for, office, reporter, time_machine, django_capture_on_commit_callbacks
):
    # A period (and its obligations) added after the last refresh, as saving a reporting rule does; the reporter's
    # unit U1 leads R1 (of batch B1), so it owes R1 a report for it, due 09-09: filed now, late.
    period = ReportingPeriodFactory(
        batch=scenario.batches["B1"],
        code="2026-08",
        starts_on=datetime.date(2026, 8, 1),
        ends_on=datetime.date(2026, 8, 31),
        due_on=datetime.date(2026, 9, 9),
    )
    derive_obligations()
    client = client_for(office)
    before = overview(client)
    report = reports.report_create(
        user=reporter, reform=scenario.reforms["R1"], period=period, data={"work_done": "已部署"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        reports.report_submit(report=report, user=reporter)

    after = overview(client)
    assert after["reports_late"] == before["reports_late"] + 1
    assert ObligationFact.objects.filter(period=period, report_id=report.pk).exists()


def test_a_report_committed_late_is_still_picked_up_by_the_look_back(
    scenario, client_for, office, reporter, time_machine
):
    # A transaction that wrote the report at 09:55 but committed after the 10:00 refresh had read the reports.
    time_machine.move_to(NOW - datetime.timedelta(minutes=5), tick=False)
    reports.report_submit(report=returned_report(scenario), user=reporter)
    time_machine.move_to(NOW + datetime.timedelta(minutes=1), tick=False)

    result = stats_refresh()

    assert result.reforms == 1  # R3
    assert overview(client_for(office))["reports_missing"] == 0


def test_target_figures_are_live_without_a_refresh(scenario, client_for, office):
    target = scenario.reforms["R4"].targets.get()
    target.status = "done"
    target.save()

    assert overview(client_for(office))["done"] == 4


def test_a_new_period_recomputes_the_reforms_of_its_batch(scenario, client_for, office, time_machine):
    ReportingPeriodFactory(
        batch=scenario.batches["B2"],
        code="2026-Q4",
        starts_on=datetime.date(2026, 10, 1),
        ends_on=datetime.date(2026, 12, 31),
        due_on=datetime.date(2027, 1, 15),
    )
    time_machine.move_to(NOW + datetime.timedelta(minutes=1), tick=False)
    assert derive_obligations() == 3  # the reminders' sweep, a moment later

    result = stats_refresh()

    assert (result.rebuilt, result.new_day, result.reforms) == (False, False, 2)  # R4 and R5
    # B2's two lead units (U3 for R4 and R5) owe one more report each; R5's co-unit U1 a contribution, not counted.
    assert overview(client_for(office))["reports_upcoming"] == 3 + 2


def test_a_new_responsible_unit_and_a_deleted_reform_are_followed(scenario, time_machine):
    from reforms.tests.factories import ReformFactory, ResponsibilityFactory

    ResponsibilityFactory(reform=scenario.reforms["R2"], unit=scenario.units["U3"], role="co", position=2)
    extra = ReformFactory(batch=scenario.batches["B2"], number=9)
    ResponsibilityFactory(reform=extra, unit=scenario.units["U3"])
    time_machine.move_to(NOW + datetime.timedelta(minutes=1), tick=False)
    derive_obligations()

    assert stats_refresh().reforms == 2
    # R2's new co-unit owes contributions, not reports: no report facts; the new reform's lead owes a report for Q1.
    assert ObligationFact.objects.filter(reform=scenario.reforms["R2"], unit=scenario.units["U3"]).count() == 0
    assert ObligationFact.objects.filter(reform=extra).count() == 1

    extra.delete()
    time_machine.move_to(NOW + datetime.timedelta(minutes=2), tick=False)

    # Only the reform that is gone: R2's obligations, though within the look-back, are already there.
    assert stats_refresh().reforms == 1
    assert not ObligationFact.objects.filter(reform_id=extra.pk).exists()
    assert not ObligationSummary.objects.filter(reform_id=extra.pk).exists()


def test_the_next_day_recomputes_every_summary_and_reports_fall_due(scenario, client_for, office, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 24, 0, 1, tzinfo=NOW.tzinfo), tick=False)

    result = stats_refresh()

    assert (result.rebuilt, result.new_day, result.reforms) == (False, True, 0)
    figures = overview(client_for(office))
    # P3 fell due on 11-23 (eight due before, three more now): the two early reports (R1·U1 11-18, R2·U2 11-17)
    # count as on time (five before), R3·U1's as missing (one before).
    assert (figures["reports_due"], figures["reports_on_time"], figures["reports_missing"]) == (11, 7, 2)
    assert (figures["reports_upcoming"], figures["reports_due_soon"]) == (0, 0)
    assert RollupState.objects.get().as_of_date == datetime.date(2026, 11, 24)


def test_nothing_changed_means_nothing_recomputed(scenario, time_machine):
    time_machine.move_to(NOW + datetime.timedelta(minutes=20), tick=False)

    result = stats_refresh()

    assert (result.rebuilt, result.new_day, result.reforms, result.skipped) == (False, False, 0, False)


def test_the_command_and_the_task_refresh(db, frozen, capsys):
    call_command("stats_refresh", "--full")
    assert "统计数据已刷新（全部，0 个颜色）" in capsys.readouterr().out
    first = RollupState.objects.get().refreshed_at

    stats_refresh_task.apply(kwargs={"full": False})

    assert RollupState.objects.get().refreshed_at == first  # the clock is stopped; the task ran without error
    assert RollupState.objects.get().as_of_date == frozen.date()


@pytest.mark.django_db(transaction=True)
def test_a_second_refresh_while_one_runs_skips_instead_of_waiting(postgresql, frozen):
    stats_refresh()
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock():
        try:
            with transaction.atomic():
                RollupState.objects.select_for_update().get(pk=1)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert locked.wait(10)
        assert stats_refresh().skipped
    finally:
        release.set()
        holder.join()
    assert not stats_refresh().skipped


def test_a_reports_rollup_update_costs_three_queries(scenario, reporter, django_assert_num_queries):
    from ..services import stats_report_sync

    draft = returned_report(scenario)
    # The rollup's day and horizon; the UPDATE of the report's one fact row; the reform's summaries grouped by unit
    # and written in one INSERT ... SELECT ... ON CONFLICT DO UPDATE (a SELECT and an INSERT before issue 11's
    # fourth step). Whatever the number of reports and obligations.
    with django_assert_num_queries(3):
        assert stats_report_sync(report=draft)
    # What a rebuild from the source tables gives.
    synced = rollup_rows()
    stats_refresh(full=True)
    assert rollup_rows() == synced


def test_a_new_draft_updates_its_fact_and_leaves_the_summaries_as_a_rebuild_would(
    scenario, reporter, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from reforms.models import Reform
    from tracker.models import ReportingPeriod

    from ..services import stats_report_sync

    fact = ObligationFact.objects.filter(unit=scenario.units["U1"], report_id__isnull=True).order_by("id").first()
    with django_capture_on_commit_callbacks(execute=True):
        draft = reports.report_create(
            user=reporter,
            reform=Reform.objects.get(pk=fact.reform_id),
            period=ReportingPeriod.objects.get(pk=fact.period_id),
            data={"work_done": "已起草"},
        )

    fact.refresh_from_db()
    assert (fact.report_id, fact.report_state, fact.submitted_on) == (draft.pk, "draft", None)
    # A draft changes no figure (they count submissions): the summaries were not recomputed, and a rebuild agrees.
    synced = rollup_rows()
    stats_refresh(full=True)
    assert rollup_rows() == synced
    # The rollup's day and the fact's UPDATE only.
    with django_assert_num_queries(2):
        assert stats_report_sync(report=draft, summaries=False)
