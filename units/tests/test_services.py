from django.contrib.auth.models import Group

from core.access import OFFICE_GROUP, UNIT_STAFF_GROUP
from units.choices import MembershipRole
from units.models import Membership
from units.services import membership_create, membership_delete
from units.tests.factories import UnitFactory, UserFactory


def test_a_new_member_becomes_unit_staff_who_may_sign_in_to_the_admin(db):
    user, unit = UserFactory(), UnitFactory()

    membership = membership_create(user=user, unit=unit, role=MembershipRole.MANAGER)

    user.refresh_from_db()
    assert membership.role == MembershipRole.MANAGER
    assert user.is_staff
    assert user.groups.filter(name=UNIT_STAFF_GROUP).exists()


def test_adding_an_existing_member_again_only_updates_the_role(db):
    user, unit = UserFactory(), UnitFactory()
    membership_create(user=user, unit=unit)

    membership_create(user=user, unit=unit, role=MembershipRole.MANAGER)

    assert list(Membership.objects.values_list("role", flat=True)) == [MembershipRole.MANAGER]


def test_a_user_left_in_no_unit_loses_the_unit_staff_role_and_the_admin(db):
    user = UserFactory()
    first = membership_create(user=user, unit=UnitFactory())
    second = membership_create(user=user, unit=UnitFactory())

    membership_delete(membership=first)
    user.refresh_from_db()
    assert user.is_staff and user.groups.filter(name=UNIT_STAFF_GROUP).exists()

    membership_delete(membership=second)
    user.refresh_from_db()
    assert not user.is_staff
    assert not user.groups.filter(name=UNIT_STAFF_GROUP).exists()


def test_an_office_member_who_leaves_a_unit_keeps_the_admin(db):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=OFFICE_GROUP))
    membership = membership_create(user=user, unit=UnitFactory())

    membership_delete(membership=membership)

    user.refresh_from_db()
    assert user.is_staff
