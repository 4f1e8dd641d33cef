"""Delivery in-process, against a real SMTP server on 127.0.0.1 (aiosmtpd): the digest, and what each SMTP answer
does to the reminders."""

import datetime
import re

import pytest

from reforms.tests.factories import BatchFactory
from tracker import services as tracker_services
from tracker.models import ReportingPeriod
from tracker.reminders import services, tasks
from tracker.reminders.choices import Channel, ReminderState
from tracker.reminders.models import Reminder

from .factories import ReportingRuleFactory, make_reform_for
from .smtp import free_port

D = datetime.date


def delivery_to(result, user) -> services.Delivery:
    [delivery] = [d for d in result.deliveries if d.channel == Channel.EMAIL and d.target_id == user.pk]
    return delivery


def deliver(delivery: services.Delivery) -> str:
    return services.reminders_deliver(claim=delivery.claim, channel=delivery.channel, target_id=delivery.target_id)


@pytest.fixture
def three_deadlines(world, unit_a):
    """For unit_a on Thursday 5 February 2026: one report 3 days overdue, one due today, one due tomorrow."""
    overdue = make_reform_for(
        unit_a, batch=BatchFactory(code="due-2nd", issued_on=D(2026, 1, 1), default_deadline=None)
    )
    ReportingRuleFactory(batch=overdue.batch, due_day=2)
    soon = make_reform_for(unit_a, batch=BatchFactory(code="due-6th", issued_on=D(2026, 1, 1), default_deadline=None))
    ReportingRuleFactory(batch=soon.batch, due_day=6)
    return {"overdue": overdue, "today": world.reform_a, "soon": soon}


def test_the_chinese_subject_starts_on_the_subject_line_and_unfolds_to_itself(world, three_deadlines, sweep_on, smtp):
    result = sweep_on(D(2026, 2, 5))
    deliver(delivery_to(result, world.reporter))
    [mail] = smtp.received
    headers = mail.raw.split(b"\r\n\r\n", 1)[0].replace(b"\r\n", b"\n").decode("ascii")

    subject = re.search(r"^Subject:(.*(?:\n[ \t].*)*)", headers, re.MULTILINE).group(1)
    # Not "Subject: " and an empty line with the text on the next one (Django's own folding).
    assert subject.split("\n")[0].strip().startswith("=?utf-8?")
    assert all(len(line) <= 78 for line in headers.split("\n"))
    # Unfolded and decoded, exactly the subject: no stray space or line break.
    assert str(mail.message["Subject"]) == "进度报告报送提醒：截至2026年2月5日共3项待报送"
    assert re.search(r"^From: =\?utf-8\?b\?[^\n]*\?=\n? <rollout-tracker@example.org>$", headers, re.MULTILINE)


def test_the_digest_arrives_once_in_chinese_with_plain_text_and_html(world, three_deadlines, sweep_on, smtp):
    result = sweep_on(D(2026, 2, 5))
    assert deliver(delivery_to(result, world.reporter)) == "sent"
    [mail] = smtp.received
    assert mail.rcpt_tos == ["reporter@example.org"]
    assert mail.mail_from == "rollout-tracker@example.org"
    assert mail.subject == "进度报告报送提醒：截至2026年2月5日共3项待报送"
    assert mail.message["From"].addresses[0].display_name == "山东自贸试验区复制推广跟踪"
    assert mail.message["From"].addresses[0].addr_spec == "rollout-tracker@example.org"
    text = mail.text
    assert "reporter，您好：" in text
    assert "截至2026年2月5日，以下推广进度报告尚未报送：" in text
    overdue, today, soon = text.index("已逾期（1项）"), text.index("今天到期（1项）"), text.index("即将到期（1项）")
    assert overdue < today < soon
    reform = three_deadlines["overdue"]
    assert f"[催办] {reform.code} {reform.title}" in text
    assert "省测试甲厅，2026年1月，截止日期2026年2月2日，已逾期3天" in text
    assert "截止日期2026年2月5日，今天到期" in text
    assert "截止日期2026年2月6日，还有1天到期" in text
    assert "https://tracker.example.org/admin/" in text
    html = mail.html
    assert "<table" in html and "已逾期3天" in html and three_deadlines["soon"].title in html
    rows = Reminder.objects.filter(recipient=world.reporter)
    assert {(r.state, r.attempts) for r in rows} == {(ReminderState.SENT, 1)}
    assert all(r.sent_at is not None for r in rows)


def test_delivering_the_same_claim_twice_sends_one_mail(world, sweep_on, smtp):
    delivery = delivery_to(sweep_on(D(2026, 1, 29)), world.manager)
    assert deliver(delivery) == "sent"
    assert deliver(delivery) == "nothing"
    assert len(smtp.to("manager@example.org")) == 1


def test_a_temporary_refusal_is_retried_and_then_one_mail_arrives(world, sweep_on, smtp):
    delivery = delivery_to(sweep_on(D(2026, 1, 29)), world.reporter)
    smtp.handler.temporary_failures = 1
    with pytest.raises(services.TemporaryDeliveryError, match="451"):
        deliver(delivery)
    row = Reminder.objects.get(recipient=world.reporter)
    assert (row.state, row.attempts, row.sent_at) == (ReminderState.SENDING, 1, None)
    assert "SMTP 451" in row.last_error
    assert deliver(delivery) == "sent"
    assert len(smtp.received) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == (ReminderState.SENT, 2, "")


def test_a_permanent_refusal_marks_the_reminders_failed(world, sweep_on, smtp):
    delivery = delivery_to(sweep_on(D(2026, 1, 29)), world.reporter)
    smtp.handler.refuse_permanently = True
    assert deliver(delivery) == "failed"
    row = Reminder.objects.get(recipient=world.reporter)
    assert (row.state, row.sent_at) == (ReminderState.FAILED, None)
    assert row.last_error.startswith("SMTP 550")
    assert smtp.received == []


def test_a_mail_server_that_is_down_is_a_temporary_error(world, sweep_on, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens there
    delivery = delivery_to(sweep_on(D(2026, 1, 29)), world.reporter)
    with pytest.raises(services.TemporaryDeliveryError, match="ConnectionRefusedError"):
        deliver(delivery)


def test_a_report_submitted_after_the_sweep_cancels_its_reminder(world, sweep_on, smtp):
    delivery = delivery_to(sweep_on(D(2026, 2, 2)), world.reporter)
    period = ReportingPeriod.objects.get(batch=world.batch, code="2026-01")
    report = tracker_services.report_create(
        user=world.reporter, reform=world.reform_a, period=period, data={"work_done": "已印发实施方案"}
    )
    tracker_services.report_submit(report=report, user=world.reporter)
    assert deliver(delivery) == "nothing"
    assert smtp.received == []
    assert Reminder.objects.get(recipient=world.reporter).state == ReminderState.CANCELLED


def test_after_the_last_retry_the_rows_go_back_to_the_next_sweep_until_out_of_attempts(world, sweep_on, settings):
    settings.REMINDERS_MAX_ATTEMPTS = 2
    delivery = delivery_to(sweep_on(D(2026, 1, 29)), world.reporter)
    row = Reminder.objects.get(recipient=world.reporter)
    Reminder.objects.filter(pk=row.pk).update(attempts=1)
    services.reminders_release(claim=delivery.claim, channel=delivery.channel, target_id=delivery.target_id)
    row.refresh_from_db()
    assert (row.state, row.claim) == (ReminderState.PENDING, None)
    again = delivery_to(sweep_on(D(2026, 1, 29), hour=9), world.reporter)
    Reminder.objects.filter(pk=row.pk).update(attempts=2)
    services.reminders_release(claim=again.claim, channel=again.channel, target_id=again.target_id)
    row.refresh_from_db()
    assert row.state == ReminderState.FAILED


def test_the_retry_countdown_doubles_and_stays_under_ten_minutes():
    from tracker.reminders import conf

    assert [conf.retry_countdown(n) for n in range(6)] == [30, 60, 120, 240, 480, 600]


def test_the_delivery_task_retries_temporary_refusals_and_releases_the_rows_after_its_last_retry(
    world, sweep_on, smtp, settings
):
    # Executed eagerly (apply), Celery runs each retry at once instead of after its countdown.
    settings.REMINDERS_MAX_RETRIES = 2
    result = sweep_on(D(2026, 1, 29))
    first, second = delivery_to(result, world.reporter), delivery_to(result, world.manager)
    smtp.handler.temporary_failures = 1
    assert tasks.reminders_deliver_task.apply(args=(first.claim, first.channel, first.target_id)).get() == "sent"
    assert len(smtp.to("reporter@example.org")) == 1
    smtp.handler.temporary_failures = 10
    assert tasks.reminders_deliver_task.apply(args=(second.claim, second.channel, second.target_id)).get() == "released"
    row = Reminder.objects.get(recipient=world.manager)
    assert (row.state, row.attempts, row.claim) == (ReminderState.PENDING, 3, None)
    assert smtp.to("manager@example.org") == []
