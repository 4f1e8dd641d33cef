"""Settings of the Celery worker and beat processes the reminder tests start: the test settings (which read
EMAIL_HOST/EMAIL_PORT of the test's SMTP server from the environment) with a real SMTP backend, a short retry
backoff and an optional fast beat."""

from config.settings.base import env
from config.settings.test import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = "rollout-tracker@example.org"

# Short backoff so a retry happens within the test; production keeps 30 s doubling up to 10 minutes.
REMINDERS_RETRY_BACKOFF_SECONDS = env.float("REMINDERS_RETRY_BACKOFF_SECONDS", default=0.2)

_beat_seconds = env.float("REMINDERS_TEST_BEAT_SECONDS", default=0)
CELERY_BEAT_SCHEDULE = (
    {"reminders-sweep": {"task": "reminders.sweep", "schedule": _beat_seconds}} if _beat_seconds else {}
)
