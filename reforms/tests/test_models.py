"""Rules of batches, reforms, responsibilities and rollout targets, and the reform querysets."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from reforms.choices import Category, ResponsibilityRole, Scope, TargetStatus
from reforms.models import Reform, RolloutTarget
from reforms.services import reform_sync_targets
from reforms.tests.factories import BatchFactory, ReformFactory, ResponsibilityFactory, RolloutTargetFactory
from units.tests.factories import CityFactory, MembershipFactory, UnitFactory, UserFactory, make_unit_user


def test_a_reform_whose_scope_is_unverified_must_need_verification(db):
    reform = ReformFactory.build(batch=BatchFactory(), scope=Scope.UNVERIFIED, needs_verification=False)
    with pytest.raises(ValidationError) as caught:
        reform.full_clean()
    assert "needs_verification" in caught.value.message_dict

    reform.needs_verification, reform.verification_note = True, "推广范围待核实"
    reform.full_clean()


def test_a_reform_that_needs_verification_must_say_what(db):
    reform = ReformFactory.build(batch=BatchFactory(), needs_verification=True, verification_note="  ")
    with pytest.raises(ValidationError) as caught:
        reform.full_clean()
    assert "verification_note" in caught.value.message_dict


def test_a_number_is_unique_within_its_category_of_a_batch(db):
    batch = BatchFactory()
    ReformFactory(batch=batch, category=Category.PILOT, number=1)
    ReformFactory(batch=batch, category=Category.BEST_PRACTICE, number=1)
    ReformFactory(batch=BatchFactory(), category=Category.PILOT, number=1)

    with pytest.raises(IntegrityError):
        ReformFactory(batch=batch, category=Category.PILOT, number=1, code="other-code")


def test_a_reform_has_at_most_one_lead_unit(db):
    reform = ReformFactory()
    ResponsibilityFactory(reform=reform, role=ResponsibilityRole.LEAD)
    ResponsibilityFactory(reform=reform, role=ResponsibilityRole.CO, position=2)

    with pytest.raises(IntegrityError):
        ResponsibilityFactory(reform=reform, role=ResponsibilityRole.LEAD, position=3)


def test_a_unit_is_responsible_for_a_reform_only_once(db):
    first = ResponsibilityFactory()

    with pytest.raises(IntegrityError):
        ResponsibilityFactory(reform=first.reform, unit=first.unit, role=ResponsibilityRole.CO)


def test_a_city_that_does_not_apply_needs_a_reason(db):
    target = RolloutTargetFactory.build(
        reform=ReformFactory(), city=CityFactory(), status=TargetStatus.NOT_APPLICABLE, not_applicable_reason=""
    )
    with pytest.raises(ValidationError) as caught:
        target.full_clean()
    assert "not_applicable_reason" in caught.value.message_dict

    # The database holds the same rule, for writes that skip full_clean().
    with pytest.raises(IntegrityError):
        target.save()


def test_a_city_with_a_reason_may_be_not_applicable(db):
    RolloutTargetFactory(status=TargetStatus.NOT_APPLICABLE, not_applicable_reason="不沿海").full_clean()


def test_a_city_is_a_target_of_a_reform_only_once(db):
    target = RolloutTargetFactory()

    with pytest.raises(IntegrityError):
        RolloutTargetFactory(reform=target.reform, city=target.city)


def test_the_reforms_own_deadline_wins_over_the_batch_default(db):
    batch = BatchFactory(default_deadline=datetime.date(2026, 12, 31))

    assert ReformFactory(batch=batch).effective_deadline == datetime.date(2026, 12, 31)
    assert ReformFactory(batch=batch, deadline=datetime.date(2026, 6, 30)).effective_deadline == datetime.date(
        2026, 6, 30
    )


def test_the_office_sees_every_reform_and_unit_staff_those_of_their_units(office, reporter, unit_a, unit_b):
    ours = ResponsibilityFactory(unit=unit_a).reform
    theirs = ResponsibilityFactory(unit=unit_b).reform

    assert set(Reform.objects.restrict(office)) == {ours, theirs}
    assert list(Reform.objects.restrict(reporter)) == [ours]


def test_a_read_only_consumer_sees_every_reform_and_an_outsider_none(consumer, unit_a, unit_b):
    ours = ResponsibilityFactory(unit=unit_a).reform
    theirs = ResponsibilityFactory(unit=unit_b).reform
    outsider = UserFactory()
    assert set(Reform.objects.restrict(consumer)) == {ours, theirs}
    assert list(Reform.objects.restrict(outsider)) == []


def test_counts_are_not_multiplied_by_a_members_several_units(unit_a, unit_b):
    user = make_unit_user(unit_a, username="two_units")
    MembershipFactory(user=user, unit=unit_b)
    reform = ReformFactory()
    ResponsibilityFactory(reform=reform, unit=unit_a)
    ResponsibilityFactory(reform=reform, unit=unit_b, role=ResponsibilityRole.CO, position=2)
    for n, status in enumerate([TargetStatus.DONE, TargetStatus.IN_PROGRESS, TargetStatus.NOT_STARTED]):
        RolloutTargetFactory(reform=reform, city=CityFactory(code=f"37010{n}"), status=status)

    [row] = Reform.objects.restrict(user).with_counts()

    assert (row.target_count, row.done_count) == (3, 1)


@pytest.fixture
def cities(db):
    return [CityFactory(code=f"3701{n:02d}", name=f"测试市{n}") for n in range(4)]


def test_syncing_a_whole_province_reform_adds_only_the_missing_cities_and_keeps_statuses(cities):
    reform = ReformFactory(scope=Scope.ALL_CITIES)
    started = RolloutTargetFactory(reform=reform, city=cities[0], status=TargetStatus.IN_PROGRESS)

    assert reform_sync_targets(reform=reform) == 3
    assert reform_sync_targets(reform=reform) == 0

    assert set(reform.targets.values_list("city__code", flat=True)) == {c.code for c in cities}
    started.refresh_from_db()
    assert started.status == TargetStatus.IN_PROGRESS


@pytest.mark.parametrize("scope", [Scope.QUALIFIED_CITIES, Scope.UNVERIFIED])
def test_syncing_leaves_the_cities_the_office_chose_alone(cities, scope):
    reform = ReformFactory(scope=scope, needs_verification=True, verification_note="待核实")
    chosen = RolloutTargetFactory(reform=reform, city=cities[1])

    assert reform_sync_targets(reform=reform) == 0
    assert list(RolloutTarget.objects.filter(reform=reform)) == [chosen]


def test_responsible_units_are_listed_in_table_order(db):
    reform = ReformFactory()
    ResponsibilityFactory(reform=reform, unit=UnitFactory(name="省乙厅"), role=ResponsibilityRole.CO, position=2)
    ResponsibilityFactory(reform=reform, unit=UnitFactory(name="省甲厅"), role=ResponsibilityRole.LEAD, position=1)

    assert [r.unit.name for r in reform.responsibilities.all()] == ["省甲厅", "省乙厅"]
