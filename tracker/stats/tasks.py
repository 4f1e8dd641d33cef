"""Celery tasks of the statistics: a thin wrapper around the rollup refresh, which is safe to run twice at once."""

from celery import shared_task

from .services import stats_refresh


@shared_task(name="stats.refresh", ignore_result=True)
def stats_refresh_task(full: bool = False) -> None:
    """Bring the statistics rollup up to date (scheduled every minute by Celery beat)."""
    stats_refresh(full=full)
