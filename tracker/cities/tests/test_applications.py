"""Applications for 有条件的市 items: apply, the lead unit's opinion, the office's approval (a dated rollout target)
or rejection, direct assignment, and the 待核实 items that take no application."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from reforms.choices import Scope
from reforms.models import RolloutTarget
from tracker.tests import samples
from tracker.tests.factories import new_city

from .. import services
from ..choices import ApplicationState
from ..exceptions import StateConflict
from ..models import CityApplication
from .factories import make_city_user

pytestmark = pytest.mark.django_db

A = "/api/cities/applications/"


@pytest.fixture
def qualified(reform_a):
    reform_a.scope = Scope.QUALIFIED_CITIES
    reform_a.save()
    return reform_a


@pytest.fixture
def applicant_city():
    return new_city()


@pytest.fixture
def applicant(applicant_city):
    return make_city_user(applicant_city, username="applicant")


def apply(user, reform, **kwargs):
    kwargs.setdefault("conditions_met", "已建成综合服务平台")
    kwargs.setdefault("reason", "本市企业需求较大")
    return services.city_application_create(user=user, reform=reform, **kwargs)


def test_the_whole_path_creates_a_dated_target_and_records_every_step(qualified, applicant, reporter, office):
    application = apply(applicant, qualified)
    application = services.city_application_opinion(
        application=application, user=reporter, opinion="support", comment="条件具备"
    )
    application = services.city_application_approve(application=application, user=office, on=datetime.date(2026, 12, 1))

    target = RolloutTarget.objects.get(reform=qualified, city=application.city)
    assert target.status_changed_on == datetime.date(2026, 12, 1)
    assert application.state == ApplicationState.APPROVED
    assert CityApplication.objects.get().target == target
    assert list(application.steps.values_list("kind", flat=True)) == ["applied", "opinion", "approved"]


def test_an_item_to_be_verified_takes_no_application(reform_a, applicant):
    reform_a.scope = Scope.UNVERIFIED
    reform_a.needs_verification, reform_a.verification_note = True, "核对原件"
    reform_a.save()

    with pytest.raises(ValidationError) as exc:
        apply(applicant, reform_a)
    assert "reform" in exc.value.message_dict
    assert not CityApplication.objects.exists()


def test_a_city_that_is_already_a_target_takes_no_application(qualified, city_reporter):
    # city_reporter's city is already a target of reform_a.
    with pytest.raises(ValidationError):
        apply(city_reporter, qualified)


def test_one_open_application_per_city_and_item(qualified, applicant):
    apply(applicant, qualified)
    with pytest.raises(ValidationError):
        apply(applicant, qualified)
    assert CityApplication.objects.count() == 1


def test_only_the_lead_unit_gives_an_opinion_and_only_the_office_decides(
    qualified, applicant, other_reporter, reporter
):
    application = apply(applicant, qualified)
    with pytest.raises(PermissionDenied):
        services.city_application_opinion(application=application, user=other_reporter, opinion="support")
    with pytest.raises(PermissionDenied):
        services.city_application_approve(application=application, user=reporter)


def test_a_rejection_needs_a_reason_and_is_final(qualified, applicant, office):
    application = apply(applicant, qualified)
    with pytest.raises(ValidationError):
        services.city_application_reject(application=application, user=office, reason=" ")
    application = services.city_application_reject(application=application, user=office, reason="条件尚不具备")

    assert application.steps.last().comment == "条件尚不具备"
    with pytest.raises(StateConflict):
        services.city_application_approve(application=application, user=office)
    assert not RolloutTarget.objects.filter(reform=qualified, city=application.city).exists()


def test_the_office_assigns_a_city_directly(qualified, office, applicant, applicant_city):
    application = apply(applicant, qualified)

    target = services.rollout_target_assign(user=office, reform=qualified, city=applicant_city, comment="省里统筹")

    application.refresh_from_db()
    assert application.state == ApplicationState.APPROVED
    assert application.target == target
    assert application.steps.last().kind == "assigned"


def test_the_api_path_with_evidence_visible_to_the_applicant(
    client_for, qualified, applicant, reporter, office, other_city_reporter
):
    created = client_for(applicant).post(
        A, {"reform": qualified.pk, "conditions_met": "已具备", "reason": "需求大"}, format="json"
    )
    assert created.status_code == 201, created.data
    url = f"{A}{created.data['id']}/"
    upload = client_for(applicant).post(
        f"{url}evidence/", {"file": samples.upload("证明.pdf", samples.pdf())}, format="multipart"
    )
    assert upload.status_code == 201, upload.data

    assert client_for(reporter).post(f"{url}opinion/", {"opinion": "support"}, format="json").status_code == 200
    assert client_for(other_city_reporter).get(url).status_code == 404
    rejected = client_for(office).post(f"{url}reject/", {"reason": "名额已满"}, format="json")
    assert rejected.status_code == 200

    seen = client_for(applicant).get(url).data
    assert seen["state_display"] == "未批准"
    assert [s["kind"] for s in seen["steps"]] == ["applied", "opinion", "rejected"]
    assert seen["evidence"][0]["original_name"] == "证明.pdf"


def test_the_office_assigns_through_the_api(client_for, qualified, office, applicant_city, city_reporter):
    body = {"reform": qualified.pk, "city": applicant_city.pk, "on": "2026-12-01"}
    assert client_for(city_reporter).post("/api/cities/targets/", body, format="json").status_code == 403

    response = client_for(office).post("/api/cities/targets/", body, format="json")

    assert response.status_code == 201, response.data
    assert response.data["status_changed_on"] == "2026-12-01"


@pytest.mark.parametrize("rows", [1, 20])
def test_the_application_list_costs_the_same_queries_for_1_and_20_rows(client_for, unit_a, batch, office, rows):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tracker.tests.factories import make_reform_for

    user = make_city_user(new_city())
    for _ in range(rows):
        reform = make_reform_for(unit_a, batch=batch, cities=0)
        reform.scope = Scope.QUALIFIED_CITIES
        reform.save()
        apply(user, reform)

    client = client_for(type(office).objects.get(pk=office.pk))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(A).status_code == 200
    # 1 is_office, 2 COUNT, 3 applications with reform, city and applicant.
    assert len(queries) == 3
