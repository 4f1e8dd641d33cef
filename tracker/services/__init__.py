"""Writes on the tracker's models. Views and admin actions call these, never the models' save() directly."""

from .attachments import MAX_ATTACHMENTS_PER_REPORT, attachment_add, attachment_delete, attachment_orphans_purge
from .reports import (
    EDITABLE_FIELDS,
    CityLineInput,
    report_approve,
    report_create,
    report_lock,
    report_return,
    report_snapshot,
    report_submit,
    report_update,
)

__all__ = [
    "EDITABLE_FIELDS",
    "MAX_ATTACHMENTS_PER_REPORT",
    "CityLineInput",
    "attachment_add",
    "attachment_delete",
    "attachment_orphans_purge",
    "report_approve",
    "report_create",
    "report_lock",
    "report_return",
    "report_snapshot",
    "report_submit",
    "report_update",
]
