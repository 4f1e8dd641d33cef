"""The audit trail: every write, from the API, the admin, a command or a task, is recorded with who, when, what
(before and after) and from where; the trail is readable and exportable by the office only and cannot be changed.

Personas (root conftest): office reads the trail; reporter (unit_a) writes reports and may not read it.
Runs on PostgreSQL only (the triggers are the mechanism under test); scripts/test provides it.
"""

import csv
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit.context import audit_context, user_values
from audit.models import AuditEvent
from reforms.choices import TargetStatus
from tracker import services
from tracker.choices import ReportState
from tracker.models import ProgressReport
from tracker.services import CityLineInput
from tracker.tasks import attachments_purge_task
from tracker.tests.factories import ReportingPeriodFactory, make_reform_for
from units.models import City

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgresql")]

ReportEvent = apps.get_model("audit", "ProgressReportEvent")
CityEvent = apps.get_model("audit", "CityEvent")
CityLineEvent = apps.get_model("audit", "ReportCityLineEvent")
UserGroupEvent = apps.get_model("audit", "UserGroupEvent")


def report_url(report) -> str:
    return reverse("tracker-api:report-detail", args=[report.pk])


def test_an_api_edit_records_who_when_what_and_from_where(client_for, reporter, reform_a, make_report):
    report = make_report(reporter, reform_a, work_done="起草中")

    response = client_for(reporter).patch(
        report_url(report),
        {"work_done": "已印发实施方案"},
        format="json",
        HTTP_IF_MATCH='"1"',
        HTTP_X_REQUEST_ID="req-audit-0001",
        REMOTE_ADDR="10.20.30.40",
    )

    assert response.status_code == 200, response.json()
    assert response["X-Request-ID"] == "req-audit-0001"
    event = ReportEvent.objects.filter(pgh_obj_id=report.pk, pgh_label="update").latest("pgh_id")
    assert event.work_done == "已印发实施方案"
    assert event.pgh_context["user"] == reporter.pk
    assert event.pgh_context["username"] == "reporter"
    assert event.pgh_context["request_id"] == "req-audit-0001"
    assert event.pgh_context["ip"] == "10.20.30.40"
    assert event.pgh_context["process"] == "web"
    assert event.pgh_created_at is not None
    merged = AuditEvent.objects.filter(pgh_model="audit.ProgressReportEvent", pgh_id=event.pgh_id).get()
    assert merged.pgh_diff["work_done"] == ["起草中", "已印发实施方案"]
    assert (merged.username, merged.request_id, merged.ip) == ("reporter", "req-audit-0001", "10.20.30.40")


def test_the_conditional_updates_of_the_review_are_recorded_too(client_for, reporter, office, reform_a, make_report):
    # report_approve writes with QuerySet.update(): signal-based audit libraries miss it, triggers do not.
    report = make_report(reporter, reform_a, state=ReportState.SUBMITTED)

    response = client_for(office).post(
        reverse("tracker-api:report-approve", args=[report.pk]), {"comment": "同意"}, format="json"
    )

    assert response.status_code == 200, response.content
    event = ReportEvent.objects.filter(pgh_obj_id=report.pk).latest("pgh_id")
    assert (event.state, event.pgh_context["username"]) == (ReportState.APPROVED, "office")
    states = list(ReportEvent.objects.filter(pgh_obj_id=report.pk).order_by("pgh_id").values_list("state", flat=True))
    assert states == [ReportState.DRAFT, ReportState.SUBMITTED, ReportState.APPROVED]


def test_an_admin_review_records_the_signed_in_user(client, office, reporter, reform_a, make_report):
    report = make_report(reporter, reform_a, state=ReportState.SUBMITTED)
    client.force_login(office)

    response = client.post(
        reverse("admin:tracker_progressreport_review", args=[report.pk]),
        {"_approve": "1", "comment": "同意", "version": str(report.version)},
        HTTP_X_REQUEST_ID="req-admin-0001",
        REMOTE_ADDR="10.0.0.9",
    )

    assert response.status_code == 302
    event = ReportEvent.objects.filter(pgh_obj_id=report.pk).latest("pgh_id")
    assert event.state == ReportState.APPROVED
    assert (event.pgh_context["username"], event.pgh_context["user"]) == ("office", office.pk)
    assert (event.pgh_context["request_id"], event.pgh_context["ip"]) == ("req-admin-0001", "10.0.0.9")


def test_a_deletion_keeps_the_last_values_of_the_row():
    city = City.objects.create(code="379902", name="将删市")
    pk = city.pk
    city.delete()

    event = CityEvent.objects.get(pgh_obj_id=pk, pgh_label="delete")
    assert event.name == "将删市"


def test_a_commands_writes_carry_the_commands_name(tmp_path):
    source = tmp_path / "units.csv"
    source.write_text("name,short_en,kind\n审计测试厅,Audit Test Dept,central agency in Shandong\n", encoding="utf-8")

    call_command("units_import", str(source))

    UnitEvent = apps.get_model("audit", "UnitEvent")
    event = UnitEvent.objects.filter(name="审计测试厅", pgh_label="insert").get()
    assert event.pgh_context["process"] == "manage.py units_import"


def test_a_tasks_writes_carry_the_tasks_name(reporter, reform_a, make_report):
    report = make_report(reporter, reform_a)
    # A write inside the task, through the task's own signals: the purge deletes nothing here, so the test makes the
    # task's context visible by writing from a task_prerun-opened context the same way the worker does.
    from audit.celery_context import _enter, _exit

    _enter(task_id="t-1", task=attachments_purge_task)
    try:
        ProgressReport.objects.filter(pk=report.pk).update(problems="任务写入")
    finally:
        _exit(task_id="t-1")

    event = ReportEvent.objects.filter(pgh_obj_id=report.pk).latest("pgh_id")
    assert event.pgh_context["process"] == "celery:attachments.purge"
    assert event.pgh_context["task_id"] == "t-1"


def test_role_changes_are_recorded(office, reporter):
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="审计测试组")
    reporter.groups.add(group)

    assert UserGroupEvent.objects.filter(user_id=reporter.pk, group_id=group.pk, pgh_label="insert").exists()


@pytest.mark.parametrize("statement", ["UPDATE {table} SET pgh_label = 'x'", "DELETE FROM {table}"])
def test_the_database_refuses_to_change_or_delete_audit_rows(statement):
    City.objects.create(code="379903", name="不可改市")
    assert CityEvent.objects.exists()

    with pytest.raises(DatabaseError, match="append_only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement.format(table=CityEvent._meta.db_table))

    assert CityEvent.objects.filter(name="不可改市").exists()


def _filed_by(user, reform, make_report):
    # As a request would: the services themselves know nothing of the audit context.
    with audit_context(**user_values(user), process="web", request_id="req-filed-0001"):
        return make_report(user, reform)


def test_the_office_reads_and_filters_the_trail_in_the_admin(client, office, reporter, reform_a, make_report):
    report = _filed_by(reporter, reform_a, make_report)
    client.force_login(office)
    url = reverse("admin:audit_auditevent_changelist")

    response = client.get(url, {"model": "audit.ProgressReportAudited", "action": "insert"})

    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert [(row.pgh_obj_id, row.pgh_label) for row in rows] == [(str(report.pk), "insert")]
    assert "reporter" in response.content.decode()


def test_the_trail_exports_as_csv_with_the_lists_filters(client, office, reporter, reform_a, make_report):
    report = _filed_by(reporter, reform_a, make_report)
    client.force_login(office)

    response = client.get(reverse("admin:audit_auditevent_export"), {"model": "audit.ProgressReportAudited"})

    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert {(row["model"], row["object_id"], row["action"]) for row in rows} == {
        ("audit.ProgressReportAudited", str(report.pk), "insert")
    }
    assert (rows[0]["username"], rows[0]["request_id"]) == ("reporter", "req-filed-0001")


def test_the_trail_is_read_only_and_closed_to_unit_staff(client, office, reporter):
    City.objects.create(code="379904", name="只读市")
    event = AuditEvent.objects.order_by("-pgh_created_at").first()
    client.force_login(office)
    assert client.get(reverse("admin:audit_auditevent_change", args=[event.pk])).status_code == 200
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert client.post(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403

    client.force_login(reporter)
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 403
    assert client.get(reverse("admin:audit_auditevent_export")).status_code == 403


def test_a_new_reports_computed_city_lines_leave_no_event_but_what_the_unit_writes_into_them_does(reporter, unit_a):
    reform = make_reform_for(unit_a, cities=2)
    report = services.report_create(user=reporter, reform=reform, period=ReportingPeriodFactory(batch=reform.batch))
    lines = list(report.city_lines.order_by("city__code"))

    assert len(lines) == 2
    assert ReportEvent.objects.filter(pgh_obj_id=report.pk, pgh_label="insert").count() == 1
    assert not CityLineEvent.objects.filter(pgh_obj_id__in=[line.pk for line in lines]).exists()

    services.report_update(
        report=report,
        user=reporter,
        version=report.version,
        city_lines=[CityLineInput(city=lines[0].city, status=TargetStatus.DONE, note="已出台实施细则")],
    )

    event = CityLineEvent.objects.get(pgh_obj_id=lines[0].pk)
    assert (event.pgh_label, event.status, event.note) == ("update", TargetStatus.DONE, "已出台实施细则")
