"""The audit trail: a PostgreSQL trigger on every table of the service copies each inserted, updated and deleted row
into an event table of this app (django-pghistory), with the context of the write (user, request id, address,
process) taken from the statement itself (see context.py). Because triggers do the work, nothing escapes: ORM
saves, QuerySet.update() (the report services' conditional updates), bulk writes, raw SQL, even psql.

Each tracked model gets a proxy here, and the triggers and event models are declared on the proxies, so every
migration of the audit trail lives in this app (and django.contrib.auth's User and Group can be tracked at all).
Event tables are append-only: a trigger refuses UPDATE and DELETE on them (pghistory's append_only).

Not tracked: the statistics rollup (derived every minute from tracked rows), sessions, django-axes' sign-in
attempts (their own log), API tokens (the key is the secret).
"""

import sys

import pghistory
from django.contrib.auth.models import Group, User
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from reforms.models import Batch, Reform, Responsibility, RolloutTarget
from tracker.cities.models import (
    CityApplication,
    CityApplicationStep,
    CityEvidence,
    CitySubmission,
    CitySubmissionRevision,
    CitySubmissionTransition,
)
from tracker.contributions.models import Contribution, ContributionAttachment
from tracker.models import (
    Attachment,
    ProgressReport,
    ReportCityLine,
    ReportingPeriod,
    ReportRevision,
    ReportTransition,
)
from tracker.reminders.models import (
    CalendarDay,
    CalendarYear,
    Obligation,
    Reminder,
    ReminderSettings,
    ReportingRule,
    UnitChannel,
)
from tracker.stats.models import StatusOverride
from units.models import City, CityMembership, Membership, Unit

# Fields never copied into the trail: secrets. A change to them alone leaves no event (the trigger compares the
# tracked fields only); the admin's own "changed password" message stays in Django's LogEntry.
EXCLUDED_FIELDS = {User: ["password"], UnitChannel: ["secret"]}

TRACKED_MODELS = [
    City,
    Unit,
    Membership,
    Batch,
    Reform,
    Responsibility,
    RolloutTarget,
    ReportingPeriod,
    ProgressReport,
    ReportCityLine,
    ReportRevision,
    ReportTransition,
    Attachment,
    CalendarDay,
    CalendarYear,
    ReminderSettings,
    ReportingRule,
    UnitChannel,
    Obligation,
    Reminder,
    StatusOverride,
    # Issue 12: what co-units fed the lead unit's report.
    Contribution,
    ContributionAttachment,
    # Issue 12: what cities reported and applied for, and who belongs to a city.
    CityMembership,
    CitySubmission,
    CitySubmissionRevision,
    CitySubmissionTransition,
    CityEvidence,
    CityApplication,
    CityApplicationStep,
    User,
    Group,
    # Who is in which group is who is the office: role changes are the writes an audit most needs.
    User.groups.through,
]


# Rows the reminder sweep inserts by the hundred thousand (one obligation per unit, city and period; one reminder per
# obligation and recipient): an insert event per row made the sweep 30x slower (issue 11: 189 s instead of 5 s for
# 100,000). Their creation is already on the row (created_at, the rule and period it follows from), so only their
# later changes and deletions go into the trail.
# A new report's city lines, one per target city (300 at large scale), are computed, not written by anyone: each
# target's status or the city's confirmed claim, both tracked where they are kept. An event per line was 6 of a
# create's 10 ms of PostgreSQL (issue 11). What people write into a line (an update, the report's submission with
# its snapshot, a deletion) stays in the trail, and the report's own insert event dates the creation.
INSERTS_UNTRACKED = {Obligation, Reminder, ReportCityLine}


def _trackers(model: type[models.Model]) -> tuple:
    # New instances per model: pghistory fills an update tracker's condition with the fields of its model.
    return (
        *(() if model in INSERTS_UNTRACKED else (pghistory.InsertEvent("insert"),)),
        pghistory.UpdateEvent("update"),
        pghistory.DeleteEvent("delete", row=pghistory.Old),
    )


def _track(model: type[models.Model]) -> type[models.Model]:
    name = "UserGroup" if model is User.groups.through else model.__name__
    proxy = type(
        f"{name}Audited",
        (model,),
        {
            "__module__": __name__,
            "__doc__": f"{model._meta.label} as the audit trail tracks it (a proxy: same table, triggers here).",
            "Meta": type("Meta", (), {"proxy": True, "app_label": "audit", "auto_created": False}),
        },
    )
    setattr(sys.modules[__name__], proxy.__name__, proxy)
    pghistory.track(
        *_trackers(model),
        exclude=EXCLUDED_FIELDS.get(model),
        model_name=f"{name}Event",
        app_label="audit",
        append_only=True,
        context_field=pghistory.ContextJSONField(),
        meta={"verbose_name": format_lazy(_("change of {model}"), model=model._meta.verbose_name)},
    )(proxy)
    return proxy


AUDITED = {model: _track(model) for model in TRACKED_MODELS}


class AuditEvent(pghistory.models.Events):
    """One write of any tracked row, read across all event tables: what, when, who, from where (read-only).

    pghistory computes `pgh_diff` (field: [before, after]) against the previous event of the same row.
    """

    user = pghistory.ProxyField(
        "pgh_context__user",
        models.ForeignKey(User, on_delete=models.DO_NOTHING, null=True, db_constraint=False, related_name="+"),
    )
    username = pghistory.ProxyField("pgh_context__username", models.TextField(_("user name"), null=True))
    request_id = pghistory.ProxyField("pgh_context__request_id", models.TextField(_("request id"), null=True))
    ip = pghistory.ProxyField("pgh_context__ip", models.TextField(_("address"), null=True))
    process = pghistory.ProxyField("pgh_context__process", models.TextField(_("process"), null=True))

    class Meta:
        proxy = True
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
