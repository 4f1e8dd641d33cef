from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportState(models.TextChoices):
    """Where a progress report is in its life cycle: draft → submitted → approved | returned → submitted → ..."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


# The unit may change a report only in these states; submitted and approved reports are frozen (also in the
# database, by the trigger of migration 0002 on PostgreSQL).
EDITABLE_STATES = (ReportState.DRAFT, ReportState.RETURNED)
FROZEN_STATES = (ReportState.SUBMITTED, ReportState.APPROVED)
