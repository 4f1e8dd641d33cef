"""Writes on progress reports: create, edit, submit, approve, return.

Every write is a conditional UPDATE on (id, version[, state]) that must change exactly one row: two people editing
the same version, or a reviewer approving while the unit edits, cannot both win. The loser gets PreconditionFailed
(a stale version) or ReportStateConflict (the report moved on), and nothing of theirs is written.

By concern: drafting (create, update, city lines), submission (submit, snapshot, completeness), review (approve,
return, the rollout targets), writing (the row lock, the version check, the transition, the answer).
"""

from .drafting import EDITABLE_FIELDS, CityLineInput, report_create, report_update
from .review import report_approve, report_return
from .submission import report_snapshot, report_submit
from .writing import report_lock

__all__ = [
    "EDITABLE_FIELDS",
    "CityLineInput",
    "report_approve",
    "report_create",
    "report_lock",
    "report_return",
    "report_snapshot",
    "report_submit",
    "report_update",
]
