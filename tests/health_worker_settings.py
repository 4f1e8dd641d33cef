"""Settings of the Celery worker and beat that tests/test_health.py starts: the test settings, with the queue in a
Redis database of its own (no other test's tasks reach this worker) and only the heartbeat on beat's schedule."""

from config.settings.base import env
from config.settings.test import *  # noqa: F403
from config.settings.test import CELERY_BEAT_SCHEDULE

CELERY_BROKER_URL = env.str("HEALTH_TEST_BROKER_URL")
CELERY_BEAT_SCHEDULE = {"health-heartbeat": CELERY_BEAT_SCHEDULE["health-heartbeat"]}
