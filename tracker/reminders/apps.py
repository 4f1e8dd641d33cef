from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "tracker.reminders"
    label = "reminders"
    verbose_name = _("Deadlines and reminders")

    def ready(self) -> None:
        from core.access import OFFICE_GROUP, register_group_permissions

        from . import checks  # noqa: F401  (registers the calendar check)

        # The office runs the reminders: it edits the calendar, rules and chat robots, reads the outbox, and "changes"
        # obligations and reminders only through the remind-now and retry actions. Unit staff see their reports only.
        editable = ["calendarday", "calendaryear", "remindersettings", "reportingrule", "unitchannel"]
        register_group_permissions(
            OFFICE_GROUP,
            [
                *(
                    f"reminders.{action}_{model}"
                    for model in editable
                    for action in ("add", "change", "delete", "view")
                ),
                *(
                    f"reminders.{action}_{model}"
                    for model in ("obligation", "reminder")
                    for action in ("change", "view")
                ),
            ],
        )
