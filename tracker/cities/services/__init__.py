"""Writes of the cities app. Views and admin actions call these, never the models' save() directly."""

from .applications import (
    city_application_approve,
    city_application_create,
    city_application_evidence_add,
    city_application_opinion,
    city_application_reject,
    rollout_target_assign,
)
from .evidence import MAX_EVIDENCE, city_evidence_add, city_evidence_delete
from .members import city_member_add
from .prefill import city_line_follow_submission, city_lines_prefill
from .submissions import (
    SUBMISSION_FIELDS,
    city_submission_confirm,
    city_submission_create,
    city_submission_return,
    city_submission_snapshot,
    city_submission_submit,
    city_submission_update,
)

__all__ = [
    "MAX_EVIDENCE",
    "SUBMISSION_FIELDS",
    "city_application_approve",
    "city_application_create",
    "city_application_evidence_add",
    "city_application_opinion",
    "city_application_reject",
    "city_evidence_add",
    "city_evidence_delete",
    "city_line_follow_submission",
    "city_lines_prefill",
    "city_member_add",
    "city_submission_confirm",
    "city_submission_create",
    "city_submission_return",
    "city_submission_snapshot",
    "city_submission_submit",
    "city_submission_update",
    "rollout_target_assign",
]
