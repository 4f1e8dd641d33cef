"""Who may do what on the cities API: every /api/cities/ operation of the schema × every role × an object of
city_a on reform_a ("own": unit_a leads it) and one of city_b on reform_b ("other": unit_b leads it).

Part of the one permission spec: the main matrix (tracker/tests/test_permissions_matrix.py) has every other
operation, with the same personas (PERSONA_OF); tests/test_permission_coverage.py fails for an operation without
rows here or there, or a row that leaves a persona or the own/other variant unsaid. Here co_staff is staff of
unit_c, a co-unit of reform_a: it sees reform_a's targets, nothing the cities write.

Outside one's scope: 404. In scope but not one's step: 403 (model permission or the service). A city's draft is
its own: the lead unit gets 404 for it. Consumers see rollout targets, nothing else of this app.
"""

from dataclasses import dataclass

import pytest

from reforms.choices import ResponsibilityRole, Scope
from reforms.tests.factories import ResponsibilityFactory
from tracker.tests import samples
from tracker.tests.factories import make_reform_for, new_city
from units.tests.factories import UnitFactory, UserFactory, make_unit_user

from .. import services
from .factories import make_city_user

pytestmark = pytest.mark.django_db

A, CA, CB, R, X, OFF, C = "anonymous", "city_a", "city_b", "reporter", "other_reporter", "office", "consumer"
CO, OUT = "co_staff", "outsider"
ROLES = (A, CA, CB, R, X, OFF, C, CO, OUT)
PERSONA_OF = {
    A: "anonymous",
    CA: "city staff",
    CB: "other city's staff",
    R: "lead unit staff",
    X: "other unit staff",
    OFF: "office",
    C: "consumer",
    CO: "co-unit staff",
    OUT: "outsider",
}
LIST = "-"
NONE = (404, 404)  # outside the role's scope, own and other alike
NO_PART = {CO: NONE, OUT: NONE}  # no part in what the cities write (co_staff: nor in the applications)

LISTS = {A: 403, CA: 200, CB: 200, R: 200, X: 200, OFF: 200, C: 200, CO: 200, OUT: 200}
TARGET_READS = {
    A: (403, 403),
    CA: (200, 404),
    CB: (404, 200),
    R: (200, 404),
    X: (404, 200),
    OFF: (200, 200),
    C: (200, 200),
    CO: (200, 404),  # the targets of the reforms its unit assists
    OUT: NONE,
}
# Submitted submissions: their city, their reform's lead unit and the office.
READS = {
    A: (403, 403),
    CA: (200, 404),
    CB: (404, 200),
    R: (200, 404),
    X: (404, 200),
    OFF: (200, 200),
    C: NONE,
    **NO_PART,
}


def city_writes(ok: int) -> dict:
    # A draft: only its city sees it; the office sees it but the service refuses (only the city writes its own).
    return {A: (403, 403), CA: (ok, 404), CB: (404, ok), R: NONE, X: NONE, OFF: (403, 403), C: NONE, **NO_PART}


REVIEWS = {
    A: (403, 403),
    CA: (403, 404),
    CB: (404, 403),
    R: (200, 404),
    X: (404, 200),
    OFF: (200, 200),
    C: NONE,
    **NO_PART,
}
# Filing needs the city staff's add permission: everyone else 403 before any row is looked at.
NO_ADD = {CO: (403, 403), OUT: (403, 403)}
CREATE = {
    A: (403, 403),
    CA: (201, 400),
    CB: (400, 201),
    R: (403, 403),
    X: (403, 403),
    OFF: (403, 403),
    C: (403, 403),
    **NO_ADD,
}


@dataclass
class World:
    users: dict
    targets: dict  # variant -> RolloutTarget
    period: object
    qualified: dict  # variant -> a 有条件的市 reform no city targets yet (own: unit_a leads it, other: unit_b)

    def application(self, variant: str, *, evidence: bool = False):
        user = self.users[CA if variant == "own" else CB]
        application = services.city_application_create(
            user=user, reform=self.qualified[variant], conditions_met="具备", reason="需要"
        )
        if evidence:
            services.city_application_evidence_add(
                application=application, user=user, file=samples.upload("证明.pdf", samples.pdf())
            )
        return application

    def submission(self, variant: str, state: str, *, evidence: bool = False):
        user = self.users[CA if variant == "own" else CB]
        submission = services.city_submission_create(
            user=user, target=self.targets[variant], period=self.period, data={"work_done": "已部署"}
        )
        if evidence:
            services.city_evidence_add(submission=submission, user=user, file=samples.upload("证明.pdf", samples.pdf()))
        if state == "submitted":
            submission = services.city_submission_submit(submission=submission, user=user)
        return submission


def plain(path):
    def make(world, variant):
        return path, {}

    return make


def target_request(world, variant):
    return f"/api/cities/targets/{world.targets[variant].pk}/", {}


def create_request(world, variant):
    body = {"target": world.targets[variant].pk, "period": world.period.pk, "work_done": "x"}
    return "/api/cities/submissions/", {"data": body, "format": "json"}


def sub_request(path, state, *, evidence=False, body=None, etag=False, fmt="json"):
    def make(world, variant):
        submission = world.submission(variant, state, evidence=evidence)
        url = path.replace("{submission_id}", str(submission.pk))
        if "{id}" in url:
            nested = "{submission_id}" in path
            url = url.replace("{id}", str(submission.evidence.get().pk if nested else submission.pk))
        kwargs = {}
        if body is not None:
            kwargs.update(data=body() if callable(body) else body, format=fmt)
        if etag:
            kwargs["HTTP_IF_MATCH"] = f'"{submission.version}"'
        return url, kwargs

    return make


def app_request(path, *, evidence=False, body=None, fmt="json"):
    def make(world, variant):
        application = world.application(variant, evidence=evidence)
        url = path.replace("{application_id}", str(application.pk))
        if "{id}" in url:
            nested = "{application_id}" in path
            url = url.replace("{id}", str(application.evidence.get().pk if nested else application.pk))
        kwargs = {}
        if body is not None:
            kwargs.update(data=body() if callable(body) else body, format=fmt)
        return url, kwargs

    return make


def apply_request(world, variant):
    body = {"reform": world.qualified[variant].pk, "conditions_met": "具备", "reason": "需要"}
    return "/api/cities/applications/", {"data": body, "format": "json"}


def assign_request(world, variant):
    body = {"reform": world.qualified[variant].pk, "city": new_city().pk}
    return "/api/cities/targets/", {"data": body, "format": "json"}


APPLY = {
    A: (403, 403),
    CA: (201, 201),
    CB: (201, 201),
    R: (403, 403),
    X: (403, 403),
    OFF: (403, 403),
    C: (403, 403),
    **NO_ADD,
}
OPINION = {
    A: (403, 403),
    CA: (403, 404),
    CB: (404, 403),
    R: (200, 404),
    X: (404, 200),
    OFF: (403, 403),
    C: NONE,
    **NO_PART,
}
DECIDE = {
    A: (403, 403),
    CA: (403, 404),
    CB: (404, 403),
    R: (403, 404),
    X: (404, 403),
    OFF: (200, 200),
    C: NONE,
    **NO_PART,
}
APP_UPLOAD = {
    A: (403, 403),
    CA: (201, 404),
    CB: (404, 201),
    R: (403, 404),
    X: (404, 403),
    OFF: (403, 403),
    C: NONE,
    **NO_PART,
}
ASSIGN = {
    A: (403, 403),
    CA: (403, 403),
    CB: (403, 403),
    R: (403, 403),
    X: (403, 403),
    OFF: (201, 201),
    C: (403, 403),
    **NO_ADD,
}
AP = "/api/cities/applications"
AE = f"{AP}/{{application_id}}/evidence"
S = "/api/cities/submissions"
E = f"{S}/{{submission_id}}/evidence"
SUBMITTED, DRAFT = "submitted", "draft"
BODY = {"status": "in_progress", "work_done": "推进", "problems": ""}

MATRIX = {
    ("GET", "/api/cities/items/"): (LISTS, plain("/api/cities/items/")),
    ("GET", "/api/cities/targets/"): (LISTS, plain("/api/cities/targets/")),
    ("POST", "/api/cities/targets/"): (ASSIGN, assign_request),
    ("GET", f"{AP}/"): (LISTS, plain(f"{AP}/")),
    ("POST", f"{AP}/"): (APPLY, apply_request),
    ("GET", f"{AP}/{{id}}/"): (READS, app_request(f"{AP}/{{id}}/")),
    ("POST", f"{AP}/{{id}}/opinion/"): (OPINION, app_request(f"{AP}/{{id}}/opinion/", body={"opinion": "support"})),
    ("POST", f"{AP}/{{id}}/approve/"): (DECIDE, app_request(f"{AP}/{{id}}/approve/", body={})),
    ("POST", f"{AP}/{{id}}/reject/"): (DECIDE, app_request(f"{AP}/{{id}}/reject/", body={"reason": "名额已满"})),
    ("GET", f"{AE}/"): (READS, app_request(f"{AE}/", evidence=True)),
    ("POST", f"{AE}/"): (
        APP_UPLOAD,
        app_request(f"{AE}/", body=lambda: {"file": samples.upload("新.pdf", samples.pdf())}, fmt="multipart"),
    ),
    ("GET", f"{AE}/{{id}}/"): (READS, app_request(f"{AE}/{{id}}/", evidence=True)),
    ("GET", f"{AE}/{{id}}/download/"): (READS, app_request(f"{AE}/{{id}}/download/", evidence=True)),
    ("GET", "/api/cities/targets/{id}/"): (TARGET_READS, target_request),
    ("GET", f"{S}/"): (LISTS, plain(f"{S}/")),
    ("POST", f"{S}/"): (CREATE, create_request),
    ("GET", f"{S}/{{id}}/"): (READS, sub_request(f"{S}/{{id}}/", SUBMITTED)),
    ("PUT", f"{S}/{{id}}/"): (city_writes(200), sub_request(f"{S}/{{id}}/", DRAFT, body=BODY, etag=True)),
    ("PATCH", f"{S}/{{id}}/"): (
        city_writes(200),
        sub_request(f"{S}/{{id}}/", DRAFT, body={"status": "done"}, etag=True),
    ),
    ("POST", f"{S}/{{id}}/submit/"): (city_writes(200), sub_request(f"{S}/{{id}}/submit/", DRAFT)),
    ("POST", f"{S}/{{id}}/confirm/"): (REVIEWS, sub_request(f"{S}/{{id}}/confirm/", SUBMITTED)),
    ("POST", f"{S}/{{id}}/return/"): (REVIEWS, sub_request(f"{S}/{{id}}/return/", SUBMITTED, body={"comment": "补充"})),
    ("GET", f"{S}/{{id}}/revisions/"): (READS, sub_request(f"{S}/{{id}}/revisions/", SUBMITTED)),
    ("GET", f"{E}/"): (READS, sub_request(f"{E}/", SUBMITTED, evidence=True)),
    ("POST", f"{E}/"): (
        city_writes(201),
        sub_request(f"{E}/", DRAFT, body=lambda: {"file": samples.upload("新.pdf", samples.pdf())}, fmt="multipart"),
    ),
    ("GET", f"{E}/{{id}}/"): (READS, sub_request(f"{E}/{{id}}/", SUBMITTED, evidence=True)),
    ("DELETE", f"{E}/{{id}}/"): (city_writes(204), sub_request(f"{E}/{{id}}/", DRAFT, evidence=True)),
    ("GET", f"{E}/{{id}}/download/"): (READS, sub_request(f"{E}/{{id}}/download/", SUBMITTED, evidence=True)),
}


def _cases():
    for operation, (expected, _) in MATRIX.items():
        for role in ROLES:
            variants = [LIST] if isinstance(expected[role], int) else ["own", "other"]
            for variant in variants:
                yield pytest.param(operation, role, variant, id=f"{operation[0]} {operation[1]} {role} {variant}")


@pytest.fixture
def world(reporter, other_reporter, office, consumer, unit_a, unit_b, batch, reform_a, reform_b, period):
    unit_c = UnitFactory(name="省测试丙厅")
    ResponsibilityFactory(reform=reform_a, unit=unit_c, role=ResponsibilityRole.CO, position=2)
    own = reform_a.targets.order_by("city__code").first()
    other = reform_b.targets.order_by("city__code").first()
    users = {
        A: None,
        CA: make_city_user(own.city, username="city_a_staff"),
        CB: make_city_user(other.city, username="city_b_staff"),
        R: reporter,
        X: other_reporter,
        OFF: office,
        C: consumer,
        CO: make_unit_user(unit_c, username="co_staff"),
        OUT: UserFactory(username="outsider"),
    }
    qualified = {}
    for variant, unit in (("own", unit_a), ("other", unit_b)):
        reform = make_reform_for(unit, batch=batch, cities=0)
        reform.scope = Scope.QUALIFIED_CITIES
        reform.save()
        qualified[variant] = reform
    return World(users, {"own": own, "other": other}, period, qualified)


@pytest.mark.parametrize(("operation", "role", "variant"), list(_cases()))
def test_the_cities_permission_matrix(world, client_for, operation, role, variant):
    method, _ = operation
    expected, build = MATRIX[operation]
    want = expected[role] if variant == LIST else expected[role][0 if variant == "own" else 1]
    url, kwargs = build(world, "own" if variant == LIST else variant)

    response = getattr(client_for(world.users[role]), method.lower())(url, **kwargs)

    assert response.status_code == want, getattr(response, "data", None)
