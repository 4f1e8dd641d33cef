"""Day one for a new account, end to end: the office imports the staff table, the link arrives by real SMTP on
loopback, the person sets a password through it and signs in; and a read-only API consumer opens the dashboard."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.http import urlsafe_base64_encode

from tracker.reminders.tests.smtp import SMTPServer, free_port
from units.invitations import set_password_url
from units.tests.factories import UnitFactory

User = get_user_model()
pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Lu-quan-2026-spring"


@pytest.fixture
def smtp(settings):
    server = SMTPServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 10
    settings.DEFAULT_FROM_EMAIL = "rollout-tracker@example.org"
    settings.SITE_URL = "https://tracker.example.org/admin/"
    yield server
    server.stop()


@pytest.fixture
def imported(tmp_path, smtp, django_capture_on_commit_callbacks):
    UnitFactory(name="省商务厅")
    table = tmp_path / "staff.csv"
    table.write_text("姓名,用户名,电子邮箱,单位,角色\n张敏,zhangmin,zhangmin@example.org,省商务厅,填报人\n", "utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("staff_import", str(table))
    smtp.wait_for(lambda: smtp.to("zhangmin@example.org"), what="the set-password link")
    return smtp.to("zhangmin@example.org")[0]


def link_in(text: str) -> str:
    return re.search(r"https://tracker\.example\.org(/account/set-password/[^\s\"<]+/)", text).group(1)


def test_the_link_arrives_in_chinese_by_smtp(imported):
    assert imported.subject == "【制度创新成果复制推广跟踪】请设置登录密码"
    assert imported.mail_from == "rollout-tracker@example.org"
    text = imported.text
    assert "张敏" in text and "省商务厅" in text and "您的用户名：zhangmin" in text
    assert "链接只能使用一次，有效期 7 天" in text
    assert link_in(imported.html) == link_in(text)


def test_following_the_link_sets_the_password_and_the_person_signs_in(client, imported):
    path = link_in(imported.text)

    # Django moves the token out of the address into the session before showing the form.
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    assert "设置登录密码" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )

    assert done.redirect_chain[-1][0] == reverse("account:set-password-done")
    assert "密码已设置" in done.content.decode()
    assert User.objects.get(username="zhangmin").check_password(NEW_PASSWORD)
    signed_in = client.post(reverse("account:login"), {"username": "zhangmin", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
    assert signed_in["Location"] == reverse("admin:index")  # unit staff work in the admin
    assert client.get(reverse("admin:index")).status_code == 200
    # The link is spent: the token hashed the old (unusable) password.
    client.logout()
    again = client.get(path, follow=True)
    assert "此链接已失效" in again.content.decode()


def test_a_weak_password_is_refused_in_chinese(client, imported):
    form_page = client.get(link_in(imported.text), follow=True)

    response = client.post(form_page.redirect_chain[-1][0], {"new_password1": "12345678", "new_password2": "12345678"})

    assert response.status_code == 200
    assert "这个密码太常见了" in response.content.decode()
    assert not User.objects.get(username="zhangmin").has_usable_password()


def test_a_forged_or_stale_link_is_refused(client, db):
    user = User.objects.create_user("lisi", email="lisi@example.org")
    good = set_password_url(user)
    user.set_password("Another-2026-pass")
    user.save()  # a changed password spends every link made before it

    for path in (
        re.sub(r"^https?://[^/]+", "", good),
        reverse("account:set-password", args=[urlsafe_base64_encode(b"999999"), "abc-def"]),
    ):
        response = client.get(path, follow=True)
        assert response.status_code == 200
        assert "此链接已失效" in response.content.decode()


def test_the_link_uses_the_host_of_site_url(settings, db):
    settings.SITE_URL = "https://tuiguang.example.gov.cn/admin/"
    user = User.objects.create_user("wangwu", email="wangwu@example.org")

    assert set_password_url(user).startswith("https://tuiguang.example.gov.cn/account/set-password/")


# --- the consumer and the dashboard ---


def test_a_consumer_signs_in_and_opens_the_dashboard_read_only(client, consumer):
    # Not staff: the admin's own sign-in turns the consumer away.
    refused = client.post(reverse("admin:login"), {"username": "consumer", "password": "pass-1234-word"})
    assert refused.status_code == 200 and not refused.wsgi_request.user.is_authenticated

    # Sent from the dashboard to the sign-in page for every role, and back.
    to_sign_in = client.get(reverse("stats:dashboard"))
    assert to_sign_in["Location"] == f"{reverse('account:login')}?next={reverse('stats:dashboard')}"
    signed_in = client.post(to_sign_in["Location"], {"username": "consumer", "password": "pass-1234-word"}, follow=True)

    assert signed_in.redirect_chain[-1] == (reverse("stats:dashboard"), 302)
    assert signed_in.status_code == 200
    # Read-only: the page has no form that writes (its filter form is a GET) and refuses writes.
    post_forms = re.findall(r'<form[^>]*method="post"[^>]*>', signed_in.content.decode(), re.I)
    assert all(f'action="{reverse("set_language")}"' in form for form in post_forms), post_forms
    assert client.post(reverse("stats:dashboard")).status_code == 405
    # And the admin stays closed to it.
    assert client.get(reverse("admin:index")).status_code == 302


def test_without_next_a_consumer_lands_on_the_dashboard(client, consumer):
    response = client.post(reverse("account:login"), {"username": "consumer", "password": "pass-1234-word"})

    assert response["Location"] == reverse("stats:dashboard")


def test_the_sign_in_page_is_chinese_and_refuses_a_wrong_password(client, consumer):
    response = client.post(reverse("account:login"), {"username": "consumer", "password": "wrong"})

    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


# --- when mail fails ---


def import_two(tmp_path) -> str:
    UnitFactory(name="省商务厅")
    table = tmp_path / "staff.csv"
    rows = [
        "姓名,用户名,电子邮箱,单位",
        "张敏,zhangmin,zhangmin@example.org,省商务厅",
        "李娜,lina,lina@example.org,省商务厅",
    ]
    table.write_text("\n".join(rows) + "\n", "utf-8")
    with pytest.raises(CommandError) as failed:
        call_command("staff_import", str(table), stdout=io.StringIO())
    return str(failed.value)


# Really committed: the links are sent after commit, and the command reports on them before it exits.
@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_is_down_leaves_the_accounts_and_names_who_got_no_link(tmp_path, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 5  # nobody listens

    message = import_two(tmp_path)

    assert "lina, zhangmin" in message
    assert set(User.objects.filter(username__in=["zhangmin", "lina"]).values_list("username", flat=True)) == {
        "zhangmin",
        "lina",
    }


@pytest.mark.django_db(transaction=True)
def test_a_refused_address_does_not_stop_the_others(tmp_path, smtp):
    smtp.handler.temporary_failures = 1  # the first message (lina, in user-name order) is refused with 451

    message = import_two(tmp_path)

    assert message.endswith("lina")
    assert [m.rcpt_tos for m in smtp.received] == [["zhangmin@example.org"]]


def test_the_office_resends_a_link_from_the_user_list(client, office, smtp):
    person = User.objects.create_user("wangwu", email="wangwu@example.org", first_name="王五")
    root = User.objects.create_superuser("root", "root@example.org", "pw-123456-root")
    client.force_login(office)

    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "send_set_password_link", "_selected_action": [person.pk, root.pk]},
        follow=True,
    )

    notices = [str(m) for m in response.context["messages"]]
    assert "已向 1 个账号发送链接。" in notices
    smtp.wait_for(lambda: smtp.to("wangwu@example.org"), what="the resent link")
    assert not smtp.to("root@example.org")  # the office does not see administrators, let alone mail them links
    path = link_in(smtp.to("wangwu@example.org")[0].text)
    assert client.get(path, follow=True).status_code == 200
