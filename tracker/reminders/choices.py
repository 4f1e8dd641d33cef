from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleKind(models.TextChoices):
    """How a batch's reporting periods and their due dates follow from its reporting rule."""

    MONTHLY = "monthly", _("Monthly, due on day N of the following month")
    QUARTERLY = "quarterly", _("Quarterly, due on day N of the month after the quarter")
    AFTER_DATE = "after_date", _("Once, due N working days after a date")


class Step(models.TextChoices):
    """How hard a reminder pushes: 提醒 before and on the due day, 催办 while overdue, 督办 once the office steps in."""

    REMIND = "remind", _("Reminder")
    URGE = "urge", _("Urge")
    ESCALATE = "escalate", _("Escalation")


# Severity order: a digest that holds one obligation twice shows it under its strongest step.
STEP_RANK = {Step.REMIND: 0, Step.URGE: 1, Step.ESCALATE: 2}


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Group chat robot")


class ReminderState(models.TextChoices):
    """pending → sending (claimed by one sweep) → sent | failed; cancelled when the report came in before delivery."""

    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class WebhookKind(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


class Bucket(models.TextChoices):
    """Where an obligation stands on the day of the digest."""

    OVERDUE = "overdue", _("Overdue")
    DUE_TODAY = "due_today", _("Due today")
    DUE_SOON = "due_soon", _("Due soon")


class ObligationKind(models.TextChoices):
    """What is owed (issue 12): the lead unit's progress report, a co-unit's contribution to it (配合材料), or a
    target city's submission on the reform (城市推进情况). The subject is a unit for the first two, a city for the
    third."""

    REPORT = "report", _("Progress report")
    CONTRIBUTION = "contribution", _("Co-unit contribution")
    CITY_SUBMISSION = "city_submission", _("City submission")


UNIT_KINDS = (ObligationKind.REPORT, ObligationKind.CONTRIBUTION)
# What feeds the lead unit's report: due `contribution_lead_days` working days before it, copied to the lead unit
# when escalated.
FEEDING_KINDS = (ObligationKind.CONTRIBUTION, ObligationKind.CITY_SUBMISSION)
