"""Errors the tracker services raise besides ValidationError (bad input) and PermissionDenied (wrong role).

Each names the HTTP status and error code the API answers it with (core.errors reads them); the admin shows
their message.
"""

from django.utils.translation import gettext_lazy as _


class ReportError(Exception):
    default_message = ""
    http_status = 400
    http_code = "invalid"

    def __init__(self, message=None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class PreconditionFailed(ReportError):
    """The client changed a version it no longer holds: someone else wrote in between (HTTP 412)."""

    default_message = _("The report was changed by someone else in the meantime. Reload it and make your change again.")
    http_status = 412
    http_code = "precondition_failed"


class ReportStateConflict(ReportError):
    """The report is not in a state that allows the operation, e.g. editing a submitted report (HTTP 409)."""

    default_message = _("This report can no longer be changed in its current state.")
    http_status = 409
    http_code = "conflict"
