"""The office's staff upload in the admin (Memberships › Import unit staff): 30 units in one upload, a refused file
listed row by row with nothing written, office only."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from units.choices import MembershipRole
from units.models import Membership
from units.tests.factories import UnitFactory

from .staff_tables import csv_bytes, staff_rows, xlsx_bytes

User = get_user_model()
pytestmark = pytest.mark.django_db
IMPORT = reverse("admin:units_membership_import")


def upload(client, data: bytes, name: str, **extra):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data), **extra})


# Really committed, as in production: the links go out when the import commits, before the page answers.
@pytest.mark.django_db(transaction=True)
def test_thirty_units_are_set_up_in_one_upload(client, office):
    units = [UnitFactory(name=f"省第{i}厅") for i in range(30)]
    client.force_login(office)

    response = upload(client, xlsx_bytes(staff_rows(units)), "名单.xlsx")

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:units_membership_changelist")
    assert Membership.objects.filter(unit__in=units).count() == 60
    assert Membership.objects.filter(unit__in=units, role=MembershipRole.MANAGER).count() == 30
    assert len(mail.outbox) == 60
    page = client.get(response["Location"])
    notices = [str(m) for m in page.context["messages"]]
    assert any("账号：新增 60 条" in n for n in notices)
    assert any("已向 60 个新账号发送设置密码链接" in n for n in notices)

    # The same file again: nothing changes, nobody is mailed, and the page says so.
    again = upload(client, xlsx_bytes(staff_rows(units)), "名单.xlsx")
    notices = [str(m) for m in client.get(again["Location"]).context["messages"]]
    assert any("没有变化" in n for n in notices)
    assert len(mail.outbox) == 60
    assert Membership.objects.filter(unit__in=units).count() == 60


def test_a_refused_upload_lists_each_problem_and_writes_nothing(client, office, unit_a):
    client.force_login(office)
    rows = [
        ["王芳", "wangfang", "wangfang@example.org", "", unit_a.name, "填报人"],
        ["李强", "liqiang", "liqiang@example.org", "", "省不存在厅", "填报人"],
    ]

    response = upload(client, csv_bytes(rows, encoding="gb18030"), "staff.csv")

    assert response.status_code == 400
    html = response.content.decode()
    assert "文件未导入，数据未作任何更改" in html
    assert "第 3 行，“单位”列：未知单位“省不存在厅”" in html
    assert not User.objects.filter(username__in=["wangfang", "liqiang"]).exists()
    assert mail.outbox == []


def test_check_only_reports_and_writes_nothing(client, office, unit_a, django_capture_on_commit_callbacks):
    client.force_login(office)
    rows = [["王芳", "wangfang", "wangfang@example.org", "", unit_a.name, "填报人"]]

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, csv_bytes(rows), "staff.csv", dry_run="on")

    assert response.status_code == 200
    assert any("试运行" in str(m) for m in response.context["messages"])
    assert not User.objects.filter(username="wangfang").exists()
    assert mail.outbox == []


def test_a_file_that_is_not_a_table_is_refused_in_chinese(client, office):
    client.force_login(office)

    response = upload(client, b"PK\x03\x04 broken", "staff.xlsx")

    assert response.status_code == 400
    assert "不是有效的 .xlsx 工作簿" in response.content.decode()


def test_the_office_finds_the_upload_on_the_membership_and_user_lists(client, office):
    client.force_login(office)

    for changelist in ("admin:units_membership_changelist", "admin:auth_user_changelist"):
        assert IMPORT in client.get(reverse(changelist)).content.decode()
    assert client.get(IMPORT).status_code == 200


def test_unit_staff_may_not_import(client, manager):
    client.force_login(manager)

    assert IMPORT not in client.get(reverse("admin:units_membership_changelist")).content.decode()
    assert client.get(IMPORT).status_code == 403
    assert upload(client, csv_bytes([]), "staff.csv").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(IMPORT)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_office_edits_a_persons_phone_on_their_account_page(client, office, reporter):
    client.force_login(office)
    url = reverse("admin:auth_user_change", args=[reporter.pk])
    page = client.get(url)
    assert "staff_profile-0-phone" in page.content.decode()

    response = client.post(
        url,
        {
            "username": reporter.username,
            "email": reporter.email,
            "is_active": "on",
            "is_staff": "on",
            "groups": list(reporter.groups.values_list("pk", flat=True)),
            "staff_profile-TOTAL_FORMS": "1",
            "staff_profile-INITIAL_FORMS": "0",
            "staff_profile-MIN_NUM_FORMS": "0",
            "staff_profile-MAX_NUM_FORMS": "1",
            "staff_profile-0-phone": "0531-8888 6666",
            "staff_profile-0-user": reporter.pk,
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert reporter.staff_profile.phone == "0531-8888 6666"
