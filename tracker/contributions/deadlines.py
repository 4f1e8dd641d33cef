"""When co-units' contributions are due: the reminders own the date (the lead days live on the reporting rule and
the obligations are derived from it), this module only re-exports it for the contributions' views and admin."""

from tracker.reminders.rules import contribution_due_on, lead_days_of

__all__ = ["contribution_due_on", "lead_days_of"]
