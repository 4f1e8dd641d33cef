"""The suite runs against the services production uses; these tests fail when scripts/test did not provide them."""

import os

import pytest
import redis
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.skipif(os.environ.get("TEST_STRICT") != "1", reason="only under scripts/test")


def test_it_runs_on_postgresql(db):
    assert connection.vendor == "postgresql"


def test_it_talks_to_a_live_redis():
    assert settings.CELERY_BROKER_URL.startswith("redis://127.0.0.1:")
    assert redis.Redis.from_url(settings.REDIS_URL).ping() is True
