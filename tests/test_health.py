"""/health/: database, Redis and a worker's heartbeat, answered without sign-in over plain HTTP; 200 or 503.

The worker and beat are real processes (the heartbeat goes through Redis, beat's schedule and a worker); Redis
unreachable is a closed port on 127.0.0.1.
"""

import os
import time

import pytest
import redis
from django.conf import settings as django_settings

from config.health import HEARTBEAT_KEY
from tracker.reminders.tests.processes import beat, wait_until, worker
from tracker.reminders.tests.smtp import free_port  # a loopback port nothing listens on

pytestmark = pytest.mark.django_db
# The queue of these tests' worker lives in its own Redis database.
BROKER_DB = 12


def get_health(client, **extra):
    response = client.get("/health/", **extra)
    return response.status_code, response.json()


def test_without_a_heartbeat_it_answers_503_naming_the_worker(client):
    status, body = get_health(client)

    assert status == 503
    assert body["status"] == "error"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["redis"] == {"ok": True}
    assert body["checks"]["worker"] == {"ok": False, "error": "尚无任务进程应答。"}


def test_a_recent_heartbeat_makes_it_200_and_a_stale_one_503(client, settings):
    from django.core.cache import cache

    settings.HEALTH_HEARTBEAT_MAX_AGE = 60
    cache.set(HEARTBEAT_KEY, time.time() - 5)
    status, body = get_health(client)
    assert status == 200 and body["status"] == "ok"
    assert 4 <= body["checks"]["worker"]["seconds_since_heartbeat"] <= 7

    cache.set(HEARTBEAT_KEY, time.time() - 61)
    status, body = get_health(client)
    assert status == 503
    assert body["checks"]["worker"]["error"] == "近期没有任务进程应答。"


def test_redis_unreachable_answers_503_with_the_database_still_ok(client, settings):
    url = f"redis://127.0.0.1:{free_port()}/0"
    settings.REDIS_URL = url
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}

    status, body = get_health(client)

    assert status == 503
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["redis"] == {"ok": False, "error": "无法连接 Redis。", "detail": "ConnectionError"}
    assert body["checks"]["worker"]["ok"] is False


def test_it_needs_no_sign_in_no_tls_and_no_known_host(client, settings):
    # As in production: HTTPS enforced and one public host name; the probe comes over HTTP to the container's IP.
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["rollout.example.gov.cn"]

    status, _ = get_health(client, HTTP_HOST="10.88.0.7:8000")
    other = client.get("/admin/", HTTP_HOST="rollout.example.gov.cn")

    assert status == 503  # answered (no heartbeat here), neither redirected nor refused for its host
    assert other.status_code == 301 and other["Location"].startswith("https://")


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_driven_by_beat_turns_it_200_and_its_death_turns_it_503(client, settings, tmp_path):
    base = os.environ.get("REDIS_URL") or django_settings.REDIS_URL
    if not base:
        pytest.fail("This test needs Redis: run it through scripts/test (or set REDIS_URL).")
    broker = base.rsplit("/", 1)[0] + f"/{BROKER_DB}"
    redis.Redis.from_url(broker).flushdb()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.health_worker_settings",
        "REDIS_URL": base,  # the cache the heartbeat is stamped in: the one this process reads
        "HEALTH_TEST_BROKER_URL": broker,
        "HEALTH_HEARTBEAT_SECONDS": "1",
        "TEST_STRICT": "",
    }
    settings.HEALTH_HEARTBEAT_MAX_AGE = 3
    assert get_health(client)[0] == 503

    processes = [worker(env=env, log=tmp_path / "worker.log").start()]
    try:
        processes.append(beat(env=env, log=tmp_path / "beat.log", schedule=tmp_path / "schedule").start())
        wait_until(lambda: get_health(client)[0] == 200, 30, "/health/ to answer 200")
        assert get_health(client)[1]["checks"]["worker"]["ok"] is True

        processes[0].kill()
        wait_until(lambda: get_health(client)[0] == 503, 30, "/health/ to notice the worker is gone")
        assert get_health(client)[1]["checks"]["worker"]["error"] == "近期没有任务进程应答。"
    finally:
        for process in processes:
            process.kill()
