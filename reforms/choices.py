from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    PILOT = "pilot", _("Reform pilot experience")
    BEST_PRACTICE = "best_practice", _("Best-practice case")


class Scope(models.TextChoices):
    ALL_CITIES = "all_cities", _("Whole province")
    QUALIFIED_CITIES = "qualified_cities", _("Qualified cities")
    UNVERIFIED = "unverified", _("To be verified")


class ResponsibilityRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    CO = "co", _("Co-unit")


class TargetStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")
