"""The generation of cached statistics answers: bumped when a report changes between two rollup refreshes.

Answers are cached per rollup version (tracker/stats/api/views.py); a report submitted, returned or approved
rewrites its rollup rows at once (stats_report_sync) without touching the version, so its commit bumps this counter
instead, and every older answer becomes unreachable. A counter in the cache, not a column: report transitions of
different units must not queue on one row.
"""

import logging

from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "stats-answers-generation"
logger = logging.getLogger(__name__)


def answers_generation() -> int:
    return cache.get(GENERATION_KEY, 0)


def _answers_invalidate_now() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or evicted): any new value makes the older answers unreachable
        cache.add(GENERATION_KEY, 1, timeout=None)


def answers_invalidate_on_commit() -> None:
    """After the current transaction commits, make every cached answer unreachable.

    Robust: the report is already committed when this runs, so a cache outage is logged, never raised at the user;
    the answers then age out with their TTL (a minute).
    """
    transaction.on_commit(_answers_invalidate_now, robust=True)
