"""The progress report admin as the office uses it: the review queue, approving, returning with a comment, the
history; and the list's query count for both roles, and the reporting periods.

Personas (root conftest): office reviews every report and files none; reporter (unit_a, reform_a) and
other_reporter (unit_b, reform_b) file reports for the office to review.
"""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from reforms.choices import TargetStatus
from reforms.models import RolloutTarget
from tests.helpers import listed
from tracker import services
from tracker.choices import ReportState
from tracker.exceptions import PreconditionFailed
from tracker.models import ReportingPeriod

from .factories import ReportingPeriodFactory
from .test_admin import CHANGELIST, change_url, form_values, messages_of, signed_in

REVIEW = "admin:tracker_progressreport_review"


def review(client, report, button: str, comment: str = "", version=None):
    data = {button: "1", "comment": comment, "version": str(report.version if version is None else version)}
    return client.post(reverse(REVIEW, args=[report.pk]), data, follow=True)


def test_the_office_lands_on_the_review_queue_oldest_submission_first(
    client, office, reporter, other_reporter, reform_a, reform_b, make_report
):
    # reform_a's report is created first but submitted last, so neither id nor update order gives the queue's.
    later = make_report(reporter, reform_a)
    with time_machine.travel(timezone.now() - datetime.timedelta(days=2)):
        earlier = make_report(other_reporter, reform_b, state=ReportState.SUBMITTED)
    later = services.report_submit(report=later, user=reporter)
    approved_period = ReportingPeriodFactory(batch=reform_a.batch)
    make_report(reporter, reform_a, state=ReportState.APPROVED, period=approved_period)
    make_report(reporter, reform_a, period=ReportingPeriodFactory(batch=reform_a.batch))  # a draft

    response = signed_in(client, office).get(reverse(CHANGELIST))

    assert listed(response) == [earlier, later]
    assert response.context["title"] == gettext("Reports waiting for review, oldest first")
    everything = client.get(reverse(CHANGELIST), {"state": "all"})
    assert len(listed(everything)) == 4


def test_each_state_shows_as_a_badge_that_names_it(client, office, reporter, reform_a, make_report):
    for state in ReportState:
        make_report(reporter, reform_a, state=state, period=ReportingPeriodFactory(batch=reform_a.batch))

    body = signed_in(client, office).get(reverse(CHANGELIST), {"state": "all"}).content.decode()

    for state in ReportState:
        assert f'<span class="report-state report-state-{state.value}">{state.label}</span>' in body


def test_the_office_approves_from_the_change_page_and_the_city_lines_become_the_targets_status(
    client, office, reporter, reform_a, make_report
):
    report = make_report(reporter, reform_a)
    first, second = report.city_lines.order_by("city__code")
    services.report_update(
        report=report,
        user=reporter,
        version=report.version,
        city_lines=[
            services.CityLineInput(city=first.city, status=TargetStatus.DONE),
            services.CityLineInput(city=second.city, status=TargetStatus.NOT_APPLICABLE, note="无相关业务"),
        ],
    )
    report = services.report_submit(report=report, user=reporter)
    client = signed_in(client, office)
    page = client.get(change_url(report))
    assert page.status_code == 200
    assert 'id="review-form"' in page.content.decode()

    response = review(client, report, "_approve", comment="同意")

    assert response.redirect_chain[-1][0] == reverse(CHANGELIST)
    report.refresh_from_db()
    assert (report.state, report.reviewer, report.review_comment) == (ReportState.APPROVED, office, "同意")
    targets = {t.city_id: t for t in RolloutTarget.objects.filter(reform=reform_a)}
    assert targets[first.city_id].status == TargetStatus.DONE
    assert targets[second.city_id].status == TargetStatus.NOT_APPLICABLE
    assert targets[second.city_id].not_applicable_reason == "无相关业务"
    assert targets[first.city_id].status_changed_on == timezone.localdate()
    expected = gettext("The report “%(report)s” was approved; its city lines are now the rollout status.")
    assert messages_of(response) == [expected % {"report": report}]


def test_returning_from_the_change_page_needs_a_comment_and_keeps_nothing_half_done(
    client, office, reporter, reform_a, make_report
):
    report = make_report(reporter, reform_a, state=ReportState.SUBMITTED)
    client = signed_in(client, office)

    refused = review(client, report, "_return", comment="   ")

    assert refused.redirect_chain[-1][0] == change_url(report)
    assert messages_of(refused) == [gettext("Say why the report is returned.")]
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED

    returned = review(client, report, "_return", comment="请补充各市推进情况")

    report.refresh_from_db()
    assert (report.state, report.review_comment) == (ReportState.RETURNED, "请补充各市推进情况")
    expected = gettext("The report “%(report)s” was returned to %(unit)s with your comment.")
    assert messages_of(returned) == [expected % {"report": report, "unit": report.unit}]
    # The unit sees the comment, prominently, on its report.
    page = signed_in(client, reporter).get(change_url(report)).content.decode()
    assert 'id="review-comment">请补充各市推进情况' in page


def test_a_refused_review_keeps_the_typed_comment_for_the_next_try(client, office, reporter, reform_a, make_report):
    report = make_report(reporter, reform_a, state=ReportState.SUBMITTED)
    client = signed_in(client, office)

    response = review(client, report, "_return", comment="x" * 2001)

    assert "x" * 2001 in form_values(response, "review-form")["comment"]
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED


def test_a_review_of_a_page_that_is_out_of_date_is_refused(client, office, reporter, reform_a, make_report):
    report = make_report(reporter, reform_a, state=ReportState.SUBMITTED)
    client = signed_in(client, office)
    stale_version = report.version
    # Another reviewer returns it, and the unit resubmits, while this page was open.
    services.report_return(report=report, user=office, comment="请补充")
    report = services.report_submit(report=report, user=reporter)

    response = review(client, report, "_approve", version=stale_version)

    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED
    assert messages_of(response) == [str(PreconditionFailed.default_message)]


def test_the_return_action_asks_for_a_comment_on_a_confirmation_page(
    client, office, reporter, other_reporter, reform_a, reform_b, make_report
):
    waiting = make_report(reporter, reform_a, state=ReportState.SUBMITTED)
    draft = make_report(other_reporter, reform_b)
    client = signed_in(client, office)
    # Selected on the list of all states (the queue would not show the draft), which the action posts back to.
    everything = reverse(CHANGELIST) + "?state=all"
    selected = {"action": "return_reports", "_selected_action": [waiting.pk, draft.pk]}

    confirm = client.post(everything, {**selected, "index": "0"})

    assert confirm.status_code == 200
    assert confirm.templates[0].name == "admin/tracker/progressreport/return_confirmation.html"
    assert list(confirm.context["reports"]) == [waiting]
    fields = form_values(confirm, "return-form")
    assert fields["_selected_action"] == str(waiting.pk) and fields["comment"] == ""
    skipped = ngettext(
        "%(count)d of the selected reports is not waiting for review and will be left as it is.",
        "%(count)d of the selected reports are not waiting for review and will be left as they are.",
        1,
    )
    assert skipped % {"count": 1} in messages_of(confirm)

    without_comment = client.post(everything, {**fields, "comment": ""})
    assert without_comment.status_code == 200
    assert without_comment.context["form"].errors["comment"]
    waiting.refresh_from_db()
    assert waiting.state == ReportState.SUBMITTED

    done = client.post(everything, {**fields, "comment": "数据口径不一致"}, follow=True)

    waiting.refresh_from_db()
    draft.refresh_from_db()
    assert (waiting.state, waiting.review_comment) == (ReportState.RETURNED, "数据口径不一致")
    assert draft.state == ReportState.DRAFT
    done_message = ngettext(
        "%(count)d report returned to its unit with your comment.",
        "%(count)d reports returned to their units with your comment.",
        1,
    ) % {"count": 1}
    assert done_message in messages_of(done)


def test_the_approve_action_approves_the_waiting_reports_and_leaves_the_others(
    client, office, reporter, other_reporter, reform_a, reform_b, make_report
):
    waiting = make_report(reporter, reform_a, state=ReportState.SUBMITTED)
    returned = make_report(other_reporter, reform_b, state=ReportState.RETURNED)

    response = signed_in(client, office).post(
        reverse(CHANGELIST) + "?state=all",
        {"action": "approve_reports", "_selected_action": [waiting.pk, returned.pk], "index": "0"},
        follow=True,
    )

    waiting.refresh_from_db()
    returned.refresh_from_db()
    assert waiting.state == ReportState.APPROVED
    assert returned.state == ReportState.RETURNED
    shown = messages_of(response)
    approved = ngettext(
        "%(count)d report approved; its city lines are now the rollout status.",
        "%(count)d reports approved; their city lines are now the rollout status.",
        1,
    )
    assert approved % {"count": 1} in shown
    skipped = ngettext(
        "%(count)d of the selected reports was not waiting for review and was left as it is.",
        "%(count)d of the selected reports were not waiting for review and were left as they are.",
        1,
    )
    assert skipped % {"count": 1} in shown


def test_the_office_reads_a_report_with_its_history_but_cannot_change_or_file_one(
    client, office, reporter, reform_a, make_report
):
    report = make_report(reporter, reform_a, state=ReportState.RETURNED)
    report = services.report_submit(report=report, user=reporter)
    client = signed_in(client, office)

    page = client.get(change_url(report))

    body = page.content.decode()
    assert 'name="_save"' not in body and 'name="work_done"' not in body
    transitions = next(f for f in page.context["inline_admin_formsets"] if f.formset.prefix == "transitions")
    steps = [(t.from_state, t.to_state, t.actor, t.comment) for t in transitions.formset.queryset]
    assert steps == [
        ("", ReportState.DRAFT, reporter, ""),
        (ReportState.DRAFT, ReportState.SUBMITTED, reporter, ""),
        (ReportState.SUBMITTED, ReportState.RETURNED, office, "请补充佐证材料"),
        (ReportState.RETURNED, ReportState.SUBMITTED, reporter, ""),
    ]
    assert "请补充佐证材料" in body
    revisions = next(f for f in page.context["inline_admin_formsets"] if f.formset.prefix == "revisions")
    assert [r.number for r in revisions.formset.queryset] == [1, 2]
    assert client.post(change_url(report), {"work_done": "改", "_save": "1"}).status_code == 403
    assert client.get(reverse("admin:tracker_progressreport_add")).status_code == 403


@pytest.mark.parametrize("rows", [1, 50])
def test_the_office_queue_takes_the_same_queries_for_1_and_50_reports(
    client, office, reporter, reform_a, make_report, django_assert_num_queries, rows
):
    for _ in range(rows):
        make_report(
            reporter, reform_a, state=ReportState.SUBMITTED, period=ReportingPeriodFactory(batch=reform_a.batch)
        )
    client = signed_in(client, office)

    # 1 session, 2 user with its groups, units and permissions (core.authentication.ModelBackend: was four
    # queries before issue 11), 3 the periods and 4 the units of the sidebar filters, 5 the count of the queue and
    # 6 of all reports ("50 of 50 total"), 7 the rows with their reform, unit and period joined and their line,
    # done-line and file counts as subqueries.
    with django_assert_num_queries(7):
        response = client.get(reverse(CHANGELIST))

    assert len(listed(response)) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_a_reporters_list_takes_the_same_queries_for_1_and_50_reports(
    client, reporter, reform_a, make_report, django_assert_num_queries, rows
):
    for _ in range(rows):
        make_report(reporter, reform_a, period=ReportingPeriodFactory(batch=reform_a.batch))
    client = signed_in(client, reporter)

    # 1 session, 2 user with its groups, memberships (the scope), permissions and whether its units lead an item
    # (the 增加 button and the submit action) in one query (was six), 3 periods and 4 units of the sidebar filters,
    # 5 the count of the filtered list and 6 of the whole list, 7 the rows, joined and counted as for the office.
    with django_assert_num_queries(7):
        response = client.get(reverse(CHANGELIST))

    assert len(listed(response)) == rows


def test_the_office_keeps_the_reporting_periods(client, office, batch):
    client = signed_in(client, office)
    add = reverse("admin:tracker_reportingperiod_add")

    response = client.post(
        add,
        {
            "batch": batch.pk,
            "code": "2026-12",
            "label": "2026年12月",
            "starts_on": "2026-12-01",
            "ends_on": "2026-12-31",
            "due_on": "2027-01-05",
            "_save": "1",
        },
    )

    assert response.status_code == 302
    assert ReportingPeriod.objects.get(code="2026-12").due_on == datetime.date(2027, 1, 5)


def test_unit_staff_only_view_periods_and_count_their_own_reports(
    client, reporter, other_reporter, reform_a, reform_b, period, make_report
):
    make_report(reporter, reform_a, state=ReportState.SUBMITTED)
    make_report(other_reporter, reform_b, state=ReportState.SUBMITTED)
    client = signed_in(client, reporter)

    listing = client.get(reverse("admin:tracker_reportingperiod_changelist"))
    [row] = listed(listing)
    assert (row, row.report_count, row.waiting_count) == (period, 1, 1)
    page = client.get(reverse("admin:tracker_reportingperiod_change", args=[period.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = client.post(reverse("admin:tracker_reportingperiod_change", args=[period.pk]), {"label": "改"})
    assert response.status_code == 403
