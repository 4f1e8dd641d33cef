"""What one may do to a row one sees: the admin's answers and the service guards (part 4 of core.access)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from .roles import (
    city_ids_of,
    is_consumer,
    is_office,
    is_unit_member,
    unit_ids_of,
)
from .rows import (
    EDITABLE_STATES,
)

# 4. What one may do to a row one sees -------------------------------------------------------------------------------


def may_change_report(user, report) -> bool:
    """The row form of the "change" rule above: the unit's own members, while the report is a draft or returned."""
    return report.state in EDITABLE_STATES and is_unit_member(user, report.unit_id)


def may_review(user) -> bool:
    """The office approves and returns submitted reports."""
    return is_office(user)


def may_import_staff(user) -> bool:
    """The office (and administrators) import staff: the import creates accounts and memberships in any unit."""
    return is_office(user) and user.has_perms(["auth.add_user", "auth.change_user", "units.add_membership"])


def may_read_audit(user) -> bool:
    """The audit trail is the office's."""
    return is_office(user)


def may_run_reminders(user) -> bool:
    """The office sends reminders (催办, retries) and looks at the dry run of the next sweep."""
    return is_office(user)


def holds_office_or_api_role(user) -> bool:
    """An administrator, the office or a consumer: an account the staff import must not turn into unit staff."""
    return user.is_superuser or is_office(user) or is_consumer(user)


def figure_unit_ids(user) -> tuple[int, ...] | None:
    """The units whose figures (statistics, dashboard, ledger) `user` sees: None for every unit (the office and
    consumers), else the user's own. Anyone else signed in has no figures: PermissionDenied (a 403)."""
    if is_office(user) or is_consumer(user):
        return None
    own = tuple(unit_ids_of(user))
    if not own:
        raise PermissionDenied(_("You have no unit whose figures you could see."))
    return own


def participation_figure_ids(user, subject: str) -> tuple[tuple[int, ...] | None, tuple[int, ...] | None]:
    """(city ids, unit ids) whose participation figures (`subject` "city" or "unit") `user` sees; None: every row.

    The office and consumers see every row. City staff see their own cities' rows and no unit row. Unit staff see
    their own units' rows and, per city, the targets of the reforms their units are responsible for (as the other
    statistics narrow them). Anyone else: PermissionDenied (a 403).
    """
    if is_office(user) or is_consumer(user):
        return None, None
    cities, units = tuple(city_ids_of(user)), tuple(unit_ids_of(user))
    if subject == "city" and cities:
        return cities, None
    if units:
        return None, units
    if subject == "city":
        raise PermissionDenied(_("You have no city or unit whose figures you could see."))
    raise PermissionDenied(_("You have no unit whose figures you could see."))


# Derived or historical rows nobody adds, changes or deletes by hand in the admin (whatever the group permissions):
# they follow from other rows, and the services write them.
NEVER_BY_HAND = {
    # A report is the record of the rollout: none is deleted (the database refuses for any report ever submitted).
    ("tracker.progressreport", "delete"),
    ("tracker.reportcityline", "delete"),  # a line stays once written: report_update() upserts by city
    # History of a report.
    *(("tracker.reporttransition", a) for a in ("add", "change", "delete")),
    *(("tracker.reportrevision", a) for a in ("add", "change", "delete")),
    # Edited on the reform page, next to the reform's other units and cities, not from a unit's or city's page.
    ("reforms.responsibility", "add"),
    ("reforms.responsibility", "change"),
    ("reforms.rollouttarget", "add"),
    ("reforms.rollouttarget", "change"),
    # The audit trail (written by database triggers), the colour history and the rollup state.
    *(
        (label, a)
        for label in ("audit.auditevent", "stats.coloursnapshot", "stats.rollupstate")
        for a in ("add", "change", "delete")
    ),
    # Obligations follow from rules and reports, reminders from the sweep; one row of reminder settings.
    *((label, a) for label in ("reminders.obligation", "reminders.reminder") for a in ("add", "delete")),
    ("reminders.remindersettings", "add"),
    ("reminders.remindersettings", "delete"),
}


def by_hand(label: str, action: str) -> bool:
    """False for (model, action) pairs in NEVER_BY_HAND: the admin's has_<action>_permission answers no for all."""
    return (label, action) not in NEVER_BY_HAND


def require_office(user, message=None) -> None:
    """Service guard: only the provincial office goes on."""
    if not is_office(user):
        raise PermissionDenied(message or _("Only the provincial office may do this."))


def require_unit_member(user, unit_id: int, message=None) -> None:
    """Service guard: only members of the unit go on."""
    if not is_unit_member(user, unit_id):
        raise PermissionDenied(message or _("Only members of the report's unit may change or submit it."))
