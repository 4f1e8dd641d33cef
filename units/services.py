"""Writes on units, memberships and roles."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .choices import MembershipRole
from .models import Membership, Unit
from .roles import CONSUMER_GROUP, OFFICE_GROUP, UNIT_STAFF_GROUP

# Model permissions each role group holds in the admin, as "app_label.codename". Row-level scope (a unit's staff see
# only their unit) is applied on top by the querysets; these only open the admin pages.
GROUP_PERMISSIONS: dict[str, list[str]] = {
    OFFICE_GROUP: [
        # The office creates the accounts of unit staff and consumers (never superusers: see the user admin).
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "authtoken.view_tokenproxy",
        "authtoken.add_tokenproxy",
        "authtoken.delete_tokenproxy",
    ]
    + [
        f"{app}.{action}_{model}"
        for app, models in {
            "units": ["city", "unit", "membership", "staffprofile"],
            "reforms": ["batch", "reform", "responsibility", "rollouttarget"],
        }.items()
        for model in models
        for action in ("add", "change", "delete", "view")
    ],
    UNIT_STAFF_GROUP: [
        "units.view_unit",
        "units.view_city",
        "reforms.view_batch",
        "reforms.view_reform",
        "reforms.view_responsibility",
        "reforms.view_rollouttarget",
    ],
    CONSUMER_GROUP: [],
}


def roles_register_permissions(group_name: str, permissions: list[str]) -> None:
    """Let a later app (tracker) add its permissions to a role without units importing it."""
    GROUP_PERMISSIONS.setdefault(group_name, [])
    for perm in permissions:
        if perm not in GROUP_PERMISSIONS[group_name]:
            GROUP_PERMISSIONS[group_name].append(perm)


@transaction.atomic
def roles_sync() -> None:
    """Create the role groups and give them exactly the permissions in GROUP_PERMISSIONS (idempotent)."""
    for group_name, perms in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)


@transaction.atomic
def membership_create(*, user, unit: Unit, role: str = MembershipRole.REPORTER) -> Membership:
    """Make `user` a member of `unit` and let them into the admin as unit staff."""
    membership, created = Membership.objects.get_or_create(user=user, unit=unit, defaults={"role": role})
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    user.groups.add(Group.objects.get(name=UNIT_STAFF_GROUP))
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return membership


@transaction.atomic
def membership_delete(*, membership: Membership) -> None:
    """End a membership; a user left in no unit loses the unit-staff role (and the admin, unless office)."""
    user = membership.user
    membership.delete()
    if not user.memberships.exists():
        user.groups.remove(Group.objects.get(name=UNIT_STAFF_GROUP))
        if user.is_staff and not user.is_superuser and not user.groups.exists():
            user.is_staff = False
            user.save(update_fields=["is_staff"])
