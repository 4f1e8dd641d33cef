"""Admin of the reminder service, for the provincial office: calendar, rules, chat robots, obligations (with 催办),
the reminder outbox and the dry run. Writes with side effects go through tracker.reminders.services."""

import datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import access
from tracker.admin.display import phone_list_context
from tracker.models import ReportingPeriod

from . import services
from .calendar import WorkingCalendar, package_knows, years_needing_official_days
from .checks import provisional_year_message
from .choices import ReminderState
from .models import CalendarDay, CalendarYear, Obligation, Reminder, ReminderSettings, ReportingRule, UnitChannel
from .rules import rule_periods


class CalendarWarningMixin:
    """Every reminder page says so while a year the service works in has provisional working days."""

    def changelist_view(self, request, extra_context=None):
        years = years_needing_official_days(timezone.localdate())
        if years:
            messages.warning(request, provisional_year_message(years))
        return super().changelist_view(request, extra_context)


@admin.register(CalendarDay)
class CalendarDayAdmin(CalendarWarningMixin, admin.ModelAdmin):
    list_display = ["date", "weekday", "is_working_day", "note"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"
    search_fields = ["note"]

    @admin.display(description=_("weekday"), ordering="date")
    def weekday(self, obj: CalendarDay) -> str:
        return formats.date_format(obj.date, "l") if obj.date else ""


@admin.register(CalendarYear)
class CalendarYearAdmin(CalendarWarningMixin, admin.ModelAdmin):
    list_display = ["year", "known_to_package", "official_days_entered", "confirmed_by", "confirmed_at", "note"]
    readonly_fields = ["confirmed_by", "confirmed_at"]

    @admin.display(description=_("calendar package has it"), boolean=True)
    def known_to_package(self, obj: CalendarYear) -> bool:
        return package_knows(obj.year)

    def save_model(self, request, obj, form, change):
        # Who confirmed the year is part of the record the warning depends on.
        if obj.official_days_entered and "official_days_entered" in form.changed_data:
            obj.confirmed_by, obj.confirmed_at = request.user, timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(admin.ModelAdmin):
    """One row: the list opens it. No query in the permission methods, which every admin page's menu calls."""

    def has_add_permission(self, request) -> bool:
        return access.by_hand(self.opts.label_lower, "add")

    def has_delete_permission(self, request, obj=None) -> bool:
        return access.by_hand(self.opts.label_lower, "delete")

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        current = ReminderSettings.current()
        return HttpResponseRedirect(reverse("admin:reminders_remindersettings_change", args=[current.pk]))


@admin.register(ReportingRule)
class ReportingRuleAdmin(CalendarWarningMixin, admin.ModelAdmin):
    list_display = ["batch", "kind", "due_day", "working_days", "remind_days_before", "overdue_every_days", "active"]
    list_filter = ["kind", "active"]
    list_select_related = ["batch"]
    autocomplete_fields = ["batch"]
    readonly_fields = ["schedule_preview"]
    fieldsets = [
        (None, {"fields": ["batch", "active"]}),
        (
            _("Deadlines"),
            {
                "fields": [
                    "kind",
                    "due_day",
                    "working_days",
                    "anchor_date",
                    "starts_on",
                    "ends_on",
                    "roll_to_working_day",
                    "schedule_preview",
                ]
            },
        ),
        (
            _("Lead times"),
            {
                "fields": [
                    "remind_days_before",
                    "remind_on_due_day",
                    "overdue_every_days",
                    "escalate_after_days",
                    "contribution_lead_days",
                ]
            },
        ),
    ]

    def save_model(self, request, obj, form, change):
        # Through the service: after commit it derives the batch's periods and obligations at once.
        services.reporting_rule_save(rule=obj)
        # Registered after the service's own callback, so it runs after the derivation and reports what is there.
        transaction.on_commit(lambda: self._report_derived(request, obj))

    def _report_derived(self, request, rule: ReportingRule) -> None:
        obligations = Obligation.objects.filter(period__batch_id=rule.batch_id)
        figures = {
            "periods": ReportingPeriod.objects.filter(batch_id=rule.batch_id).count(),
            "obligations": obligations.count(),
            "overdue": obligations.unmet().filter(due_on__lt=timezone.localdate()).count(),
        }
        text = _(
            "The batch now has %(periods)d reporting periods and %(obligations)d report obligations, "
            "%(overdue)d of them overdue."
        )
        self.message_user(request, text % figures, messages.INFO)

    @admin.display(description=_("periods and due dates"))
    def schedule_preview(self, obj: ReportingRule) -> str:
        if obj.pk is None:
            return "-"
        today = timezone.localdate()
        specs = rule_periods(obj, until=today + datetime.timedelta(days=366), cal=WorkingCalendar())
        # Every period already past its due date (obligations owed, overdue the moment they exist), then the
        # next twelve.
        overdue = [s for s in specs if s.due_on < today]
        coming = [s for s in specs if s.due_on >= today][:12]
        if not specs:
            return "-"
        late = _("past due")
        rows = format_html_join(
            "",
            "<li>{} → {}{}</li>",
            ((s.label, f"{s.due_on:%Y-%m-%d}", f"（{late}）" if s.due_on < today else "") for s in [*overdue, *coming]),
        )
        summary = ngettext(
            "%(count)d period is already past its due date.",
            "%(count)d periods are already past their due date.",
            len(overdue),
        ) % {"count": len(overdue)}
        return format_html("<p>{}</p><ul>{}</ul>", summary if overdue else "", rows)


@admin.register(UnitChannel)
class UnitChannelAdmin(admin.ModelAdmin):
    list_display = ["unit", "kind", "name", "active"]
    list_filter = ["kind", "active"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]
    search_fields = ["unit__name", "name"]


class ObligationStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("Not filed")), ("overdue", _("Overdue")), ("met", _("Filed"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "open":
            return queryset.filter(met_at__isnull=True)
        if self.value() == "overdue":
            return queryset.filter(met_at__isnull=True, due_on__lt=today)
        if self.value() == "met":
            return queryset.filter(met_at__isnull=False)
        return queryset


def compact_time(moment) -> str:
    """A time in a list column: 2026-11-29 23:33 (local), "-" for none."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"


@admin.register(Obligation)
class ObligationAdmin(CalendarWarningMixin, admin.ModelAdmin):
    # Times written compactly, so that every column fits the ~790 px the admin's sidebars leave at 1440 px.
    list_display = [
        "reform_code",
        "kind",
        "subject",
        "period",
        "due_on",
        "met",
        "cycle",
        "reminder_count",
        "last_reminded",
    ]
    list_filter = [
        ObligationStateFilter,
        "kind",
        ("unit", admin.RelatedOnlyFieldListFilter),
        ("city", admin.RelatedOnlyFieldListFilter),
        "period__batch",
    ]
    list_select_related = ["reform", "unit", "city", "period"]
    search_fields = ["reform__code", "reform__title", "unit__name", "city__name"]
    date_hierarchy = "due_on"
    actions = ["remind_now"]
    change_list_template = "reminders/admin/obligation_change_list.html"

    def get_queryset(self, request):
        # Both columns from one GROUP BY: no query per row.
        sent = Q(reminders__state=ReminderState.SENT)
        return (
            super()
            .get_queryset(request)
            .annotate(reminder_count=Count("reminders", filter=sent), last_reminded=Max("reminders__sent_at"))
        )

    def get_readonly_fields(self, request, obj=None):
        # Obligations follow from rules and reports; the office acts on them through the actions only.
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return access.by_hand(self.opts.label_lower, "add")

    def has_delete_permission(self, request, obj=None) -> bool:
        return access.by_hand(self.opts.label_lower, "delete")

    @admin.display(description=_("reform"), ordering="reform__code")
    def reform_code(self, obj: Obligation) -> str:
        return f"{obj.reform.code} {obj.reform.title}"

    def changelist_view(self, request, extra_context=None):
        # At a phone's width: cards with the reform, unit, period and due date (admin/tracker/includes/...).
        phone = phone_list_context(
            self, request, hidden=["met", "cycle", "last_reminded", "kind"], unlabelled=["reform_code"]
        )
        return super().changelist_view(request, {**phone, **(extra_context or {})})

    @admin.display(description=_("unit or city"))
    def subject(self, obj: Obligation) -> str:
        return obj.subject.name

    @admin.display(description=_("reminders sent"), ordering="reminder_count")
    def reminder_count(self, obj: Obligation) -> int:
        return obj.reminder_count

    @admin.display(description=_("met at"), ordering="met_at")
    def met(self, obj: Obligation) -> str:
        return compact_time(obj.met_at)

    @admin.display(description=_("last reminded"), ordering="last_reminded")
    def last_reminded(self, obj: Obligation) -> str:
        return compact_time(obj.last_reminded)

    @admin.action(description=_("Remind now (urge)"), permissions=["change"])
    def remind_now(self, request, queryset):
        try:
            result = services.reminders_remind_now(obligations=list(queryset), user=request.user)
        except PermissionDenied as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        if result.reminded:
            text = ngettext(
                "An urgent reminder to %(count)d obligation's unit is on its way.",
                "Urgent reminders to %(count)d obligations' units are on their way.",
                result.reminded,
            )
            self.message_user(request, text % {"count": result.reminded}, messages.SUCCESS)
        if result.already_reminded:
            text = ngettext(
                "%(count)d obligation was already urged today: not sent again.",
                "%(count)d obligations were already urged today: not sent again.",
                result.already_reminded,
            )
            self.message_user(request, text % {"count": result.already_reminded}, messages.INFO)
        if result.already_met:
            text = ngettext(
                "%(count)d obligation is already met: no reminder.",
                "%(count)d obligations are already met: no reminder.",
                result.already_met,
            )
            self.message_user(request, text % {"count": result.already_met}, messages.INFO)
        if result.without_recipients:
            text = ngettext(
                "%(count)d obligation's unit has no member with an e-mail address and no chat robot.",
                "%(count)d obligations' units have no member with an e-mail address and no chat robot.",
                result.without_recipients,
            )
            self.message_user(request, text % {"count": result.without_recipients}, messages.WARNING)
        if result.not_queued:
            self.message_user(
                request,
                _(
                    "The urgent reminders are recorded, but the message queue is unavailable right now: they go out "
                    "with the first reminder sweep after it is back."
                ),
                messages.WARNING,
            )


@admin.register(Reminder)
class ReminderAdmin(CalendarWarningMixin, admin.ModelAdmin):
    """The outbox: every reminder recorded, where it stands, and why it failed."""

    list_display = [
        "created_at",
        "step",
        "channel",
        "target",
        "unit",
        "reform",
        "due_on",
        "state",
        "attempts",
        "sent_at",
        "short_error",
    ]
    list_filter = [
        "state",
        "step",
        "channel",
        ("obligation__unit", admin.RelatedOnlyFieldListFilter),
        "manual",
        "as_of",
    ]
    list_select_related = [
        "obligation__reform",
        "obligation__unit",
        "obligation__city",
        "obligation__period",
        "recipient",
        "webhook",
    ]
    search_fields = [
        "recipient__username",
        "recipient__email",
        "obligation__reform__code",
        "obligation__unit__name",
        "obligation__city__name",
    ]
    date_hierarchy = "created_at"
    actions = ["retry"]
    change_list_template = "reminders/admin/reminder_change_list.html"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return access.by_hand(self.opts.label_lower, "add")

    def has_delete_permission(self, request, obj=None) -> bool:
        return access.by_hand(self.opts.label_lower, "delete")

    @admin.display(description=_("recipient"))
    def target(self, obj: Reminder) -> str:
        if obj.recipient_id:
            return f"{obj.recipient.get_full_name() or obj.recipient.username} <{obj.recipient.email}>"
        return str(obj.webhook)

    @admin.display(description=_("unit or city"), ordering="obligation__unit__name")
    def unit(self, obj: Reminder) -> str:
        return obj.obligation.subject.name

    @admin.display(description=_("reform"), ordering="obligation__reform__code")
    def reform(self, obj: Reminder) -> str:
        return obj.obligation.reform.code

    @admin.display(description=_("due on"), ordering="obligation__due_on")
    def due_on(self, obj: Reminder):
        return obj.obligation.due_on

    @admin.display(description=_("last error"))
    def short_error(self, obj: Reminder) -> str:
        return obj.last_error[:80]

    @admin.action(description=_("Send failed reminders again"), permissions=["change"])
    def retry(self, request, queryset):
        count = services.reminders_retry(reminders=list(queryset), user=request.user)
        text = ngettext(
            "%(count)d failed reminder goes out with the next sweep.",
            "%(count)d failed reminders go out with the next sweep.",
            count,
        )
        self.message_user(request, text % {"count": count}, messages.SUCCESS)

    def get_urls(self):
        view = self.admin_site.admin_view(self.dry_run_view)
        return [path("dry-run/", view, name="reminders_reminder_dry_run"), *super().get_urls()]

    def dry_run_view(self, request):
        """What the next sweep would send, on a chosen day: the sweep run in a transaction that is rolled back."""
        if not (self.has_view_permission(request) and access.may_run_reminders(request.user)):
            raise PermissionDenied
        day = timezone.localdate()
        if request.GET.get("date"):
            try:
                day = datetime.date.fromisoformat(request.GET["date"])
            except ValueError:
                messages.error(request, _("Give the date as YYYY-MM-DD."))
        plan = services.reminders_dry_run(today=day)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Dry run of the next reminder sweep"),
            "opts": self.model._meta,
            "day": day,
            "plan": plan,
            "changelist_url": reverse("admin:reminders_reminder_changelist"),
        }
        return TemplateResponse(request, "reminders/admin/dry_run.html", context)
