"""Moved to core.access (every access rule in one module). Kept only for tracker/services/reports.py, which another
branch is splitting; it switches to core.access at the merge, and this module goes then."""

from core.access import is_office, unit_ids_of

__all__ = ["is_office", "unit_ids_of"]
