"""Writes on city memberships."""

from django.contrib.auth.models import Group
from django.db import transaction

from core.access import CITY_STAFF_GROUP
from units.models import CityMembership


@transaction.atomic
def city_member_add(*, user, city, role: str) -> CityMembership:
    """Make `user` a member of `city` with `role` (or change the role), in the city staff group for its admin pages."""
    membership, _ = CityMembership.objects.update_or_create(user=user, city=city, defaults={"role": role})
    user.groups.add(Group.objects.get_or_create(name=CITY_STAFF_GROUP)[0])
    if hasattr(user, "_city_ids"):
        del user._city_ids
    return membership
