"""Celery tasks of the tracker: thin wrappers around services that are safe to run twice."""

import logging

from celery import shared_task

from .services import attachment_orphans_purge

logger = logging.getLogger(__name__)


@shared_task(name="attachments.purge", ignore_result=True)
def attachments_purge_task() -> None:
    """Remove evidence files left by uploads that never committed (scheduled nightly by Celery beat)."""
    sweep = attachment_orphans_purge()
    logger.info("orphaned attachment files: %d removed", len(sweep.removed), extra={"files": sweep.removed})
