"""Statistics reads: the figures (figures.py), breakdowns, colours, timelines, ordering and the ledger. They return
rows or plain data and write nothing; the writes (the rollup refresh, overrides, the facts) are in ../services."""

from django.utils import timezone

from ..formulas import due_soon_until
from ..models import RollupState
from .breakdowns import BREAKDOWNS, COLOURED, Overview, Row, Status, overview
from .figures import Clock, Figures, StatsFilters
from .statuses import attach_statuses, colour_counts
from .timeline import TrendLine, TrendPoint, completions_trend, matrix_cells, missing_reports


def clock_now() -> Clock:
    """Today, the "due soon" horizon and the rollup's state: what every statistic is computed for.

    One query: the horizon is the one the refresh computed for today; only when the rollup has not run today is it
    computed here, from the working-day calendar.
    """
    today = timezone.localdate()
    # Without the per-reform fingerprints: only the refresh reads them, and with 10,000 reforms they are a JSON
    # document of hundreds of KB that every statistics request would otherwise fetch and parse.
    state = RollupState.objects.defer("fingerprints").filter(pk=1).first() or RollupState(pk=1)
    soon = state.due_soon_until if state.as_of_date == today and state.due_soon_until else due_soon_until(today)
    return Clock(today=today, soon_until=soon, state=state)


__all__ = [
    "BREAKDOWNS",
    "COLOURED",
    "Clock",
    "Figures",
    "Overview",
    "Row",
    "StatsFilters",
    "Status",
    "TrendLine",
    "TrendPoint",
    "attach_statuses",
    "clock_now",
    "colour_counts",
    "completions_trend",
    "matrix_cells",
    "missing_reports",
    "overview",
]
