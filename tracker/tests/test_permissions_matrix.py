"""Who may do what: every operation of the OpenAPI schema × every role × an object of unit_a ("own", the unit of
reporter and manager) and one of unit_b ("other", other_reporter's unit), with the status each must get.

The roles (PERSONA_OF names the persona each plays): reporter and manager, staff of unit_a, which leads reform_a;
other_reporter, staff of unit_b, which leads reform_b; co_staff, staff of unit_c, a co-unit of reform_a only;
city_a_staff and city_b_staff, staff of a city reform_a (resp. reform_b) targets; office; consumer; outsider (signed
in, no role); anonymous.

One spec for the whole API: this MATRIX and the cities' (tracker/cities/tests/test_permissions_matrix.py, same
personas) together cover every operation; tests/test_permission_coverage.py fails for an operation without rows, or
a row that leaves a persona or the own/other variant unsaid.

Objects outside a role's scope answer 404; a role that may see the object but not do the operation gets 403; an
anonymous client gets 403 (session authentication comes first and sends no WWW-Authenticate challenge). Report
objects are made in the state the operation needs (drafts for edits, submitted reports for reviews and reads).
"""

from dataclasses import dataclass

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token

from reforms.choices import ResponsibilityRole
from reforms.tests.factories import BatchFactory, ResponsibilityFactory
from tracker import services
from tracker.choices import ReportState
from tracker.cities.tests.factories import make_city_user
from tracker.contributions import services as contributions
from units.tests.factories import UnitFactory, UserFactory, make_unit_user

from . import samples
from .factories import ReportingPeriodFactory

pytestmark = pytest.mark.django_db

A, R, X, M, OFF, C = "anonymous", "reporter", "other_reporter", "manager", "office", "consumer"
CO, CA, CB, OUT = "co_staff", "city_a_staff", "city_b_staff", "outsider"
ROLES = (A, R, X, M, OFF, C, CO, CA, CB, OUT)
PERSONA_OF = {
    A: "anonymous",
    R: "lead unit staff",
    M: "lead unit staff",  # a unit manager: the same access as a reporter
    X: "other unit staff",
    OFF: "office",
    C: "consumer",
    CO: "co-unit staff",
    CA: "city staff",
    CB: "other city's staff",
    OUT: "outsider",
}
LIST = "-"  # the variant of operations on no particular object
# A co-unit owes a contribution, not a report (issue 12): report_create refuses it with a 400 that says so.
CO_FILES_REPORT = 400
NONE = (404, 404)  # outside the role's scope, own and other alike


def everyone_reads_list():
    return {A: 403, R: 200, X: 200, M: 200, OFF: 200, C: 200, CO: 200, CA: 200, CB: 200, OUT: 200}


def everyone_reads_both():
    return {A: (403, 403), **{role: (200, 200) for role in ROLES if role != A}}


# Figures: every unit's member (lead or co) gets its units', the office and consumers all; anyone in no unit has none.
FIGURES = {**everyone_reads_list(), CA: 403, CB: 403, OUT: 403}

# Reports that are not approved: the unit and the office see them, nobody else (a co-unit neither: it contributes).
UNIT_READS = {
    A: (403, 403),
    R: (200, 404),
    X: (404, 200),
    M: (200, 404),
    OFF: (200, 200),
    C: NONE,
    CO: NONE,
    CA: NONE,
    CB: NONE,
    OUT: NONE,
}


def unit_writes(ok: int) -> dict:
    # The office sees the report but does not write it. A consumer sees approved reports only, so a draft is not
    # there for it (404) before the question of its permissions (none) comes up.
    return {
        A: (403, 403),
        R: (ok, 404),
        X: (404, ok),
        M: (ok, 404),
        OFF: (403, 403),
        C: NONE,
        CO: NONE,
        CA: NONE,
        CB: NONE,
        OUT: NONE,
    }


OFFICE_REVIEWS = {
    A: (403, 403),
    R: (403, 404),
    X: (404, 403),
    M: (403, 404),
    OFF: (200, 200),
    C: NONE,
    CO: NONE,
    CA: NONE,
    CB: NONE,
    OUT: NONE,
}
# Create: "own" posts reform_a (unit_a's), "other" posts reform_b. A reform outside one's units reads as unknown (400).
# Roles without the add permission (office, consumer, city staff, outsider) get 403 first.
CREATE = {
    A: (403, 403),
    R: (201, 400),
    X: (400, 201),
    M: (201, 400),
    OFF: (403, 403),
    C: (403, 403),
    CO: (CO_FILES_REPORT, 400),
    CA: (403, 403),
    CB: (403, 403),
    OUT: (403, 403),
}


@dataclass
class World:
    users: dict
    unit_a: object
    unit_b: object
    reform_a: object
    reform_b: object
    period: object
    other_batch: object

    def pick(self, variant: str, own, other):
        return own if variant == "own" else other

    def report(self, variant: str, state: str, *, with_attachment: bool = False):
        owner = self.users[R] if variant == "own" else self.users[X]
        reform = self.pick(variant, self.reform_a, self.reform_b)
        report = services.report_create(user=owner, reform=reform, period=self.period, data={"work_done": "进展"})
        if with_attachment:
            services.attachment_add(report=report, user=owner, file=samples.upload("证明.pdf", samples.pdf()))
        if state != ReportState.DRAFT:
            report = services.report_submit(report=report, user=owner)
        return report


def plain(path: str):
    """A request to `path` with {id} replaced by the own or other object that `obj(world, variant)` returns."""

    def build(obj=None):
        def make(world: World, variant: str):
            url = path if obj is None else path.replace("{id}", str(obj(world, variant).pk))
            return url, {}

        return make

    return build


def report_request(path: str, state: str, *, attachment: bool = False, body=None, etag: bool = False, fmt="json"):
    def make(world: World, variant: str):
        report = world.report(variant, state, with_attachment=attachment)
        url = path.replace("{report_id}", str(report.pk)).replace("{id}", str(report.pk))
        if attachment and "{report_id}" in path and "{id}" in path:
            url = path.replace("{report_id}", str(report.pk)).replace("{id}", str(report.attachments.get().pk))
        kwargs = {}
        if body is not None:
            kwargs["data"] = body() if callable(body) else body
            kwargs["format"] = fmt
        if etag:
            kwargs["HTTP_IF_MATCH"] = f'"{report.version}"'
        return url, kwargs

    return make


def create_request(world: World, variant: str):
    reform = world.pick(variant, world.reform_a, world.reform_b)
    return "/api/tracker/reports/", {"data": {"reform": reform.pk, "period": world.period.pk}, "format": "json"}


def city_of(world, variant):
    return world.pick(variant, world.reform_a, world.reform_b).targets.first().city


def unit_of(world, variant):
    return world.pick(variant, world.unit_a, world.unit_b)


def reform_of(world, variant):
    return world.pick(variant, world.reform_a, world.reform_b)


def batch_of(world, variant):
    return world.pick(variant, world.reform_a.batch, world.other_batch)


def period_of(world, variant):
    return world.pick(variant, world.period, ReportingPeriodFactory(batch=world.other_batch))


FULL_BODY = {"status": "in_progress", "percent": 40, "work_done": "推进中", "problems": "", "next_steps": "继续"}
SUBMITTED, DRAFT = ReportState.SUBMITTED, ReportState.DRAFT
T = "/api/tracker/reports"


def token_request(world: World, variant: str):
    # The consumer's own credentials, whoever sends them: the endpoint runs no authentication (it is how a consumer
    # that has nothing else gets its token), so every role gets the token the office issued.
    Token.objects.get_or_create(user=world.users[C])
    return "/api/auth/token/", {"data": {"username": "consumer", "password": "pass-1234-word"}, "format": "json"}


MATRIX = {
    # auth (issue 8): the token endpoint
    ("POST", "/api/auth/token/"): (dict.fromkeys(ROLES, 200), token_request),
    # units (issue 2): the division of work is readable by every signed-in role
    ("GET", "/api/units/cities/"): (everyone_reads_list(), plain("/api/units/cities/")()),
    ("GET", "/api/units/cities/{id}/"): (everyone_reads_both(), plain("/api/units/cities/{id}/")(city_of)),
    ("GET", "/api/units/units/"): (everyone_reads_list(), plain("/api/units/units/")()),
    ("GET", "/api/units/units/{id}/"): (everyone_reads_both(), plain("/api/units/units/{id}/")(unit_of)),
    # reforms (issue 2): the same
    ("GET", "/api/reforms/batches/"): (everyone_reads_list(), plain("/api/reforms/batches/")()),
    ("GET", "/api/reforms/batches/{id}/"): (everyone_reads_both(), plain("/api/reforms/batches/{id}/")(batch_of)),
    ("GET", "/api/reforms/reforms/"): (everyone_reads_list(), plain("/api/reforms/reforms/")()),
    ("GET", "/api/reforms/reforms/{id}/"): (everyone_reads_both(), plain("/api/reforms/reforms/{id}/")(reform_of)),
    # tracker.stats (issue 5): every signed-in role reads figures; a unit's staff get their own units' figures
    **{
        ("GET", f"/api/tracker/stats/{name}"): (FIGURES, plain(f"/api/tracker/stats/{name}")())
        for name in (
            "overview/",
            "reforms/",
            "units/",
            "cities/",
            "batches/",
            "categories/",
            "scopes/",
            "matrix/",
            "trend/",
            "missing-reports/",
            "ledger.csv",
            "ledger.xlsx",
            # issue 12: what co-units owe, by unit (city staff have no unit: 403)
            "units/contributions/",
        )
    },
    # issue 12: city submissions by city; a city's staff see their own city's row (the rows: test_participation.py)
    ("GET", "/api/tracker/stats/cities/participation/"): (
        {**FIGURES, CA: 200, CB: 200},
        plain("/api/tracker/stats/cities/participation/")(),
    ),
    # tracker: periods are public within the service
    ("GET", "/api/tracker/periods/"): (everyone_reads_list(), plain("/api/tracker/periods/")()),
    ("GET", "/api/tracker/periods/{id}/"): (everyone_reads_both(), plain("/api/tracker/periods/{id}/")(period_of)),
    # tracker: reports
    ("GET", f"{T}/"): (everyone_reads_list(), plain(f"{T}/")()),
    ("POST", f"{T}/"): (CREATE, create_request),
    ("GET", f"{T}/{{id}}/"): (UNIT_READS, report_request(f"{T}/{{id}}/", SUBMITTED)),
    ("PUT", f"{T}/{{id}}/"): (unit_writes(200), report_request(f"{T}/{{id}}/", DRAFT, body=FULL_BODY, etag=True)),
    ("PATCH", f"{T}/{{id}}/"): (
        unit_writes(200),
        report_request(f"{T}/{{id}}/", DRAFT, body={"percent": 30}, etag=True),
    ),
    ("POST", f"{T}/{{id}}/submit/"): (unit_writes(200), report_request(f"{T}/{{id}}/submit/", DRAFT)),
    ("POST", f"{T}/{{id}}/approve/"): (OFFICE_REVIEWS, report_request(f"{T}/{{id}}/approve/", SUBMITTED)),
    ("POST", f"{T}/{{id}}/return/"): (
        OFFICE_REVIEWS,
        report_request(f"{T}/{{id}}/return/", SUBMITTED, body={"comment": "请补充"}),
    ),
    ("GET", f"{T}/{{id}}/revisions/"): (UNIT_READS, report_request(f"{T}/{{id}}/revisions/", SUBMITTED)),
    # tracker: attachments of a report
    ("GET", f"{T}/{{report_id}}/attachments/"): (
        UNIT_READS,
        report_request(f"{T}/{{report_id}}/attachments/", SUBMITTED, attachment=True),
    ),
    ("POST", f"{T}/{{report_id}}/attachments/"): (
        unit_writes(201),
        report_request(
            f"{T}/{{report_id}}/attachments/",
            DRAFT,
            body=lambda: {"file": samples.upload("新.pdf", samples.pdf())},
            fmt="multipart",
        ),
    ),
    ("GET", f"{T}/{{report_id}}/attachments/{{id}}/"): (
        UNIT_READS,
        report_request(f"{T}/{{report_id}}/attachments/{{id}}/", SUBMITTED, attachment=True),
    ),
    ("DELETE", f"{T}/{{report_id}}/attachments/{{id}}/"): (
        unit_writes(204),
        report_request(f"{T}/{{report_id}}/attachments/{{id}}/", DRAFT, attachment=True),
    ),
    ("GET", f"{T}/{{report_id}}/attachments/{{id}}/download/"): (
        UNIT_READS,
        report_request(f"{T}/{{report_id}}/attachments/{{id}}/download/", SUBMITTED, attachment=True),
    ),
}

# --- contributions (issue 12) --------------------------------------------------------------------------------------
# "own" is unit_a's contribution as co-unit of reform_b (filed by reporter; other_reporter's unit leads reform_b),
# "other" unit_b's as co-unit of reform_a (filed by other_reporter; reporter's unit leads reform_a). Each request
# makes that co-unit responsibility first, so the rest of the matrix keeps its world. The lead unit reads submitted
# contributions (and 403 on writes), never drafts (404); consumers see none.
# co_staff (unit_c, another co-unit of reform_a) sees neither: a co-unit sees its own units' contributions only.
NO_CONTRIBUTIONS = {C: NONE, CO: NONE, CA: NONE, CB: NONE, OUT: NONE}
CO_READS = {A: (403, 403), R: (200, 200), X: (200, 200), M: (200, 200), OFF: (200, 200), **NO_CONTRIBUTIONS}


def co_writes(ok: int) -> dict:
    return {A: (403, 403), R: (ok, 404), X: (404, ok), M: (ok, 404), OFF: (403, 403), **NO_CONTRIBUTIONS}


CO_WITHDRAWS = {A: (403, 403), R: (200, 403), X: (403, 200), M: (200, 403), OFF: (403, 403), **NO_CONTRIBUTIONS}
# "own" posts reform_b (reporter's unit a co-unit), "other" reform_a; the lead unit files none (400). co_staff's unit
# assists reform_a ("other"), not reform_b. Roles without the add permission get 403 first.
CO_CREATE = {
    A: (403, 403),
    R: (201, 400),
    X: (400, 201),
    M: (201, 400),
    OFF: (403, 403),
    C: (403, 403),
    CO: (400, 201),
    CA: (403, 403),
    CB: (403, 403),
    OUT: (403, 403),
}
CT = "/api/contributions/contributions"


def co_unit(world: World, variant: str):
    unit, reform = (world.unit_a, world.reform_b) if variant == "own" else (world.unit_b, world.reform_a)
    ResponsibilityFactory(reform=reform, unit=unit, role=ResponsibilityRole.CO, position=1)
    return reform


def contribution_request(path: str, state: str, *, attachment: bool = False, body=None, etag=False, fmt="json"):
    def make(world: World, variant: str):
        owner = world.users[R] if variant == "own" else world.users[X]
        reform = co_unit(world, variant)
        item = contributions.contribution_create(
            user=owner, reform=reform, period=world.period, data={"work_done": "x"}
        )
        file = None
        if attachment:
            upload = samples.upload("证明.pdf", samples.pdf())
            file = contributions.contribution_attachment_add(contribution=item, user=owner, file=upload)
        if state != DRAFT:
            item = contributions.contribution_submit(contribution=item, user=owner)
        url = path.replace("{contribution_id}", str(item.pk)).replace("{id}", str(file.pk if file else item.pk))
        kwargs = {}
        if body is not None:
            kwargs["data"] = body() if callable(body) else body
            kwargs["format"] = fmt
        if etag:
            kwargs["HTTP_IF_MATCH"] = f'"{item.version}"'
        return url, kwargs

    return make


def contribution_create_request(world: World, variant: str):
    reform = co_unit(world, variant)
    return f"{CT}/", {"data": {"reform": reform.pk, "period": world.period.pk}, "format": "json"}


CONTRIBUTION_ROWS = {
    ("GET", f"{CT}/"): (everyone_reads_list(), plain(f"{CT}/")()),
    ("POST", f"{CT}/"): (CO_CREATE, contribution_create_request),
    ("GET", f"{CT}/{{id}}/"): (CO_READS, contribution_request(f"{CT}/{{id}}/", SUBMITTED)),
    ("PUT", f"{CT}/{{id}}/"): (
        co_writes(200),
        contribution_request(f"{CT}/{{id}}/", DRAFT, body={"work_done": "改", "problems": ""}, etag=True),
    ),
    ("PATCH", f"{CT}/{{id}}/"): (
        co_writes(200),
        contribution_request(f"{CT}/{{id}}/", DRAFT, body={"problems": "缺"}, etag=True),
    ),
    ("POST", f"{CT}/{{id}}/submit/"): (co_writes(200), contribution_request(f"{CT}/{{id}}/submit/", DRAFT)),
    ("POST", f"{CT}/{{id}}/withdraw/"): (CO_WITHDRAWS, contribution_request(f"{CT}/{{id}}/withdraw/", SUBMITTED)),
    ("GET", f"{CT}/{{contribution_id}}/attachments/"): (
        CO_READS,
        contribution_request(f"{CT}/{{contribution_id}}/attachments/", SUBMITTED, attachment=True),
    ),
    ("POST", f"{CT}/{{contribution_id}}/attachments/"): (
        co_writes(201),
        contribution_request(
            f"{CT}/{{contribution_id}}/attachments/",
            DRAFT,
            body=lambda: {"file": samples.upload("新.pdf", samples.pdf())},
            fmt="multipart",
        ),
    ),
    ("GET", f"{CT}/{{contribution_id}}/attachments/{{id}}/"): (
        CO_READS,
        contribution_request(f"{CT}/{{contribution_id}}/attachments/{{id}}/", SUBMITTED, attachment=True),
    ),
    ("DELETE", f"{CT}/{{contribution_id}}/attachments/{{id}}/"): (
        co_writes(204),
        contribution_request(f"{CT}/{{contribution_id}}/attachments/{{id}}/", DRAFT, attachment=True),
    ),
    ("GET", f"{CT}/{{contribution_id}}/attachments/{{id}}/download/"): (
        CO_READS,
        contribution_request(f"{CT}/{{contribution_id}}/attachments/{{id}}/download/", SUBMITTED, attachment=True),
    ),
    # The lead's view of its report: scoped like the report itself.
    ("GET", "/api/contributions/reports/{id}/contributions/"): (
        UNIT_READS,
        report_request("/api/contributions/reports/{id}/contributions/", SUBMITTED),
    ),
}
MATRIX.update(CONTRIBUTION_ROWS)

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def schema_operations() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method.upper(), path) for path, item in schema["paths"].items() for method in item if method in HTTP_METHODS
    }


def _cases():
    for operation, (expected, _) in MATRIX.items():
        for role in ROLES:
            variants = [LIST] if isinstance(expected[role], int) else ["own", "other"]
            for variant in variants:
                yield pytest.param(operation, role, variant, id=f"{operation[0]} {operation[1]} {role} {variant}")


@pytest.fixture
def world(reporter, other_reporter, manager, office, consumer, unit_a, unit_b, reform_a, reform_b, period):
    unit_c = UnitFactory(name="省测试丙厅")
    ResponsibilityFactory(reform=reform_a, unit=unit_c, role=ResponsibilityRole.CO, position=2)
    city_of_a, city_of_b = (reform.targets.order_by("city__code").first().city for reform in (reform_a, reform_b))
    users = {
        A: None,
        R: reporter,
        X: other_reporter,
        M: manager,
        OFF: office,
        C: consumer,
        CO: make_unit_user(unit_c, username="co_staff"),
        CA: make_city_user(city_of_a, username="city_a_staff"),
        CB: make_city_user(city_of_b, username="city_b_staff"),
        OUT: UserFactory(username="outsider"),
    }
    return World(users, unit_a, unit_b, reform_a, reform_b, period, BatchFactory())


@pytest.mark.parametrize(("operation", "role", "variant"), list(_cases()))
def test_the_permission_matrix(world, client_for, operation, role, variant):
    method, _ = operation
    expected, build = MATRIX[operation]
    want = expected[role] if variant == LIST else expected[role][0 if variant == "own" else 1]
    url, kwargs = build(world, "own" if variant == LIST else variant)

    response = getattr(client_for(world.users[role]), method.lower())(url, **kwargs)

    assert response.status_code == want, getattr(response, "data", None)
