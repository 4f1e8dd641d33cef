"""Admin for progress reports and reporting periods.

Unit staff file, edit and submit their unit's reports on one page; the office reviews them from a queue. Every
write goes through tracker.services (never a model save), so the admin and the API obey the same rules: the
version check against lost updates, the frozen states, the content check of uploads.
"""

from . import periods, reports

__all__ = ["periods", "reports"]
