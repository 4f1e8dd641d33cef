import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core.access import CONSUMER_GROUP, OFFICE_GROUP, UNIT_STAFF_GROUP
from units.choices import MembershipRole, UnitKind
from units.models import City, Membership, Unit


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("code",)

    # 37xxxx like the real codes; from 379000 on first, so the real 16 cities are met only after 1,000 factories.
    code = factory.Sequence(lambda n: f"37{(9000 + n) % 10000:04d}")
    name = factory.Sequence(lambda n: f"测试市{n}")
    name_en = factory.Sequence(lambda n: f"Test City {n}")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"省测试厅{n}")
    short_en = factory.Sequence(lambda n: f"Test Dept. {n}")
    kind = UnitKind.PROVINCIAL_DEPARTMENT


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("pass-1234-word")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = MembershipRole.REPORTER


def make_office_user(**kwargs):
    """A provincial office reviewer: staff, in the office group."""
    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name=OFFICE_GROUP))
    return user


def make_unit_user(unit: Unit, role: str = MembershipRole.REPORTER, **kwargs):
    """A member of `unit` who signs in to the admin."""
    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name=UNIT_STAFF_GROUP))
    MembershipFactory(user=user, unit=unit, role=role)
    return user


def make_consumer_user(**kwargs):
    """A read-only API consumer (a script or another system with a token)."""
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=CONSUMER_GROUP))
    return user
