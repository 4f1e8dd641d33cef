"""Statistics writes: the rollup refresh (refresh.py) and the facts it copies (facts.py, raw SQL), the office's
colour overrides, and the generation of cached answers. The reads are in ../selectors."""

from .overrides import status_override_save
from .refresh import StatsRefreshResult, rollup_state, snapshot_colours, stats_refresh, stats_report_sync

__all__ = [
    "StatsRefreshResult",
    "rollup_state",
    "snapshot_colours",
    "stats_refresh",
    "stats_report_sync",
    "status_override_save",
]
