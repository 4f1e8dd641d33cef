"""Fixtures of the reminder tests.

- `world`: a batch reporting monthly by the 5th (remind 7/3/1 days before and on the day, urge every 3 days,
  escalate after 7), reform_a for unit_a (members: reporter, manager) and reform_b for unit_b (other_reporter);
  the office persona receives escalations.
- `feeding`: the world plus, on reform_a, a co-unit (member co_clerk) and two target cities, one exempted, the other
  with a member (city_clerk): what contributions and city submissions are owed by (issue 12).
- `sweep_on(day)`: the sweep as Celery beat would run it at 08:00 Shanghai time on `day` (time-machine).
- `smtp`: a real SMTP server on 127.0.0.1, and Django's SMTP backend pointed at it.
- `live`: what the tests of real processes need (PostgreSQL, Redis), a Redis database of their own for the queue
  (the in-process producer switched to it), and `live.worker()` / `live.beat()` to start real Celery processes
  against the test database; they are stopped (or killed) at teardown.
"""

import datetime
import os
import zoneinfo
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection

from reforms.choices import ResponsibilityRole, TargetStatus
from reforms.tests.factories import BatchFactory, ResponsibilityFactory, RolloutTargetFactory
from tracker.cities.services import members as city_members
from tracker.reminders import services
from tracker.tests.factories import make_reform_for, new_city
from units.choices import MembershipRole
from units.tests.factories import UnitFactory, UserFactory, make_unit_user

from .factories import ReportingRuleFactory
from .processes import beat, worker
from .smtp import SMTPServer

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# The queue of these tests lives in its own Redis database: no other test's tasks reach their worker.
TEST_REDIS_DB = 11


def local_time(day: datetime.date, hour: int = 8, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _mail_settings(settings):
    settings.DEFAULT_FROM_EMAIL = "rollout-tracker@example.org"
    settings.SITE_URL = "https://tracker.example.org/admin/"


@pytest.fixture
def world(db, unit_a, unit_b, reporter, manager, other_reporter, office):
    batch = BatchFactory(code="sdftz-rem", issued_on=datetime.date(2026, 1, 1), default_deadline=None)
    rule = ReportingRuleFactory(batch=batch)
    # No target cities: the reports' own tests stay among reports (city submissions: `feeding` below).
    reform_a = make_reform_for(unit_a, batch=batch, cities=0)
    reform_b = make_reform_for(unit_b, batch=batch, cities=0)
    return SimpleNamespace(
        batch=batch,
        rule=rule,
        reform_a=reform_a,
        reform_b=reform_b,
        unit_a=unit_a,
        unit_b=unit_b,
        reporter=reporter,
        manager=manager,
        other_reporter=other_reporter,
        office=office,
    )


@pytest.fixture
def feeding(world):
    """reform_a (lead: unit_a) gets a co-unit with one member and two target cities, one exempted by the office;
    the other city has one member."""
    co_unit = UnitFactory(name="省测试配合厅")
    ResponsibilityFactory(reform=world.reform_a, unit=co_unit, role=ResponsibilityRole.CO, position=1)
    co_clerk = make_unit_user(co_unit, username="co_clerk")
    city = new_city()
    target = RolloutTargetFactory(reform=world.reform_a, city=city)
    RolloutTargetFactory(
        reform=world.reform_a, city=new_city(), status=TargetStatus.NOT_APPLICABLE, not_applicable_reason="无口岸"
    )
    city_clerk = UserFactory(username="city_clerk")
    city_members.city_member_add(user=city_clerk, city=city, role=MembershipRole.REPORTER)
    world.co_unit, world.co_clerk, world.city, world.target, world.city_clerk = (
        co_unit,
        co_clerk,
        city,
        target,
        city_clerk,
    )
    return world


@pytest.fixture
def sweep_on():
    def sweep(day: datetime.date, *, hour: int = 8, minute: int = 0) -> services.SweepResult:
        with time_machine.travel(local_time(day, hour, minute), tick=False):
            return services.reminders_sweep()

    return sweep


@pytest.fixture
def smtp(settings):
    server = SMTPServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_TIMEOUT = 10
    yield server
    server.stop()


@contextmanager
def celery_broker(url: str):
    """Point this process's Celery producer at `url` (the worker under test listens there), then back."""
    from config.celery import app

    def reset_pools() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    previous = app.conf.broker_url
    app.conf.broker_url = url
    reset_pools()
    try:
        yield
    finally:
        app.conf.broker_url = previous
        reset_pools()


class Live:
    """Real processes for one test; everything started here is stopped at teardown."""

    def __init__(self, *, broker_url: str, tmp_path, smtp: SMTPServer | None) -> None:
        self.broker_url, self.tmp_path, self.smtp = broker_url, tmp_path, smtp
        self.processes = []

    def env(self, **extra: str) -> dict[str, str]:
        db = connection.settings_dict
        database_url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tracker.reminders.tests.worker_settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": self.broker_url,
            "TEST_STRICT": "",
        }
        if self.smtp is not None:
            env.update(EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(self.smtp.port))
        env.update(extra)
        return env

    def worker(self, name: str = "worker", *, concurrency: int = 1, **env: str):
        process = worker(env=self.env(**env), log=self.tmp_path / f"{name}.log", concurrency=concurrency)
        self.processes.append(process)
        return process.start()

    def beat(self, name: str, *, every_seconds: float, **env: str):
        process = beat(
            env=self.env(REMINDERS_TEST_BEAT_SECONDS=str(every_seconds), **env),
            log=self.tmp_path / f"{name}.log",
            schedule=self.tmp_path / f"{name}-schedule",
        )
        self.processes.append(process)
        return process.start()

    def stop_all(self) -> None:
        # SIGKILL: a warm shutdown costs seconds per test, and the tests are over (late acks make it harmless).
        for process in reversed(self.processes):
            process.kill()


def broker_url_for_tests() -> str:
    base = os.environ.get("REDIS_URL") or getattr(django_settings, "REDIS_URL", "")
    if not base:
        if os.environ.get("TEST_STRICT") or os.environ.get("CI"):
            pytest.fail("This test needs Redis: run it through scripts/test (or set REDIS_URL).")
        pytest.skip("needs Redis (scripts/test provides it)")
    return base.rsplit("/", 1)[0] + f"/{TEST_REDIS_DB}"


@pytest.fixture
def live(transactional_db, postgresql, tmp_path, request):
    import redis

    url = broker_url_for_tests()
    redis.Redis.from_url(url).flushdb()
    smtp_server = request.getfixturevalue("smtp") if "smtp" in request.fixturenames else None
    live = Live(broker_url=url, tmp_path=tmp_path, smtp=smtp_server)
    with celery_broker(url):
        yield live
        live.stop_all()
