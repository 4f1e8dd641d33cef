from django.db import models
from django.utils.translation import gettext_lazy as _

from reforms.choices import TargetStatus


class SubmissionState(models.TextChoices):
    """Where a city's submission is: draft → submitted → confirmed | returned → submitted → ..."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CONFIRMED = "confirmed", _("Confirmed")
    RETURNED = "returned", _("Returned")


# The city changes a submission only in these states; submitted and confirmed ones are frozen.
EDITABLE_STATES = (SubmissionState.DRAFT, SubmissionState.RETURNED)

# What a city may claim for itself. Not "not applicable": exempting a city is the office's decision, taken on the
# rollout target (with its reason), not something a city files.
CITY_STATUSES = [TargetStatus.NOT_STARTED, TargetStatus.IN_PROGRESS, TargetStatus.DONE]
CITY_STATUS_CHOICES = [(s.value, s.label) for s in CITY_STATUSES]


class ApplicationState(models.TextChoices):
    """An application of a city for a 有条件的市 item: submitted → (lead's opinion) → approved | rejected."""

    SUBMITTED = "submitted", _("Submitted")
    OPINION_GIVEN = "opinion_given", _("Lead unit's opinion given")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


OPEN_APPLICATION_STATES = (ApplicationState.SUBMITTED, ApplicationState.OPINION_GIVEN)


class LeadOpinion(models.TextChoices):
    SUPPORT = "support", _("Supports")
    OPPOSE = "oppose", _("Does not support")


class ApplicationStepKind(models.TextChoices):
    """One recorded step of an application or a direct assignment."""

    APPLIED = "applied", _("Applied")
    OPINION = "opinion", _("Lead unit's opinion")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    ASSIGNED = "assigned", _("Assigned by the office")
