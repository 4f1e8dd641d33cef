"""Who sees what of the cities app, as small plain functions the querysets call (the lead folds them into
core/access.py): one rule per (role, model, action), written with field paths only.

- The office (and superusers) sees and decides everything.
- City staff (a CityMembership) see their own cities' targets, submissions (in every state) and applications,
  never another city's.
- Unit staff see the submissions and applications on the reforms their unit leads, once the city has submitted
  them (a city's draft is its own), and the targets of their units' reforms.
- Read-only consumers see rollout targets (public data already through the reforms API) and nothing else here.
Everything outside a scope answers 404.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.access import is_consumer, is_office, unit_ids_of
from reforms.choices import ResponsibilityRole
from reforms.models import Responsibility, RolloutTarget

# Group names are data the office sees in the admin, so they are Chinese; code refers to this constant only.
CITY_STAFF_GROUP = "城市填报人员"
CITY_STAFF_DESCRIPTION = _("City staff: their own city's targets, submissions and applications.")


def city_ids_of(user) -> list[int]:
    """Ids of the cities `user` is a member of, cached for the request like unit_ids_of()."""
    if not user.is_authenticated:
        return []
    if not hasattr(user, "_city_ids"):
        user._city_ids = list(user.city_memberships.values_list("city_id", flat=True))
    return user._city_ids


def is_city_member(user, city_id: int) -> bool:
    return city_id in city_ids_of(user)


def led_reforms(user, *, prefix: str) -> Q:
    """Rows whose reform (at `prefix`, e.g. "target__reform") the user's unit leads. A subquery, not a join: OR-ed
    with the city's own rows, a join on the responsibilities repeats each row once per responsible unit (the admin's
    get() then fails). Helper "access12" folds the same fix into core.access."""
    led = Responsibility.objects.filter(unit_id__in=unit_ids_of(user), role=ResponsibilityRole.LEAD)
    return Q(**{f"{prefix}__in": led.values("reform_id")})


def is_lead_member(user, reform_id: int) -> bool:
    """True if `user` belongs to the lead unit of the reform."""
    mine = unit_ids_of(user)
    return (
        bool(mine)
        and Responsibility.objects.filter(reform_id=reform_id, unit_id__in=mine, role=ResponsibilityRole.LEAD).exists()
    )


def submission_scope(user, action: str = "view") -> Q | None:
    """The city submissions `user` may do `action` on ("view", "change", "review"); None means all of them."""
    from .choices import SubmissionState

    if is_office(user):
        return None if action != "change" else Q(pk__in=[])
    own_city = Q(target__city_id__in=city_ids_of(user))
    led = led_reforms(user, prefix="target__reform") & ~Q(state=SubmissionState.DRAFT)
    if action == "change":
        return own_city
    if action == "review":
        return led
    return own_city | led


def application_scope(user, action: str = "view") -> Q | None:
    """The applications `user` may do `action` on ("view", "opinion"); None means all of them."""
    if is_office(user):
        return None
    led = led_reforms(user, prefix="reform")
    if action == "opinion":
        return led
    return Q(city_id__in=city_ids_of(user)) | led


def target_scope(user, action: str = "view") -> Q | None:
    """The rollout targets `user` sees here: all for the office and consumers, else its cities' and units'."""
    if is_office(user) or is_consumer(user):
        return None
    # A subquery, not a join: a unit both leading and assisting (or two of the user's units) would repeat rows.
    mine = Responsibility.objects.filter(unit_id__in=unit_ids_of(user)).values("reform_id")
    return Q(city_id__in=city_ids_of(user)) | Q(reform_id__in=mine)


def targets_for(user, action: str = "view"):
    """RolloutTarget rows `user` sees in this app (the reforms app has no restrict() of its own yet)."""
    if not user.is_authenticated:
        return RolloutTarget.objects.none()
    scope = target_scope(user, action)
    return RolloutTarget.objects.all() if scope is None else RolloutTarget.objects.filter(scope)


def item_scope(user, action: str = "view") -> Q | None:
    """The reforms that concern `user` here: all for the office and consumers; for city staff those that target
    their cities and every 有条件的市 or 待核实 item (which they may apply for, or watch until the scope is known);
    for unit staff their units' reforms."""
    from reforms.choices import Scope

    if is_office(user) or is_consumer(user):
        return None
    # Subqueries, not joins: a reform targeting two of the user's cities must come once.
    targeted = RolloutTarget.objects.filter(city_id__in=city_ids_of(user)).values("reform_id")
    mine = Responsibility.objects.filter(unit_id__in=unit_ids_of(user)).values("reform_id")
    scope = Q(pk__in=targeted) | Q(pk__in=mine)
    if city_ids_of(user):
        scope |= Q(scope__in=[Scope.QUALIFIED_CITIES, Scope.UNVERIFIED])
    return scope
