"""Cities and co-units as participants (issue 12): their rules in the same four parts (part 5 of core.access)."""

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .permissions import (
    GROUP_PERMISSIONS,
)
from .roles import (
    CITY_STAFF_GROUP,
    CO,
    GROUP_DESCRIPTIONS,
    LEAD,
    city_ids_of,
    is_city_member,
    is_consumer,
    is_office,
    unit_ids_of,
)
from .rows import (
    RULES,
    _reforms_view,
    _through,
)

# 5. Cities and co-units as participants (issue 12) ------------------------------------------------------------------
# Two more kinds of participant, with their rules in the same four parts as above:
# - City staff (group 城市填报人员, a units.CityMembership): their own cities' rollout targets, city submissions and
#   applications, and the reforms that concern their cities (targets + the 有条件的市 / 待核实 items open to them).
# - Unit staff come in two kinds per reform (reforms.Responsibility.role): the LEAD unit files the progress report,
#   confirms or returns the cities' submissions, gives its opinion on applications and reads the submitted
#   contributions; a CO-unit files a contribution (配合材料) to the lead per period, not a report.
# The office sees everything and decides; consumers see rollout targets (public) and nothing of the cities' or
# co-units' working material.

GROUP_DESCRIPTIONS[CITY_STAFF_GROUP] = _("City staff: their own city's targets, submissions and applications.")
GROUP_PERMISSIONS.setdefault(CITY_STAFF_GROUP, [])

# reforms.choices.Scope, tracker.cities.choices.SubmissionState and tracker.contributions.choices.ContributionState
# values these rules need (core/tests/test_access.py checks them).
OPEN_TO_CITIES = ("qualified_cities", "unverified")
CITY_DRAFT = "draft"
CONTRIBUTION_SUBMITTED = "submitted"


def _reform_ids(user, *, role: str | None = None):
    """A subquery of the reforms the user's units are responsible for (as `role`, or either). A subquery, not a
    join: a unit both leading and assisting, or two of the user's units, would repeat rows."""
    rows = apps.get_model("reforms.responsibility").objects.filter(unit_id__in=unit_ids_of(user))
    return (rows if role is None else rows.filter(role=role)).values("reform_id")


def _my_city_ids(user):
    # A subquery on the user's city memberships rather than city_ids_of(): rules that every unit member also runs
    # (reforms, targets) then cost no query for users who are in no city.
    return apps.get_model("units.citymembership").objects.filter(user_id=user.pk).values("city_id")


def is_lead_member(user, reform_id: int) -> bool:
    """True if `user` belongs to the reform's lead unit (one query, none for a user in no unit)."""
    return bool(unit_ids_of(user)) and _reform_ids(user, role=LEAD).filter(reform_id=reform_id).exists()


def leads_reforms(user) -> bool:
    """True if one of the user's units leads at least one reform: only they file progress reports (a co-unit files
    contributions). Read with the roles (role_annotations), so it costs no query of its own on PostgreSQL."""
    if not unit_ids_of(user):  # reads the roles (with this fact) in their one query when not read yet
        return False
    if not hasattr(user, "_leads_reforms"):  # roles read without role_annotations() (SQLite)
        user._leads_reforms = _reform_ids(user, role=LEAD).exists()
    return user._leads_reforms


def _led(user, reform_path: str) -> Q:
    """Rows whose reform (the field `reform_path` holds its id) the user's units lead."""
    return Q(**{f"{reform_path}__in": _reform_ids(user, role=LEAD)})


def _city_reforms_view(user) -> bool | Q:
    # Reforms: the office/consumer/unit-staff rule above, widened for city staff to the items that concern their
    # cities: those targeting them, and every 有条件的市 / 待核实 item (they may apply for it, or watch it).
    unit_rule = _reforms_view(user)
    if unit_rule is True or not user.is_authenticated:
        return unit_rule
    targeted = apps.get_model("reforms.rollouttarget").objects.filter(city_id__in=_my_city_ids(user))
    in_a_city = models.Exists(_my_city_ids(user))
    return unit_rule | Q(pk__in=targeted.values("reform_id")) | (Q(in_a_city) & Q(scope__in=OPEN_TO_CITIES))


def _targets_view(user) -> bool | Q:
    # Public data for the office and consumers; unit staff see the targets of their units' reforms, city staff
    # their own cities' (not the other cities' targets of the same reform).
    if not user.is_authenticated:
        return False
    if is_office(user) or is_consumer(user):
        return True
    return Q(reform_id__in=_reform_ids(user)) | Q(city_id__in=_my_city_ids(user))


def _city_submissions_view(user) -> bool | Q:
    # Their city's submissions in every state; the lead unit those on the reforms it leads once submitted (a city's
    # draft is its own); the office all. Consumers none.
    if not user.is_authenticated:
        return False
    if is_office(user):
        return True
    return _city_submissions_change(user) | (_led(user, "target__reform_id") & ~Q(state=CITY_DRAFT))


def _city_submissions_change(user) -> bool | Q:
    # Only the city's own staff write a submission (the services also check the state).
    return Q(target__city_id__in=city_ids_of(user))


def _city_submissions_review(user) -> bool | Q:
    # The office and the reform's lead unit confirm or return submitted submissions.
    if is_office(user):
        return True
    return _led(user, "target__reform_id") & ~Q(state=CITY_DRAFT)


def _city_applications_view(user) -> bool | Q:
    if not user.is_authenticated:
        return False
    if is_office(user):
        return True
    return Q(city_id__in=city_ids_of(user)) | _led(user, "reform_id")


def _city_applications_opinion(user) -> bool | Q:
    # The lead unit gives its opinion; the office decides (and sees them all).
    if is_office(user):
        return True
    return _led(user, "reform_id")


def _city_evidence_view(user) -> bool | Q:
    # A file belongs to a submission or to an application: seen with its owner.
    if not user.is_authenticated:
        return False
    if is_office(user):
        return True
    return _through("submission", "cities.citysubmission", user) | _through(
        "application", "cities.cityapplication", user
    )


def _contributions_view(user) -> bool | Q:
    # The office sees all (drafts too: it chases the late ones); a co-unit its own units' in every state; the lead
    # unit the submitted ones on the reforms it leads. Consumers and city staff none: working material.
    if not user.is_authenticated:
        return False
    if is_office(user):
        return True
    mine = unit_ids_of(user)
    if not mine:
        return False
    return Q(unit_id__in=mine) | (Q(state=CONTRIBUTION_SUBMITTED) & _led(user, "reform_id"))


def _contributions_change(user) -> bool | Q:
    # Only the co-unit's members write (the office files nothing; the services check the state).
    return Q(unit_id__in=unit_ids_of(user))


def _reforms_contribute(user) -> bool | Q:
    # The reforms on which the user's units are a co-unit: where a contribution may be filed.
    return Q(pk__in=_reform_ids(user, role=CO))


RULES.update(
    {
        ("reforms.reform", "view"): _city_reforms_view,
        ("reforms.reform", "contribute"): _reforms_contribute,
        ("reforms.rollouttarget", "view"): _targets_view,
        ("reforms.rollouttarget", "file"): lambda user: Q(city_id__in=city_ids_of(user)),  # city staff file on these
        ("units.city", "file"): lambda user: Q(pk__in=city_ids_of(user)),
        ("cities.citysubmission", "view"): _city_submissions_view,
        ("cities.citysubmission", "change"): _city_submissions_change,
        ("cities.citysubmission", "review"): _city_submissions_review,
        ("cities.citysubmissionrevision", "view"): lambda user: _through("submission", "cities.citysubmission", user),
        ("cities.citysubmissiontransition", "view"): lambda user: _through("submission", "cities.citysubmission", user),
        ("cities.cityapplication", "view"): _city_applications_view,
        ("cities.cityapplication", "opinion"): _city_applications_opinion,
        ("cities.cityapplicationstep", "view"): lambda user: _through("application", "cities.cityapplication", user),
        ("cities.cityevidence", "view"): _city_evidence_view,
        ("contributions.contribution", "view"): _contributions_view,
        ("contributions.contribution", "change"): _contributions_change,
        ("contributions.contributionattachment", "view"): lambda user: _through(
            "contribution", "contributions.contribution", user
        ),
    }
)


def may_review_city_work(user, reform_id: int) -> bool:
    """The office, or the reform's lead unit, confirms/returns a city's submission."""
    return is_office(user) or is_lead_member(user, reform_id)


def require_city_member(user, city_id: int, message=None) -> None:
    """Service guard: only the city's own staff go on."""
    if not is_city_member(user, city_id):
        raise PermissionDenied(message or _("Only the city's own staff may do this."))


def require_lead_member(user, reform_id: int, message=None) -> None:
    """Service guard: only members of the reform's lead unit go on."""
    if not is_lead_member(user, reform_id):
        raise PermissionDenied(message or _("Only the lead unit of the item may do this."))
