from django.db import models
from django.utils.translation import gettext_lazy as _


class StatusColour(models.TextChoices):
    """The status colour of a reform, unit or city (rule in tracker.stats.formulas.colour_of)."""

    RED = "red", _("Red")
    YELLOW = "yellow", _("Yellow")
    GREEN = "green", _("Green")


# Worst first: `ordering=colour` lists red rows first, and a trend compares these ranks.
COLOUR_RANK = {StatusColour.RED: 0, StatusColour.YELLOW: 1, StatusColour.GREEN: 2}


class Trend(models.TextChoices):
    """How the colour moved since the end of the previous month."""

    BETTER = "better", _("Better")
    SAME = "same", _("Unchanged")
    WORSE = "worse", _("Worse")


class SubjectKind(models.TextChoices):
    """What a colour belongs to."""

    REFORM = "reform", _("Reform")
    UNIT = "unit", _("Unit")
    CITY = "city", _("City")


class Interval(models.TextChoices):
    """The width of one point of the completions-over-time line."""

    WEEK = "week", _("Week")
    MONTH = "month", _("Month")
