"""Enqueueing after commit with the broker down (a real redis-server, stopped): the sweep and the office's 立即催办
record their reminders, answer without an error, and the next sweep after the lease sends them once it is back."""

import datetime
import os

import pytest
import redis
import time_machine
from django.urls import reverse

from tracker.reminders.choices import ReminderState
from tracker.reminders.models import Obligation, Reminder

from .conftest import celery_broker, local_time
from .processes import RedisServer
from .smtp import free_port

D = datetime.date


@pytest.fixture
def stopped_redis(transactional_db, tmp_path):
    """A private redis-server that is started and then stopped: its port refuses connections.

    transactional_db: on_commit callbacks (the enqueueing under test) run only when a real transaction commits.
    """
    port = int(os.environ.get("TEST_BROKER_OUTAGE_PORT") or free_port())
    server = RedisServer(port, tmp_path / "redis").start()
    server.stop()
    yield server
    server.stop()


def test_a_sweep_while_redis_is_down_records_and_the_next_sweep_sends_once_it_is_back(world, stopped_redis):
    with celery_broker(stopped_redis.url):
        with time_machine.travel(local_time(D(2026, 1, 29), 8), tick=False):
            from tracker.reminders import services

            result = services.reminders_sweep()
        # Nothing raised: the deliveries were logged as not queued, the rows stay claimed.
        assert result.deliveries
        assert set(Reminder.objects.values_list("state", flat=True)) == {ReminderState.SENDING}

        stopped_redis.start()
        # The beat's sweep after the 12-minute lease: it claims the rows again and the broker takes the deliveries.
        with time_machine.travel(local_time(D(2026, 1, 29), 8, 15), tick=False):
            again = services.reminders_sweep()
        assert again.reminders_claimed == Reminder.objects.count()
        assert redis.Redis(port=stopped_redis.port).llen("celery") == len(again.deliveries)


def test_remind_now_while_redis_is_down_says_so_in_chinese_instead_of_a_500(world, stopped_redis, client, office):
    with time_machine.travel(local_time(D(2026, 2, 2), 8), tick=False):
        from tracker.reminders import services

        with celery_broker(stopped_redis.url):
            services.reminders_sweep()
    obligation = Obligation.objects.get(reform=world.reform_a, period__code="2026-01")
    client.force_login(office)

    with celery_broker(stopped_redis.url), time_machine.travel(local_time(D(2026, 2, 3), 10), tick=False):
        response = client.post(
            reverse("admin:reminders_obligation_changelist"),
            {"action": "remind_now", "_selected_action": [obligation.pk]},
            follow=True,
        )

    assert response.status_code == 200
    page = response.content.decode()
    assert "已向1项报送任务的责任单位发出催办。" in page
    assert "消息队列暂时不可用" in page
    assert Reminder.objects.filter(manual=True, occurs_on=D(2026, 2, 3)).exists()
