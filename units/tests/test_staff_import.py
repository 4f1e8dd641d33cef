"""`manage.py staff_import`: accounts and memberships from a staff table, all or nothing, idempotent, and a
set-your-password link for each new account (Django's locmem outbox here; tests/test_onboarding.py uses real SMTP)."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core import mail, serializers
from django.core.management import CommandError, call_command
from django.utils import translation

from core.access import UNIT_STAFF_GROUP
from units.choices import MembershipRole
from units.importing.staff_rows import role_parse
from units.models import Membership, StaffProfile
from units.tests.factories import UnitFactory, make_consumer_user, make_office_user, make_unit_user

from .staff_tables import HEADER, csv_bytes, staff_rows, xlsx_bytes

User = get_user_model()
pytestmark = pytest.mark.django_db


@pytest.fixture
def units(db):
    return [
        UnitFactory(name="省市场监管局", aliases="省市场监督管理局\n市场监管局"),
        UnitFactory(name="青岛海关"),
        UnitFactory(name="济南海关"),
    ]


def write(tmp_path, data: bytes, name: str = "staff.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def run(path, *args, capture=None) -> str:
    out = io.StringIO()
    with translation.override("zh-hans"):
        if capture is None:
            call_command("staff_import", str(path), *args, stdout=out)
        else:
            with capture(execute=True):
                call_command("staff_import", str(path), *args, stdout=out)
    return out.getvalue()


def snapshot() -> str:
    return serializers.serialize(
        "json",
        [
            *User.objects.order_by("pk"),
            *Membership.objects.order_by("pk"),
            *StaffProfile.objects.order_by("pk"),
        ],
    )


ROWS = [
    ["王芳", "wangfang", "wangfang@example.org", "0531-88886666", "市场监管局", "单位管理员"],
    ["李强", "liqiang", "liqiang@example.org", "", "青岛海关", "填报人"],
    # The same person in a second unit: a second row that agrees on the person.
    ["李强", "liqiang", "liqiang@example.org", "", "济南海关", ""],
]


# Really committed, as in production: the links go out when the import commits, and the command says so.
@pytest.mark.django_db(transaction=True)
def test_it_creates_accounts_without_passwords_memberships_and_phones(tmp_path, units):
    output = run(write(tmp_path, csv_bytes(ROWS)))

    wang = User.objects.get(username="wangfang")
    assert (wang.first_name, wang.email, wang.is_staff) == ("王芳", "wangfang@example.org", True)
    assert not wang.has_usable_password()
    assert wang.groups.filter(name=UNIT_STAFF_GROUP).exists()
    assert wang.staff_profile.phone == "0531-88886666"
    # Named by its alias, 市场监管局 is 省市场监管局; an empty role is a reporter.
    assert list(wang.memberships.values_list("unit__name", "role")) == [("省市场监管局", MembershipRole.MANAGER)]
    li = User.objects.get(username="liqiang")
    assert sorted(li.memberships.values_list("unit__name", "role")) == [
        ("济南海关", MembershipRole.REPORTER),
        ("青岛海关", MembershipRole.REPORTER),
    ]
    assert not StaffProfile.objects.filter(user=li).exists()
    assert "账号：新增 2 条" in output and "单位成员：新增 3 条" in output
    assert sorted(m.to[0] for m in mail.outbox) == ["liqiang@example.org", "wangfang@example.org"]
    assert "已向 2 个新账号发送设置密码链接" in output


def test_a_second_run_changes_nothing_sends_nothing_and_says_so(tmp_path, units, django_capture_on_commit_callbacks):
    path = write(tmp_path, csv_bytes(ROWS))
    run(path, capture=django_capture_on_commit_callbacks)
    before, sent = snapshot(), len(mail.outbox)

    output = run(path, capture=django_capture_on_commit_callbacks)

    assert snapshot() == before
    assert len(mail.outbox) == sent
    assert "账号：新增 0 条，更新 0 条，未变 2 条" in output and "单位成员：新增 0 条，更新 0 条，未变 3 条" in output
    assert "没有变化" in output


def test_a_changed_role_or_phone_updates_only_that(tmp_path, units, django_capture_on_commit_callbacks):
    run(write(tmp_path, csv_bytes(ROWS)), capture=django_capture_on_commit_callbacks)
    changed = [list(row) for row in ROWS]
    changed[0][3], changed[1][5] = "13800000000", "单位管理员"

    output = run(write(tmp_path, csv_bytes(changed)), capture=django_capture_on_commit_callbacks)

    assert User.objects.get(username="wangfang").staff_profile.phone == "13800000000"
    assert Membership.objects.get(user__username="liqiang", unit__name="青岛海关").role == MembershipRole.MANAGER
    assert "账号：新增 0 条，更新 1 条，未变 1 条" in output and "单位成员：新增 0 条，更新 1 条，未变 2 条" in output
    assert len(mail.outbox) == 2  # the first run's links only


def test_a_bad_file_is_refused_row_by_row_in_chinese_and_nothing_is_written(tmp_path, units):
    User.objects.create_user("taken", email="taken@example.org")
    before = snapshot()
    rows = [
        ["王芳", "wangfang", "wangfang@example.org", "0531-88886666", "市场监管局", "单位管理员"],
        ["", "bad name!", "not-an-address", "电话", "省不存在厅", "局长"],
        ["赵六", "zhaoliu", "taken@example.org", "", "青岛海关", "填报人"],
        ["王芳", "wangfang", "other@example.org", "0531-88886666", "市场监管局", "填报人"],
    ]

    with pytest.raises(CommandError) as refused:
        run(write(tmp_path, csv_bytes(rows)))

    report = str(refused.value)
    assert "文件未导入，数据未作任何更改" in report
    assert "第 3 行，“姓名”列：姓名为空" in report
    assert "第 3 行，“用户名”列" in report
    assert "第 3 行，“电子邮箱”列" in report
    assert "第 3 行，“电话 (联系电话)”列" in report
    assert "第 3 行，“单位”列：未知单位“省不存在厅”" in report
    assert "第 3 行，“角色”列：未知角色“局长”" in report
    assert "第 5 行，“单位”列：“wangfang”已在第 2 行列入省市场监管局" in report
    assert "第 5 行，“电子邮箱”列：与第 2 行不一致" in report
    assert snapshot() == before
    assert mail.outbox == []


def test_accounts_of_other_roles_and_taken_addresses_are_refused(tmp_path, units):
    make_office_user(username="office")
    make_consumer_user(username="api")
    User.objects.create_user("taken", email="Taken@Example.org")
    before = snapshot()
    rows = [
        ["省推广办", "office", "office@example.org", "", "青岛海关", ""],
        ["接口", "api", "api@example.org", "", "青岛海关", ""],
        ["赵六", "zhaoliu", "taken@example.org", "", "青岛海关", ""],
    ]

    with pytest.raises(CommandError) as refused:
        run(write(tmp_path, csv_bytes(rows)))

    report = str(refused.value)
    assert "第 2 行，“用户名”列：“office”是省推广办、管理员或数据接口账号" in report
    assert "第 3 行，“用户名”列：“api”是省推广办、管理员或数据接口账号" in report
    assert "第 4 行，“电子邮箱”列：该电子邮箱属于另一个账号“taken”" in report
    assert snapshot() == before


def test_existing_unit_staff_are_updated_not_duplicated(tmp_path, units, django_capture_on_commit_callbacks):
    existing = make_unit_user(units[1], username="liqiang", first_name="李 强", email="old@example.org")

    run(write(tmp_path, csv_bytes(ROWS)), capture=django_capture_on_commit_callbacks)

    existing.refresh_from_db()
    assert (existing.first_name, existing.last_name, existing.email) == ("李强", "", "liqiang@example.org")
    assert existing.has_usable_password()  # an existing account keeps its password and gets no link
    assert [m.to for m in mail.outbox] == [["wangfang@example.org"]]


def test_gb18030_csv_and_xlsx_with_a_title_line_import_alike(tmp_path, units):
    rows = staff_rows(units)
    run(write(tmp_path, csv_bytes(rows, encoding="gb18030")))
    from_csv = snapshot()

    output = run(write(tmp_path, xlsx_bytes(rows), "staff.xlsx"))

    assert snapshot() == from_csv
    assert Membership.objects.count() == 6
    assert "没有变化" in output


def test_a_dry_run_writes_and_sends_nothing(tmp_path, units, django_capture_on_commit_callbacks):
    before = snapshot()

    output = run(write(tmp_path, csv_bytes(ROWS)), "--dry-run", capture=django_capture_on_commit_callbacks)

    assert "账号：新增 2 条" in output and "试运行" in output
    assert snapshot() == before
    assert mail.outbox == []


def test_a_missing_column_is_named(tmp_path, units):
    with pytest.raises(CommandError, match="缺少必需的列：电子邮箱"):
        run(write(tmp_path, csv_bytes([r[:2] + r[3:] for r in ROWS], header=HEADER[:2] + HEADER[3:])))


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("填报人", "reporter"),
        ("单位管理员", "manager"),
        ("Unit manager", "manager"),
        ("reporter", "reporter"),
        ("", "reporter"),
    ],
)
def test_roles_are_read_in_both_languages(text, role):
    assert role_parse(text) == role
