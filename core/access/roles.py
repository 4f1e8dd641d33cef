"""Who is who: the roles and the facts every rule is made of (part 1 of core.access)."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.utils.translation import gettext_lazy as _

# 1. Who is who ------------------------------------------------------------------------------------------------------

# Group names are data the office sees in the admin, so they are Chinese; code refers to these constants only.
OFFICE_GROUP = "省推广办"
CONSUMER_GROUP = "数据接口只读用户"
UNIT_STAFF_GROUP = "单位填报人员"
CITY_STAFF_GROUP = "城市填报人员"  # its description and permissions: core.access.participants

# reforms.choices.ResponsibilityRole values: the lead unit files the report, co-units contribute
# (core/tests/test_access.py checks them).
LEAD, CO = "lead", "co"

GROUP_DESCRIPTIONS = {
    OFFICE_GROUP: _("Provincial office: sees and reviews everything."),
    CONSUMER_GROUP: _("Read-only API consumer: approved data and statistics only."),
    UNIT_STAFF_GROUP: _("Unit staff: their own unit's reforms and reports."),
}


def roles_in_one_query() -> bool:
    """The one-query form needs PostgreSQL's ARRAY(subquery); elsewhere (SQLite for scripts/run) the roles come in
    a query each and the permissions from ModelBackend as usual."""
    return connection.vendor == "postgresql"


def role_annotations(user_ref: str = "pk") -> dict:
    """The annotations load_roles() reads, for a queryset whose `user_ref` is the user's id ("pk" on the user
    model, "user_id" on an API token): the group names, the membership units and the permissions."""
    from django.contrib.postgres.expressions import ArraySubquery
    from django.db.models import F, OuterRef, Value
    from django.db.models.functions import Concat

    user = OuterRef(user_ref)
    permission = apps.get_model("auth.permission").objects.order_by()
    label = Concat(F("content_type__app_label"), Value("."), F("codename"), output_field=models.TextField())
    return {
        "role_groups": ArraySubquery(apps.get_model("auth.group").objects.filter(user=user).order_by().values("name")),
        "role_units": ArraySubquery(apps.get_model("units.membership").objects.filter(user=user).values("unit_id")),
        "role_user_perms": ArraySubquery(permission.filter(user=user).annotate(label=label).values("label")),
        "role_group_perms": ArraySubquery(permission.filter(group__user=user).annotate(label=label).values("label")),
        # Whether one of the user's units leads an item (leads_reforms(): the admin asks it on every page).
        "role_leads": models.Exists(
            apps.get_model("reforms.responsibility").objects.filter(role=LEAD, unit__memberships__user=user)
        ),
    }


def keep_roles(user, row) -> None:
    """Cache on `user` the roles read with role_annotations() (`row`: an object or a dict with them)."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    user._group_names = frozenset(get("role_groups"))
    user._unit_ids = list(get("role_units"))
    user._leads_reforms = bool(get("role_leads"))
    # Superusers need no permissions: User.has_perm() answers True for an active superuser before any backend.
    if user.is_active and not user.is_superuser and not hasattr(user, "_perm_cache"):
        user._user_perm_cache = set(get("role_user_perms"))
        user._group_perm_cache = set(get("role_group_perms"))
        user._perm_cache = user._user_perm_cache | user._group_perm_cache


def load_roles(user) -> None:
    """Read everything the role checks of a request need in ONE query, cached on the user object: the user's group
    names, the units of its memberships and, for ModelBackend, its permissions (its own and its groups'), which
    DRF's DjangoModelPermissions and the admin ask for. Issue 11: these were five queries on every write. An API
    token's look-up reads them with the token (core.authentication.TokenAuthentication): no query at all then.

    The permissions are put where django.contrib.auth.backends.ModelBackend keeps them (`_user_perm_cache`,
    `_group_perm_cache`, `_perm_cache`) in exactly the form it would compute, so has_perm() answers the same.
    """
    if hasattr(user, "_group_names") and hasattr(user, "_unit_ids"):
        return  # (a test drops _unit_ids to stand for the next request)
    if not roles_in_one_query():
        user._group_names = frozenset(user.groups.values_list("name", flat=True))
        user._unit_ids = list(user.memberships.values_list("unit_id", flat=True))
        return
    annotations = role_annotations()
    keep_roles(
        user, get_user_model()._default_manager.filter(pk=user.pk).annotate(**annotations).values(*annotations).get()
    )


def is_office(user) -> bool:
    """The provincial office (group 省推广办), and superusers, who administer the service."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    load_roles(user)  # cached on the user object: permission checks run several times per request
    return OFFICE_GROUP in user._group_names


def is_consumer(user) -> bool:
    """A read-only API consumer (group 数据接口只读用户): reference data, approved reports and statistics."""
    if not user.is_authenticated:
        return False
    load_roles(user)
    return CONSUMER_GROUP in user._group_names


def unit_ids_of(user) -> list[int]:
    """Ids of the units `user` is a member of (units.Membership): unit staff work on these. Cached for the request."""
    if not user.is_authenticated:
        return []
    load_roles(user)
    return user._unit_ids


def is_unit_member(user, unit_id: int) -> bool:
    return unit_id in unit_ids_of(user)


def files_reports(user) -> bool:
    """Unit staff file their units' reports; the office reviews them and files none (even if it is in a unit).

    is_office() goes first: the admin's navigation asks this on every page and most pages have asked is_office()
    already (it is cached on the user), so an office page costs no query for the user's memberships.
    """
    return not is_office(user) and bool(unit_ids_of(user))


def city_ids_of(user) -> list[int]:
    """Ids of the cities `user` is a member of (units.CityMembership). Cached for the request like unit_ids_of()."""
    if not user.is_authenticated:
        return []
    if not hasattr(user, "_city_ids"):
        user._city_ids = list(user.city_memberships.values_list("city_id", flat=True))
    return user._city_ids


def is_city_member(user, city_id: int) -> bool:
    return city_id in city_ids_of(user)
