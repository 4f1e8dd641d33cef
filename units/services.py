"""Writes on units, memberships and roles."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from core.access import GROUP_PERMISSIONS, UNIT_STAFF_GROUP

from .choices import MembershipRole
from .models import Membership, Unit


@transaction.atomic
def roles_sync() -> None:
    """Create the role groups and give them exactly the permissions the apps registered in
    core.access.GROUP_PERMISSIONS (idempotent)."""
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
