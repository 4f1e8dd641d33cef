import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reforms.models import Batch, Reform
from tracker.models import ReportingPeriod
from units.models import City, Unit

from .choices import Channel, ObligationKind, ReminderState, RuleKind, Step, WebhookKind

LEAD_DAYS_RE = r"^\s*$|^\s*\d{1,3}\s*(,\s*\d{1,3}\s*)*$"


class CalendarDay(models.Model):
    """A day the office declares a working day or a day off, overriding the calendar package.

    This is how the State Council's yearly schedule (holidays and 调休 make-up working days) gets in for a year the
    package does not know yet, and how a local exception (a day the office closes) is entered.
    """

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True, help_text=_("E.g. Spring Festival, make-up day."))

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d}"


class CalendarYear(models.Model):
    """The office's word that it has entered a year's official holidays and make-up working days as calendar days.

    For a year the calendar package does not cover, the service works from the package's rules (weekends, fixed
    holidays) and warns until this confirmation exists.
    """

    year = models.PositiveSmallIntegerField(
        _("year"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    official_days_entered = models.BooleanField(
        _("official days entered"),
        default=False,
        help_text=_("Tick once every holiday and make-up working day the State Council announced is entered."),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True, editable=False)
    note = models.CharField(_("note"), max_length=200, blank=True, help_text=_("E.g. the State Council notice."))

    class Meta:
        ordering = ["-year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return str(self.year)


class ReminderSettings(models.Model):
    """Office-wide switches of the reminder service; a single row (pk 1), created on first use."""

    send_on_days_off = models.BooleanField(
        _("send on days off"),
        default=False,
        help_text=_("Unticked, nothing is sent on weekends and holidays; what fell due is sent the next working day."),
    )

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "ReminderSettings":
        return cls.objects.get_or_create(pk=1)[0]


class ReportingRule(models.Model):
    """How often a batch's units report, when each report is due, and when the service chases them.

    Periods (tracker.ReportingPeriod) and obligations follow from it; the lead times say on which days a reminder
    goes out: `remind_days_before` and on the due day (提醒), every `overdue_every_days` while overdue (催办), and
    from `escalate_after_days` overdue on, to the office as well (督办).
    """

    batch = models.OneToOneField(
        Batch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="reporting_rule"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RuleKind.choices, default=RuleKind.MONTHLY)
    due_day = models.PositiveSmallIntegerField(
        _("due day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("Monthly and quarterly: the day of the following month the report is due (31 = month end)."),
    )
    working_days = models.PositiveSmallIntegerField(
        _("working days"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(250)],
        help_text=_("Once: the report is due this many working days after the anchor date."),
    )
    anchor_date = models.DateField(_("anchor date"), null=True, blank=True)
    starts_on = models.DateField(
        _("first period starts"), null=True, blank=True, help_text=_("Empty: the batch's issue date.")
    )
    ends_on = models.DateField(
        _("last period starts by"), null=True, blank=True, help_text=_("Empty: the batch's completion deadline.")
    )
    roll_to_working_day = models.BooleanField(
        _("move due dates off days off"),
        default=True,
        help_text=_("A due date on a weekend or holiday moves to the next working day."),
    )
    remind_days_before = models.CharField(
        _("remind days before"),
        max_length=50,
        default="7,3,1",
        blank=True,
        validators=[RegexValidator(LEAD_DAYS_RE, _("Whole numbers separated by commas, e.g. 7,3,1."))],
    )
    remind_on_due_day = models.BooleanField(_("remind on the due day"), default=True)
    overdue_every_days = models.PositiveSmallIntegerField(
        _("urge every N days while overdue"), default=3, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    escalate_after_days = models.PositiveSmallIntegerField(
        _("escalate after N days overdue"),
        null=True,
        blank=True,
        default=7,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: never escalate to the office."),
    )
    # Issue 12: co-units (配合单位) feed the lead unit's report; their contributions are due this many working days
    # before the lead's due date (tracker.contributions.deadlines).
    contribution_lead_days = models.PositiveSmallIntegerField(
        _("co-unit contributions due N working days earlier"),
        default=3,
        validators=[MaxValueValidator(20)],
        help_text=_("Co-units file their contributions this many working days before the lead unit's report is due."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["batch"]
        verbose_name = _("reporting rule")
        # The central catalogue translates "reporting rules" as the batch's free-text field (报送要求).
        verbose_name_plural = pgettext_lazy("reminders model", "reporting rules")

    def __str__(self) -> str:
        return str(self.batch)

    def clean(self) -> None:
        errors = {}
        if self.kind in (RuleKind.MONTHLY, RuleKind.QUARTERLY) and not self.due_day:
            errors["due_day"] = _("Say on which day of the month the report is due.")
        if self.kind == RuleKind.AFTER_DATE:
            if not self.working_days:
                errors["working_days"] = _("Say how many working days after the anchor date the report is due.")
            if not self.anchor_date:
                errors["anchor_date"] = _("Give the date the working days count from.")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The last period cannot start before the first.")
        if self.kind in (RuleKind.MONTHLY, RuleKind.QUARTERLY) and self.batch_id and "ends_on" not in errors:
            errors.update(self._first_period_errors())
        lead = self.contribution_lead_days
        if self.kind == RuleKind.AFTER_DATE and self.working_days and lead is not None and lead >= self.working_days:
            # The co-units' day would fall on or before the anchor date: they would owe before the work starts.
            errors["contribution_lead_days"] = _(
                "Co-unit contributions must be due after the anchor date: use fewer working days than the report's "
                "%(days)d."
            ) % {"days": self.working_days}
        if self.remind_days_before and not re.match(LEAD_DAYS_RE, self.remind_days_before):
            errors["remind_days_before"] = _("Whole numbers separated by commas, e.g. 7,3,1.")
        if errors:
            raise ValidationError(errors)

    def _first_period_errors(self) -> dict:
        """A rule that could never produce a period would be saved and silently chase nobody: say what is missing."""
        batch = self.batch
        start = self.starts_on or batch.issued_on
        if start is None:
            return {
                "starts_on": _(
                    "Give the date the first reporting period starts: the batch “%(batch)s” has no issue date to "
                    "take it from."
                )
                % {"batch": batch}
            }
        last = self.ends_on or batch.default_deadline
        # A quarterly period starts with its quarter's first month (rules.rule_periods).
        first_month = start.month if self.kind == RuleKind.MONTHLY else (start.month - 1) // 3 * 3 + 1
        if last is not None and (last.year, last.month) < (start.year, first_month):
            return {
                "starts_on": _(
                    "The first reporting period (from %(start)s) starts after the last one may start (%(last)s: the "
                    "rule's last period start, else the batch's completion deadline): no period would be owed."
                )
                % {"start": start.isoformat(), "last": last.isoformat()}
            }
        return {}

    @property
    def lead_days(self) -> list[int]:
        """Days before the due date a reminder goes out, largest first."""
        days = {int(d) for d in re.findall(r"\d+", self.remind_days_before or "") if int(d) > 0}
        return sorted(days, reverse=True)


class UnitChannel(models.Model):
    """A unit's group chat robot (WeCom or DingTalk webhook) that receives the unit's reminders besides e-mail."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="reminder_channels")
    kind = models.CharField(_("kind"), max_length=20, choices=WebhookKind.choices)
    name = models.CharField(_("name"), max_length=60, blank=True, help_text=_("E.g. the group's name."))
    url = models.URLField(_("webhook URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"), max_length=200, blank=True, help_text=_("DingTalk robots with signing enabled only.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["unit__name", "id"]
        verbose_name = _("unit chat robot")
        verbose_name_plural = _("unit chat robots")
        constraints = [models.UniqueConstraint(fields=["unit", "url"], name="reminders_channel_unique_url")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.name or self.get_kind_display()}"


class ObligationQuerySet(models.QuerySet):
    def unmet(self) -> "ObligationQuerySet":
        return self.filter(met_at__isnull=True)


class Obligation(models.Model):
    """Something owed on a reform for a period, by a due date, and chased until it is in.

    Three kinds (issue 12): the lead unit's progress report (`report`, due on the period's due date), a co-unit's
    contribution to it (`contribution`) and a target city's submission (`city_submission`), both due the rule's
    `contribution_lead_days` working days earlier because they feed the report. The subject is `unit` for the first
    two, `city` for the third (the check constraint says so). Derived by the sweep from the batch's reporting rule,
    the reform's responsible units and its rollout targets, so what was never started is as visible as what is
    late. Met once the report (or contribution, or city submission) is submitted; a return (or a withdrawal) makes
    it unmet again and starts a new `cycle`, which restarts the reminders.
    """

    kind = models.CharField(
        _("kind"), max_length=20, choices=ObligationKind.choices, default=ObligationKind.REPORT, db_index=True
    )
    reform = models.ForeignKey(Reform, verbose_name=_("reform"), on_delete=models.CASCADE, related_name="obligations")
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.CASCADE, related_name="obligations"
    )
    city = models.ForeignKey(
        City, verbose_name=_("city"), null=True, blank=True, on_delete=models.CASCADE, related_name="obligations"
    )
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("reporting period"), on_delete=models.CASCADE, related_name="obligations"
    )
    due_on = models.DateField(_("due on"))
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    cycle = models.PositiveSmallIntegerField(
        _("reminder cycle"), default=1, help_text=_("Grows by one each time a returned report reopens it.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = ObligationQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "unit__name", "city__code", "reform__position"]
        verbose_name = _("report obligation")
        verbose_name_plural = _("report obligations")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[ObligationKind.REPORT, ObligationKind.CONTRIBUTION],
                    unit__isnull=False,
                    city__isnull=True,
                )
                | Q(kind=ObligationKind.CITY_SUBMISSION, city__isnull=False, unit__isnull=True),
                name="reminders_obligation_subject_matches_kind",
            ),
            # Partial, one per kind of subject: a NULL column would make every row distinct.
            models.UniqueConstraint(
                fields=["kind", "reform", "unit", "period"],
                condition=Q(unit__isnull=False),
                name="reminders_obligation_unique_unit",
            ),
            models.UniqueConstraint(
                fields=["kind", "reform", "city", "period"],
                condition=Q(city__isnull=False),
                name="reminders_obligation_unique_city",
            ),
        ]
        indexes = [
            # The sweep reads unmet obligations by due date; met ones (the large majority later on) stay out.
            models.Index(fields=["due_on"], condition=Q(met_at__isnull=True), name="reminders_obl_unmet_due_idx"),
            # The statistics rollup picks up the obligations created since its last run.
            models.Index(fields=["created_at"], name="reminders_obl_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reform.code} · {self.subject} · {self.period}"

    @property
    def subject(self):
        """Who owes it: the unit (report, contribution) or the city (city submission)."""
        return self.city if self.kind == ObligationKind.CITY_SUBMISSION else self.unit


class Reminder(models.Model):
    """One reminder of one obligation to one recipient on one channel, for one occurrence of the rule's schedule.

    The partial unique constraints make recording it twice impossible; the claim (state `sending` with a `claim`
    token, taken by a conditional UPDATE) makes sending it twice impossible, except in the one window documented in
    docs/reminders.md (the process dies after the mail server accepted and before `sent_at` is written).
    """

    obligation = models.ForeignKey(
        Obligation, verbose_name=_("obligation"), on_delete=models.CASCADE, related_name="reminders"
    )
    cycle = models.PositiveSmallIntegerField(_("reminder cycle"), default=1)
    step = models.CharField(_("step"), max_length=20, choices=Step.choices)
    occurs_on = models.DateField(_("scheduled for"), help_text=_("The day of the schedule this reminder is for."))
    manual = models.BooleanField(_("sent by the office"), default=False)
    as_of = models.DateField(_("as of"), help_text=_("The day of the sweep that recorded it; the text counts from it."))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    webhook = models.ForeignKey(
        UnitChannel,
        verbose_name=_("chat robot"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    state = models.CharField(_("state"), max_length=20, choices=ReminderState.choices, default=ReminderState.PENDING)
    claim = models.UUIDField(_("claim"), null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            # Partial: a recipient for e-mail, a chat robot for the webhook; a NULL would make every row distinct.
            models.UniqueConstraint(
                fields=["obligation", "cycle", "step", "occurs_on", "manual", "recipient"],
                condition=Q(channel="email"),
                name="reminders_reminder_unique_email",
            ),
            models.UniqueConstraint(
                fields=["obligation", "cycle", "step", "occurs_on", "manual", "webhook"],
                condition=Q(channel="webhook"),
                name="reminders_reminder_unique_webhook",
            ),
            models.CheckConstraint(
                condition=(Q(channel="email", recipient__isnull=False, webhook__isnull=True))
                | Q(channel="webhook", webhook__isnull=False, recipient__isnull=True),
                name="reminders_reminder_target_matches_channel",
            ),
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(sent_at__isnull=False), name="reminders_reminder_sent_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(state="sending") | Q(claim__isnull=False, claimed_at__isnull=False),
                name="reminders_reminder_sending_is_claimed",
            ),
        ]
        indexes = [
            # The claim scans pending rows and expired leases only; sent history (nearly every row) stays out.
            models.Index(
                fields=["claimed_at"],
                condition=Q(state__in=["pending", "sending"]),
                name="reminders_reminder_open_idx",
            ),
            # The delivery task finds its rows by claim token.
            models.Index(fields=["claim"], condition=Q(claim__isnull=False), name="reminders_reminder_claim_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} · {self.obligation_id} · {self.recipient_id or self.webhook_id}"

    @property
    def target(self):
        return self.recipient if self.channel == Channel.EMAIL else self.webhook
