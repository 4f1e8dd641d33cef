from django.contrib.auth.models import Group

from core.access import CITY_STAFF_GROUP
from units.choices import MembershipRole
from units.tests.factories import UserFactory

from ..services import city_member_add


def make_city_user(city, role: str = MembershipRole.REPORTER, **kwargs):
    """A member of `city`'s government staff who signs in to the admin (in the city staff group)."""
    user = UserFactory(is_staff=True, **kwargs)
    city_member_add(user=user, city=city, role=role)
    assert user.groups.filter(name=CITY_STAFF_GROUP).exists()
    return user


__all__ = ["Group", "make_city_user"]
