"""The reminder service's tunables: Django settings with these defaults (config/settings/base.py may set them)."""

import datetime

from django.conf import settings

DEFAULTS = {
    # A claimed reminder whose delivery has not finished after this long is taken over by the next sweep (its old
    # task, should it still run, finds the claim gone and sends nothing). Longer than one send can take (SMTP
    # timeout) and than the longest retry countdown; shorter than the beat's 15 minutes, so rows whose task was lost
    # (worker killed, broker restarted) go out with the first or second sweep after the loss.
    "REMINDERS_LEASE_SECONDS": 12 * 60,
    # Retries of one delivery task on temporary errors, with exponential backoff capped below the broker's
    # visibility timeout (a countdown past it would make Redis hand the task to a second worker).
    "REMINDERS_MAX_RETRIES": 5,
    "REMINDERS_RETRY_BACKOFF_SECONDS": 30.0,
    "REMINDERS_RETRY_BACKOFF_MAX_SECONDS": 600.0,
    # Attempts over all sweeps after which a reminder that only ever met temporary errors is marked failed.
    "REMINDERS_MAX_ATTEMPTS": 12,
    "REMINDERS_SMTP_TIMEOUT_SECONDS": 30.0,
    "REMINDERS_WEBHOOK_TIMEOUT_SECONDS": 10.0,
    # Where the digest's link points; empty: no link.
    "SITE_URL": "",
}


def get(name: str):
    return getattr(settings, name, DEFAULTS[name])


def lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=get("REMINDERS_LEASE_SECONDS"))


def retry_countdown(retries: int) -> float:
    """Seconds before retry number `retries` + 1: 30 s, 60 s, 120 s ... never above the cap."""
    return min(get("REMINDERS_RETRY_BACKOFF_SECONDS") * 2**retries, get("REMINDERS_RETRY_BACKOFF_MAX_SECONDS"))
