"""The contribution services' refusals besides ValidationError and PermissionDenied; the API's one exception
handler (core.errors) answers them with the HTTP status they carry, like the report services' errors."""

from django.utils.translation import gettext_lazy as _

from tracker.exceptions import PreconditionFailed, ReportStateConflict


class ContributionChanged(PreconditionFailed):
    """The client changed a version it no longer holds (HTTP 412)."""

    default_message = _(
        "The contribution was changed by someone else in the meantime. Reload it and make your change again."
    )


class ContributionStateConflict(ReportStateConflict):
    """The contribution's state does not allow the operation (HTTP 409)."""

    default_message = _("This contribution can no longer be changed in its current state.")


class LeadReportSubmitted(ReportStateConflict):
    """The lead unit has submitted its report: the contributions it was written from stay as they were (409)."""

    default_message = _(
        "The lead unit has already submitted its report for this period: the contribution can no longer be "
        "withdrawn. Ask the lead unit to have its report returned if it must change."
    )
