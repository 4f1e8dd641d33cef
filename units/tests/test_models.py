"""Rules of cities, units and memberships."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from units.choices import UnitKind
from units.models import City, Unit, normalize_unit_name
from units.tests.factories import CityFactory, MembershipFactory, UnitFactory, make_unit_user


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("中国人民银行 山东省分行", "中国人民银行山东省分行"),
        (" 省市场监管局\u3000", "省市场监管局"),
        ("ＲＣＥＰ联盟", "RCEP联盟"),
    ],
)
def test_a_unit_name_typed_with_spaces_or_full_width_letters_folds_to_one_key(typed, key):
    assert normalize_unit_name(typed) == key


def test_a_unit_answers_to_its_name_and_every_alias():
    unit = Unit(name="省市场监管局", aliases="山东省市场监督管理局\n\n  \n省 市场监督管理局")

    assert unit.name_keys() == {"省市场监管局", "山东省市场监督管理局", "省市场监督管理局"}


def test_a_city_government_must_name_its_city(db):
    unit = UnitFactory.build(name="济南市人民政府", kind=UnitKind.CITY_GOVERNMENT)
    with pytest.raises(ValidationError) as caught:
        unit.full_clean()
    assert "city" in caught.value.message_dict

    unit.city = CityFactory(code="370100", name="济南")
    unit.full_clean()


def test_a_provincial_department_needs_no_city(db):
    UnitFactory.build(name="省商务厅", kind=UnitKind.PROVINCIAL_DEPARTMENT).full_clean()


@pytest.mark.parametrize("code", ["110100", "37010", "3701000", "37A100"])
def test_a_city_code_must_be_a_six_digit_shandong_code(db, code):
    with pytest.raises(ValidationError) as caught:
        City(code=code, name="某市").full_clean()
    assert "code" in caught.value.message_dict


def test_a_shandong_code_is_accepted(db):
    City(code="371700", name="菏泽").full_clean()


def test_the_office_sees_every_unit_and_unit_staff_only_their_own(office, reporter, unit_a, unit_b):
    assert set(Unit.objects.restrict(office)) == {unit_a, unit_b}
    assert list(Unit.objects.restrict(reporter)) == [unit_a]


def test_a_member_of_two_units_sees_each_once(unit_a, unit_b):
    user = make_unit_user(unit_a, username="two_units")
    MembershipFactory(user=user, unit=unit_b)
    UnitFactory(name="省别的厅")

    assert sorted(u.name for u in Unit.objects.restrict(user)) == sorted([unit_a.name, unit_b.name])


def test_a_user_is_a_member_of_a_unit_only_once(reporter, unit_a):
    with pytest.raises(IntegrityError):
        MembershipFactory(user=reporter, unit=unit_a)
