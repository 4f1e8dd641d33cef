"""Writes of the reminder service: derive obligations, sweep, deliver. Tasks and admin actions call these."""

from .delivery import (
    TemporaryDeliveryError,
    is_temporary,
    reminders_deliver,
    reminders_release,
    reminders_retry,
)
from .digest import Digest, DigestItem, digest_build, digest_email, digest_load, digest_markdown
from .fulfilment import (
    obligation_follow_city_submission,
    obligation_follow_contribution,
    obligation_follow_report,
    obligation_met,
)
from .obligations import (
    ObligationsRefreshResult,
    obligations_refresh,
    periods_generate,
    reporting_rule_derive,
    reporting_rule_save,
)
from .record import reminders_insert
from .sweep import (
    ClaimResult,
    Delivery,
    DryRun,
    RemindNowResult,
    SweepResult,
    reminders_claim,
    reminders_dry_run,
    reminders_record,
    reminders_remind_now,
    reminders_sweep,
)

__all__ = [
    "ClaimResult",
    "Delivery",
    "Digest",
    "DigestItem",
    "DryRun",
    "ObligationsRefreshResult",
    "RemindNowResult",
    "SweepResult",
    "TemporaryDeliveryError",
    "digest_build",
    "digest_email",
    "digest_load",
    "digest_markdown",
    "is_temporary",
    "obligation_follow_city_submission",
    "obligation_follow_contribution",
    "obligation_follow_report",
    "obligation_met",
    "obligations_refresh",
    "periods_generate",
    "reminders_claim",
    "reminders_deliver",
    "reminders_dry_run",
    "reminders_insert",
    "reminders_record",
    "reminders_release",
    "reminders_remind_now",
    "reminders_retry",
    "reminders_sweep",
    "reporting_rule_derive",
    "reporting_rule_save",
]
