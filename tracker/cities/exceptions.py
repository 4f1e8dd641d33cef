"""Refusals of the cities services besides ValidationError and PermissionDenied; core.errors answers them with
their http_status and http_code, the admin shows their message."""

from django.utils.translation import gettext_lazy as _

from tracker.exceptions import ReportError


class SubmissionStale(ReportError):
    """The client changed a version it no longer holds (HTTP 412)."""

    default_message = _("The submission was changed by someone else in the meantime. Reload it and try again.")
    http_status = 412
    http_code = "precondition_failed"


class StateConflict(ReportError):
    """The submission or application is not in a state that allows the operation (HTTP 409)."""

    default_message = _("This can no longer be done in its current state.")
    http_status = 409
    http_code = "conflict"
