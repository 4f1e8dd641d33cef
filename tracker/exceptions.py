"""Errors the tracker services raise besides ValidationError (bad input) and PermissionDenied (wrong role).

The API turns them into HTTP statuses (tracker/api/errors.py); the admin shows their message.
"""

from django.utils.translation import gettext_lazy as _


class ReportError(Exception):
    default_message = ""

    def __init__(self, message=None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class PreconditionFailed(ReportError):
    """The client changed a version it no longer holds: someone else wrote in between (HTTP 412)."""

    default_message = _("The report was changed by someone else in the meantime. Reload it and make your change again.")


class ReportStateConflict(ReportError):
    """The report is not in a state that allows the operation, e.g. editing a submitted report (HTTP 409)."""

    default_message = _("This report can no longer be changed in its current state.")
