"""Celery tasks: thin wrappers around the services. They take ids and strings only and are safe to run twice.

acks_late + reject_on_worker_lost: a task whose worker dies is delivered again instead of being lost; running it
again is harmless (the sweep is idempotent, a delivery sends only rows still claimed by its token).
"""

import datetime
import logging

from celery import shared_task

from . import conf, services

logger = logging.getLogger(__name__)


@shared_task(name="reminders.sweep", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def reminders_sweep_task(today: str | None = None) -> dict:
    """Celery beat runs this (see CELERY_BEAT_SCHEDULE); `today` (ISO date) only for operators and tests."""
    result = services.reminders_sweep(today=datetime.date.fromisoformat(today) if today else None)
    summary = {
        "today": result.today.isoformat(),
        "skipped": result.skipped,
        "obligations_created": result.refresh.obligations_created,
        "reminders_recorded": result.reminders_recorded,
        "reminders_claimed": result.reminders_claimed,
        "deliveries": len(result.deliveries),
    }
    logger.info("reminder sweep: %s", summary)
    return summary


@shared_task(
    bind=True,
    name="reminders.deliver",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=None,
)
def reminders_deliver_task(self, claim: str, channel: str, target_id: int) -> str:
    """Deliver one digest; on a temporary error retry with exponential backoff (countdown ≤ 10 minutes, well under
    the broker's visibility timeout), and after the last retry hand the rows back to the next sweep."""
    try:
        return services.reminders_deliver(claim=claim, channel=channel, target_id=target_id)
    except services.TemporaryDeliveryError as exc:
        if self.request.retries >= conf.get("REMINDERS_MAX_RETRIES"):
            services.reminders_release(claim=claim, channel=channel, target_id=target_id)
            logger.warning("reminder delivery gave up for this sweep: %s (%s %s)", exc, channel, target_id)
            return "released"
        raise self.retry(exc=exc, countdown=conf.retry_countdown(self.request.retries)) from exc
