"""The reminder service with the real moving parts: PostgreSQL, Redis, a `celery worker` process, `celery beat`
processes, and an SMTP server on 127.0.0.1; faults are real too (SIGKILL, a Redis restart, SMTP refusals).

The sweep runs in the test process for a chosen day of the schedule; the clock it claims by is the worker's real
clock, moved forward with time-machine to stand for the minutes that pass between two beats (the worker renews its
lease with the real clock, so the two must agree). Delivery runs in the worker. Waits poll for the other process's
effect with a bound; they never sleep through the time under test.
"""

import datetime
import os
import signal

import pytest
import redis
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from tracker.reminders import services
from tracker.reminders.choices import ObligationKind, ReminderState, RuleKind, Step
from tracker.reminders.models import Reminder, ReminderSettings

from .conftest import celery_broker
from .processes import RedisServer, wait_until
from .smtp import free_port

D = datetime.date
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

MEMBERS = ["manager@example.org", "other_reporter@example.org", "reporter@example.org"]


def sweep(day: datetime.date, *, minutes_later: int = 0) -> services.SweepResult:
    """The sweep of `day`'s schedule, run now or as if `minutes_later` minutes had passed."""
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=minutes_later)):
        return services.reminders_sweep(today=day)


def states() -> dict[str, int]:
    counts: dict[str, int] = {}
    for state in Reminder.objects.values_list("state", flat=True):
        counts[state] = counts.get(state, 0) + 1
    return counts


def wait_all_sent(total: int, timeout: float = 30) -> None:
    wait_until(
        lambda: Reminder.objects.filter(state=ReminderState.SENT).count() == total, timeout, "every reminder sent"
    )


def duplicates(smtp, addresses) -> int:
    """Mails the SMTP server accepted beyond one per recipient."""
    return sum(max(len(smtp.to(a)) - 1, 0) for a in addresses)


def test_an_obligation_coming_due_is_mailed_once_by_the_worker_to_its_units_members(world, smtp, live):
    live.worker()
    assert sweep(D(2026, 1, 28)).deliveries == []  # 8 days before: nothing yet
    result = sweep(D(2026, 1, 29))
    assert len(result.deliveries) == 3
    wait_all_sent(3)
    assert sorted(a for m in smtp.received for a in m.rcpt_tos) == MEMBERS
    for mail in smtp.received:
        assert mail.subject == "进度报告报送提醒：截至2026年1月29日共1项待报送"
        assert "还有7天到期" in mail.text and "[提醒]" in mail.text
    [mail] = smtp.to("other_reporter@example.org")
    assert world.reform_b.title in mail.text and world.reform_a.title not in mail.text
    assert sweep(D(2026, 1, 29), minutes_later=60).deliveries == []  # later the same day: nothing twice
    assert len(smtp.received) == 3


def test_the_smtp_server_refusing_for_a_while_then_accepting_gives_one_mail_each(world, smtp, live):
    live.worker()
    smtp.handler.temporary_failures = 2
    sweep(D(2026, 1, 29))
    wait_all_sent(3)
    assert smtp.handler.refusals == ["451", "451"]
    assert sorted(a for m in smtp.received for a in m.rcpt_tos) == MEMBERS
    assert sum(Reminder.objects.values_list("attempts", flat=True)) == 5


def test_the_smtp_server_refusing_for_good_marks_the_reminders_failed(world, smtp, live):
    live.worker()
    smtp.handler.refuse_permanently = True
    sweep(D(2026, 1, 29))
    wait_until(lambda: states() == {ReminderState.FAILED: 3}, 30, "the reminders to fail")
    assert smtp.received == []
    assert set(Reminder.objects.values_list("last_error", flat=True)) == {"SMTP 550: 5.7.1 Mailbox unavailable"}


def test_a_pool_process_killed_mid_send_is_redelivered_by_reject_on_worker_lost_and_mails_once(world, smtp, live):
    worker = live.worker()
    smtp.handler.hold = "before_accept"
    sweep(D(2026, 1, 29))
    smtp.wait_until_holding()
    [child] = worker.children()
    smtp.handler.hold = ""
    os.kill(child, signal.SIGKILL)
    smtp.wait_until_dropped()  # the session died with the process: the server delivers nothing of it
    smtp.handler.release.set()
    wait_all_sent(3)  # no sweep needed: the task came back from the broker at once
    assert duplicates(smtp, MEMBERS) == 0
    assert sorted(a for m in smtp.received for a in m.rcpt_tos) == MEMBERS
    assert "WorkerLostError" in worker.output()


def test_the_whole_worker_killed_mid_send_then_restarted_sends_every_reminder_once(world, smtp, live):
    worker = live.worker()
    smtp.handler.hold = "before_accept"
    first = sweep(D(2026, 1, 29))
    smtp.wait_until_holding()
    [held] = smtp.handler.held
    smtp.handler.hold = ""
    worker.kill()
    smtp.wait_until_dropped()
    smtp.handler.release.set()
    live.worker("restarted")
    # The two deliveries still queued go out; the one the killed worker held stays unacknowledged in Redis until the
    # visibility timeout (1 h), its rows `sending` under a lease the next sweep takes over once it has expired.
    wait_all_sent(2)
    assert sweep(D(2026, 1, 29), minutes_later=10).deliveries == []  # lease (12 min) not expired yet
    takeover = sweep(D(2026, 1, 29), minutes_later=15)
    assert len(takeover.deliveries) == 1
    wait_all_sent(3)
    assert duplicates(smtp, MEMBERS) == 0
    assert sorted(a for m in smtp.received for a in m.rcpt_tos) == MEMBERS
    # Should the broker hand the killed task out again after its visibility timeout, it finds its claim gone.
    held_user = get_user_model().objects.get(email=held[0])
    [old] = [d for d in first.deliveries if d.target_id == held_user.pk]
    assert services.reminders_deliver(claim=old.claim, channel=old.channel, target_id=old.target_id) == "nothing"


def test_a_worker_killed_after_the_server_accepted_is_the_one_duplicate_window(world, smtp, live):
    worker = live.worker()
    smtp.handler.hold = "after_accept"
    sweep(D(2026, 1, 29))
    smtp.wait_until_holding()
    [held] = smtp.handler.held
    smtp.handler.hold = ""
    worker.kill()  # the server has the message; the worker dies before it reads the 250 and writes sent_at
    smtp.wait_until_dropped()
    smtp.handler.release.set()
    live.worker("restarted")
    wait_all_sent(2)
    sweep(D(2026, 1, 29), minutes_later=15)
    wait_all_sent(3)
    # Exactly one duplicate, to exactly the recipient whose session was cut: at-least-once in that window, by design
    # (the alternative, marking sent before sending, would lose mails instead). See docs/reminders.md.
    assert duplicates(smtp, MEMBERS) == 1
    assert len(smtp.to(held[0])) == 2


def test_two_beats_sending_sweeps_for_several_rounds_never_send_a_reminder_twice(world, smtp, live):
    # Real beats run on the real clock: a one-off rule due a working day after a date ten days ago is overdue
    # whatever today is, and the office allows sending on days off so a weekend does not stop it.
    ReminderSettings.objects.update_or_create(pk=1, defaults={"send_on_days_off": True})
    rule = world.rule
    rule.kind, rule.due_day, rule.working_days = RuleKind.AFTER_DATE, None, 1
    rule.anchor_date = timezone.localdate() - datetime.timedelta(days=10)
    rule.save()
    worker = live.worker(concurrency=2)
    live.beat("beat-1", every_seconds=0.5)
    live.beat("beat-2", every_seconds=0.5)

    def sweeps() -> int:
        return worker.output().count("Task reminders.sweep[") // 2  # "received" and "succeeded" lines

    wait_until(lambda: sweeps() >= 8, 60, "eight sweeps from the two beats")
    for process in live.processes[1:]:
        process.stop()
    total = Reminder.objects.count()
    assert total >= 3
    wait_all_sent(total)
    recipients = set(Reminder.objects.values_list("recipient__email", flat=True))
    assert duplicates(smtp, recipients) == 0
    assert sorted(a for m in smtp.received for a in m.rcpt_tos) == sorted(recipients)


def test_reminders_queued_when_redis_restarts_are_all_delivered_within_two_sweeps(world, smtp, live, tmp_path):
    server = RedisServer(free_port(), tmp_path / "redis").start()
    try:
        with celery_broker(server.url):
            sweep(D(2026, 1, 29))  # no worker yet: three deliveries wait in the queue
            assert redis.Redis.from_url(server.url).llen("celery") == 3
            server.stop()
            server.start()  # no persistence: the queue is gone, the rows stay claimed
            assert redis.Redis.from_url(server.url).llen("celery") == 0
            live.worker(REDIS_URL=server.url)
            sweeps_needed = 0
            for minutes_later in (15, 30):  # the beat's next two runs
                sweeps_needed += 1
                sweep(D(2026, 1, 29), minutes_later=minutes_later)
                try:
                    wait_all_sent(3, timeout=15)
                    break
                except AssertionError:
                    continue
            assert states() == {ReminderState.SENT: 3}
            assert sweeps_needed <= 2
            assert duplicates(smtp, MEMBERS) == 0
    finally:
        live.stop_all()  # before its Redis goes away, or its shutdown waits for the broker
        server.stop()


def test_two_beats_chase_co_units_and_cities_once_each_and_escalate_to_the_lead_unit(feeding, smtp, live):
    # As above on the real clock: a one-off rule due 5 working days after a date three weeks ago; contributions and
    # city submissions 2 working days before that. All of it is more than 7 days overdue: 督办.
    ReminderSettings.objects.update_or_create(pk=1, defaults={"send_on_days_off": True})
    rule = feeding.rule
    rule.kind, rule.due_day, rule.working_days, rule.contribution_lead_days = RuleKind.AFTER_DATE, None, 5, 2
    rule.anchor_date = timezone.localdate() - datetime.timedelta(days=21)
    rule.save()
    worker = live.worker(concurrency=2)
    live.beat("beat-1", every_seconds=0.5)
    live.beat("beat-2", every_seconds=0.5)
    wait_until(lambda: worker.output().count("Task reminders.sweep[") // 2 >= 8, 60, "eight sweeps from the two beats")
    for process in live.processes[1:]:
        process.stop()
    total = Reminder.objects.count()
    wait_all_sent(total)
    kinds = set(Reminder.objects.values_list("obligation__kind", "step").distinct())
    assert {(ObligationKind.CONTRIBUTION, Step.ESCALATE), (ObligationKind.CITY_SUBMISSION, Step.ESCALATE)} <= kinds
    recipients = set(Reminder.objects.values_list("recipient__email", flat=True))
    assert {"co_clerk@example.org", "city_clerk@example.org", "office@example.org"} <= recipients
    assert duplicates(smtp, recipients) == 0
    assert sorted(a for m in smtp.received for a in m.rcpt_tos) == sorted(recipients)
    [co_mail] = smtp.to("co_clerk@example.org")
    assert co_mail.subject.startswith("配合材料提醒：") and "[督办]" in co_mail.text
    [city_mail] = smtp.to("city_clerk@example.org")
    assert city_mail.subject.startswith("城市推进情况填报提醒：")
    # The lead unit's members hear of what their report waits for, in the same single digest as their report.
    [lead_mail] = smtp.to("reporter@example.org")
    assert lead_mail.subject.startswith("报送提醒：") and "配合材料" in lead_mail.text and "推进情况" in lead_mail.text
