"""Who may write what, for the tracker's services: the role checks every report and attachment service starts with.

In one place so that the move to core/access.py (issue 12: `require_unit_member`, `require_office`) is one edit.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from units.roles import is_office, unit_ids_of

from ..models import ProgressReport


def require_member(report: ProgressReport, user) -> None:
    """Only members of the report's unit change, submit or attach to it."""
    if report.unit_id not in unit_ids_of(user):
        raise PermissionDenied(_("Only members of the report's unit may change or submit it."))


def require_office(user) -> None:
    """Only the provincial office reviews reports."""
    if not is_office(user):
        raise PermissionDenied(_("Only the provincial office reviews reports."))
