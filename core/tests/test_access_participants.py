"""The issue-12 rules of core.access, per role: city staff and the co-unit/lead distinction.

The world: reform_a is led by unit_a (reporter) with unit_b as its co-unit (co_staff, a member of unit_b, which
also leads reform_b); reform_a targets city_a and city_b. city_a's staff (city_a_staff) have a draft submission,
city_b's staff (city_b_staff) a submitted one; city_a applied for `qualified`, a 有条件的市 item unit_b leads that
targets no city yet. unit_b filed one draft and one submitted contribution on reform_a (two periods).
Plus office, consumer, outsider (signed in, no role) and anonymous.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from core import access
from reforms.choices import ResponsibilityRole, Scope
from reforms.models import Reform, RolloutTarget
from reforms.tests.factories import ResponsibilityFactory
from tracker.cities import services as city_services
from tracker.cities.choices import SubmissionState
from tracker.cities.models import CityApplication, CityApplicationStep, CitySubmission, CitySubmissionTransition
from tracker.cities.tests.factories import make_city_user
from tracker.contributions import services as contribution_services
from tracker.contributions.choices import ContributionState
from tracker.contributions.models import Contribution
from tracker.tests.factories import ReportingPeriodFactory, make_reform_for
from units.models import City
from units.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(office, reporter, other_reporter, consumer, unit_a, unit_b):
    reform_a, reform_b = make_reform_for(unit_a), make_reform_for(unit_b)
    ResponsibilityFactory(reform=reform_a, unit=unit_b, role=ResponsibilityRole.CO, position=1)
    qualified = make_reform_for(unit_b, cities=0)
    Reform.objects.filter(pk=qualified.pk).update(scope=Scope.QUALIFIED_CITIES)
    target_a, target_b = reform_a.targets.select_related("city").order_by("city__code")
    city_a_staff, city_b_staff = make_city_user(target_a.city), make_city_user(target_b.city)
    period, later = ReportingPeriodFactory(batch=reform_a.batch), ReportingPeriodFactory(batch=reform_a.batch)
    data = {"work_done": "已部署"}
    draft = city_services.city_submission_create(user=city_a_staff, target=target_a, period=period, data=data)
    submitted = city_services.city_submission_create(user=city_b_staff, target=target_b, period=period, data=data)
    submitted = city_services.city_submission_submit(submission=submitted, user=city_b_staff)
    application = city_services.city_application_create(
        user=city_a_staff, reform=Reform.objects.get(pk=qualified.pk), conditions_met="具备", reason="需要"
    )
    co_draft = contribution_services.contribution_create(user=other_reporter, reform=reform_a, period=period, data=data)
    co_submitted = contribution_services.contribution_create(
        user=other_reporter, reform=reform_a, period=later, data=data
    )
    co_submitted = contribution_services.contribution_submit(contribution=co_submitted, user=other_reporter)
    return {
        "users": {
            "office": office,
            "lead": reporter,
            "co": other_reporter,
            "city_a": city_a_staff,
            "city_b": city_b_staff,
            "consumer": consumer,
            "outsider": UserFactory(),
            "anonymous": AnonymousUser(),
        },
        "reform_a": reform_a,
        "reform_b": reform_b,
        "qualified": qualified,
        "targets": (target_a, target_b),
        "submissions": (draft, submitted),
        "application": application,
        "contributions": (co_draft, co_submitted),
    }


def rows(model, user, action="view"):
    return set(model.objects.restrict(user, action))


def per_role(world, model, action="view"):
    return {name: rows(model, user, action) for name, user in world["users"].items()}


def test_city_staff_see_the_reforms_that_concern_their_city(world):
    ra, rb, q = world["reform_a"], world["reform_b"], world["qualified"]
    assert per_role(world, Reform) == {
        "office": {ra, rb, q},
        "lead": {ra},
        "co": {ra, rb, q},
        "city_a": {ra, q},  # targeted by reform_a; the 有条件的市 item is open to it
        "city_b": {ra, q},
        "consumer": {ra, rb, q},
        "outsider": set(),
        "anonymous": set(),
    }
    # Where a co-unit files contributions: the reforms its units assist, not those they lead.
    assert rows(Reform, world["users"]["co"], "contribute") == {ra}
    assert rows(Reform, world["users"]["lead"], "contribute") == set()


def test_rollout_targets_city_staff_see_their_own_citys_only(world):
    ta, tb = world["targets"]
    every = set(RolloutTarget.objects.all())
    seen = per_role(world, RolloutTarget)
    assert seen["office"] == seen["consumer"] == every
    assert seen["lead"] == {ta, tb}
    assert seen["co"] == every  # reform_a assists, reform_b leads; `qualified` has no target
    assert (seen["city_a"], seen["city_b"]) == ({ta}, {tb})
    assert seen["outsider"] == seen["anonymous"] == set()
    # The targets one files on: one's own city's.
    assert rows(RolloutTarget, world["users"]["city_a"], "file") == {ta}
    assert rows(RolloutTarget, world["users"]["lead"], "file") == set()
    assert rows(City, world["users"]["city_a"], "file") == {ta.city}
    assert rows(City, world["users"]["office"], "file") == set()


def test_city_submissions_a_citys_draft_is_its_own_the_lead_sees_and_reviews_submitted_ones(world):
    draft, submitted = world["submissions"]
    assert per_role(world, CitySubmission) == {
        "office": {draft, submitted},
        "lead": {submitted},
        "co": set(),  # a co-unit has no part in the cities' word
        "city_a": {draft},
        "city_b": {submitted},
        "consumer": set(),
        "outsider": set(),
        "anonymous": set(),
    }
    change = per_role(world, CitySubmission, "change")
    assert change["city_a"] == {draft} and change["city_b"] == {submitted}
    assert change["office"] == change["lead"] == set()
    review = per_role(world, CitySubmission, "review")
    assert review["office"] == {draft, submitted} and review["lead"] == {submitted}
    assert review["city_a"] == review["co"] == set()
    # History follows its submission.
    assert {t.submission for t in CitySubmissionTransition.objects.restrict(world["users"]["lead"])} == {submitted}


def test_city_applications_the_applicant_city_and_the_lead_unit(world):
    application = world["application"]
    seen = per_role(world, CityApplication)
    assert seen["office"] == seen["city_a"] == seen["co"] == {application}  # co: unit_b leads `qualified`
    assert seen["city_b"] == seen["lead"] == seen["consumer"] == seen["outsider"] == set()
    opinion = per_role(world, CityApplication, "opinion")
    assert opinion["co"] == opinion["office"] == {application} and opinion["city_a"] == set()
    assert {s.application for s in CityApplicationStep.objects.restrict(world["users"]["city_a"])} == {application}
    assert not CityApplicationStep.objects.restrict(world["users"]["city_b"]).exists()


def test_contributions_the_co_unit_its_own_the_lead_the_submitted_ones(world):
    co_draft, co_submitted = world["contributions"]
    assert co_submitted.state == ContributionState.SUBMITTED
    assert per_role(world, Contribution) == {
        "office": {co_draft, co_submitted},
        "lead": {co_submitted},
        "co": {co_draft, co_submitted},
        "city_a": set(),
        "city_b": set(),
        "consumer": set(),
        "outsider": set(),
        "anonymous": set(),
    }
    change = per_role(world, Contribution, "change")
    assert change["co"] == {co_draft, co_submitted}  # the services refuse writes on a submitted one (409)
    assert change["office"] == change["lead"] == set()


def test_the_predicates_and_guards_of_city_staff_and_the_lead(world):
    users, (ta, tb) = world["users"], world["targets"]
    assert access.city_ids_of(users["city_a"]) == [ta.city_id]
    assert access.city_ids_of(users["lead"]) == access.city_ids_of(users["anonymous"]) == []
    assert access.is_city_member(users["city_b"], tb.city_id) and not access.is_city_member(users["city_b"], ta.city_id)
    reform_a = world["reform_a"]
    assert access.is_lead_member(users["lead"], reform_a.pk)
    assert not access.is_lead_member(users["co"], reform_a.pk)  # a co-unit is no lead
    assert access.may_review_city_work(users["office"], reform_a.pk)
    assert not access.may_review_city_work(users["city_a"], reform_a.pk)
    access.require_city_member(users["city_a"], ta.city_id)
    access.require_lead_member(users["lead"], reform_a.pk)
    with pytest.raises(PermissionDenied):
        access.require_city_member(users["office"], ta.city_id)
    with pytest.raises(PermissionDenied):
        access.require_lead_member(users["co"], reform_a.pk)


def test_the_values_core_spells_out_are_the_apps(world):
    assert (access.LEAD, access.CO) == (ResponsibilityRole.LEAD, ResponsibilityRole.CO)
    assert set(access.OPEN_TO_CITIES) == {Scope.QUALIFIED_CITIES, Scope.UNVERIFIED}
    assert access.CITY_DRAFT == SubmissionState.DRAFT
    assert access.CONTRIBUTION_SUBMITTED == ContributionState.SUBMITTED
