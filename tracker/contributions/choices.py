from django.db import models
from django.utils.translation import gettext_lazy as _


class ContributionState(models.TextChoices):
    """A co-unit's contribution: a draft only its unit sees, then submitted to the lead unit (withdrawable while
    the lead's report is still open)."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
