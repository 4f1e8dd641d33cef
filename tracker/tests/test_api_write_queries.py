"""Query counts of the write path, pinned like the lists': each write costs the same whatever the number of target
cities (the city lines are written in one INSERT and read in one SELECT), and its answer is built from what the
service wrote, not read back (issue 11). Each test names its queries; on a mismatch the statements are printed."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reforms.choices import TargetStatus
from reforms.tests.factories import RolloutTargetFactory
from tracker.choices import ReportState
from tracker.models import ProgressReport, ReportRevision
from tracker.services import attachment_add
from units.models import City

from . import samples
from .test_admin import add_url, form_values, signed_in

pytestmark = pytest.mark.django_db

LIST = reverse("tracker-api:report-list")
# django-pghistory prefixes a request's writes with its context (one statement, one round trip).
PGHISTORY_PREFIX = re.compile(r"^SELECT set_config\('pghistory\.context_id'.*?\); ", re.S)


def _statements(queries) -> str:
    return "\n".join(
        f"{n:2d} {PGHISTORY_PREFIX.sub('', q['sql'])[:160]}" for n, q in enumerate(queries.captured_queries, 1)
    )


def _fresh(client_for, user):
    # A fresh user object, as each request has: roles cached on the fixture's object must not be free.
    return client_for(get_user_model().objects.get(pk=user.pk))


def _targets(reform, count: int) -> None:
    for index in range(count - reform.targets.count()):
        city = City.objects.create(code=f"38{index:04d}", name=f"写入测试市{index}")
        RolloutTargetFactory(reform=reform, city=city)


def _action(name: str, report) -> str:
    return reverse(f"tracker-api:report-{name}", args=[report["id"]])


@pytest.fixture
def created(client_for, reporter, reform_a, period):
    def create(cities: int) -> dict:
        _targets(reform_a, cities)
        response = client_for(reporter).post(
            LIST, {"reform": reform_a.pk, "period": period.pk, "work_done": "x"}, format="json"
        )
        assert response.status_code == 201, response.json()
        return response.json()

    return create


@pytest.fixture
def submitted(client_for, reporter, created):
    def submit(cities: int) -> dict:
        report = created(cities)
        response = client_for(reporter).post(_action("submit", report), HTTP_IF_MATCH=f'"{report["version"]}"')
        assert response.status_code == 200, response.json()
        return response.json()

    return submit


@pytest.mark.parametrize("cities", [1, 20])
def test_a_create_costs_a_fixed_number_of_queries(client_for, reporter, reform_a, period, cities):
    _targets(reform_a, cities)
    client = _fresh(client_for, reporter)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(LIST, {"reform": reform_a.pk, "period": period.pk, "work_done": "x"}, format="json")

    assert response.status_code == 201, response.json()
    assert len(response.json()["city_lines"]) == reform_a.targets.count()
    # Who: 1 the user's roles: its groups (is_office, is_consumer), unit ids and model permissions in one query
    # (core.access.load_roles; five queries before). Input: 2 the reform in scope, 3 the period. Service:
    # 4 SAVEPOINT, 5 the user's responsible unit (clean() does not ask again; the author's membership is the unit
    # ids of 1, cached), 6 INSERT the report (no savepoint of its own: a duplicate's IntegrityError names its
    # constraint), 7 the cities' confirmed submissions (the city-line source tracker.cities registers), 8 the target
    # cities, 9 INSERT the city lines, 10 INSERT the transition, 11 the rollup's day
    # (stats_report_sync: no rollup has run in this test, so it stops there; with one it adds the fact's UPDATE
    # only: a draft changes no figure, pinned in tracker/stats/tests/test_refresh.py), 12 RELEASE. Answer: nothing
    # read, the service kept what it wrote. Outside a test the SAVEPOINT and RELEASE are BEGIN and COMMIT, and an
    # API token brings the roles with it (core.authentication.TokenAuthentication).
    # Before issue 11's work: 41; then 24 (a savepoint and an exists() around the INSERT, two queries in clean(),
    # the answer re-read in five queries), then 15 (the roles in five queries).
    assert len(queries) == 12, _statements(queries)


@pytest.mark.parametrize("cities", [1, 20])
def test_a_submit_costs_a_fixed_number_of_queries(client_for, reporter, reform_a, created, cities):
    report = created(cities)
    client = _fresh(client_for, reporter)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(_action("submit", report), HTTP_IF_MATCH=f'"{report["version"]}"')

    assert response.status_code == 200, response.json()
    assert len(response.json()["city_lines"]) == reform_a.targets.count()
    # Who: 1 the roles (groups, unit ids, permissions). Service: 2 SAVEPOINT, 3 the report locked within the user's
    # scope (the scope check and the lock in one SELECT ... FOR UPDATE: a report outside it answers 404), with its
    # related objects, whether its unit is responsible (for clean()), the names of the target cities without a line
    # (the completeness check) and whether it has attachments (none: neither snapshot nor answer reads them), 4 the
    # city lines (read once for snapshot and answer), 5 the conditional UPDATE, 6 INSERT revision, 7 INSERT
    # transition, 8 UPDATE the obligation (met), 9 the rollup's day, 10 RELEASE. Answer: 11 the transitions (the
    # history, with the row just inserted); the revisions of a first submission are the one just written.
    # Before: 48, then 24, 18, 13 (the view read the report in scope, then the service locked it).
    assert len(queries) == 11, _statements(queries)
    assert [r["number"] for r in response.json()["revisions"]] == [1]


def test_a_submit_with_evidence_reads_its_attachments_once(client_for, reporter, created):
    report = created(1)
    upload = SimpleUploadedFile("通知.pdf", samples.pdf(), content_type="application/pdf")
    attachment_add(report=ProgressReport.objects.get(pk=report["id"]), user=reporter, file=upload)
    client = _fresh(client_for, reporter)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(_action("submit", report), HTTP_IF_MATCH=f'"{report["version"]}"')

    assert response.status_code == 200, response.json()
    assert [a["original_name"] for a in response.json()["attachments"]] == ["通知.pdf"]
    assert ReportRevision.objects.get(report_id=report["id"]).data["attachments"][0]["name"] == "通知.pdf"
    # As a submit without evidence, plus 12 the attachments (the lock said there are some), read once for the
    # snapshot and the answer.
    assert len(queries) == 12, _statements(queries)


@pytest.mark.parametrize("cities", [1, 20])
def test_a_minimal_answer_reads_nothing_for_itself(client_for, reporter, reform_a, period, cities):
    _targets(reform_a, cities)
    client = _fresh(client_for, reporter)
    body = {"reform": reform_a.pk, "period": period.pk, "work_done": "x"}

    with CaptureQueriesContext(connection) as creating:
        created = client.post(LIST, body, format="json", HTTP_PREFER="return=minimal")
    client = _fresh(client_for, reporter)
    with CaptureQueriesContext(connection) as submitting:
        submitted = client.post(
            created["Location"] + "submit/", HTTP_IF_MATCH=created["ETag"], HTTP_PREFER="return=minimal"
        )

    assert (created.status_code, submitted.status_code) == (204, 204)
    # A create reads nothing for its answer anyway: as test_a_create_costs_a_fixed_number_of_queries, 12.
    assert len(creating) == 12, _statements(creating)
    # A submit without its answer: 1-10 as test_a_submit_costs_a_fixed_number_of_queries, no transitions read.
    assert len(submitting) == 10, _statements(submitting)


def test_a_resubmission_reads_the_earlier_revisions_for_its_answer(client_for, reporter, office, submitted):
    report = submitted(1)
    returned = client_for(office).post(_action("return", report), {"comment": "请补充"}).json()
    client = _fresh(client_for, reporter)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(_action("submit", returned), HTTP_IF_MATCH=f'"{returned["version"]}"')

    assert response.status_code == 200, response.json()
    assert [r["number"] for r in response.json()["revisions"]] == [1, 2]
    # As a first submission, plus 12 the revisions (the earlier ones are not the service's to know).
    assert len(queries) == 12, _statements(queries)


@pytest.mark.parametrize("cities", [1, 20])
def test_an_update_costs_a_fixed_number_of_queries(client_for, reporter, created, cities):
    report = created(cities)
    client = _fresh(client_for, reporter)
    body = {"percent": 40, "city_lines": [{"city": report["city_lines"][0]["city"]["id"], "status": "done"}]}

    with CaptureQueriesContext(connection) as queries:
        response = client.patch(_action("detail", report), body, format="json", HTTP_IF_MATCH='"1"')

    assert response.status_code == 200, response.json()
    assert response.json()["city_lines"][0]["status"] == TargetStatus.DONE
    # Who: 1 the roles, 2 the report in scope with its related objects. Input: 3 the city given. Service:
    # 4 SAVEPOINT, 5 clean() (the unit is responsible), 6 the conditional UPDATE, 7 the city lines, 8 the given city
    # is a target (ReportCityLine.clean(), per line given), 9 UPDATE that line, 10 RELEASE. Answer: 11 transitions,
    # 12 revisions, 13 attachments (the lines are kept). Before the roles took one query: 17.
    assert len(queries) == 13, _statements(queries)


@pytest.mark.parametrize("cities", [1, 20])
@pytest.mark.parametrize("action", ["approve", "return"])
def test_a_review_costs_a_fixed_number_of_queries(client_for, office, submitted, cities, action):
    report = submitted(cities)
    client = _fresh(client_for, office)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(_action(action, report), {"comment": "请补充"}, HTTP_IF_MATCH=f'"{report["version"]}"')

    assert response.status_code == 200, response.json()
    state = ReportState.APPROVED if action == "approve" else ReportState.RETURNED
    assert response.json()["state"] == state
    # Who: 1 the roles (groups, units, permissions). Service: 2 SAVEPOINT, 3 the report locked within the office's
    # scope (all reports) with its related objects and whether it has attachments, 4 the conditional UPDATE; an
    # approval: 5 the city lines, 6 the targets locked, 7 the lines of newer approved reports (and an UPDATE per
    # target whose status changes: none here); then INSERT transition, UPDATE the obligation, the rollup's day,
    # RELEASE. Answer: the city lines (a return did not read them), transitions, revisions; no attachments, the lock
    # said there are none. Before: 24 and 23 (the row re-read), then 17 and 15 (the roles and permissions in three
    # queries), then 15 and 13 (the report read in scope before the lock, the attachments read for the answer).
    expected = {"approve": 13, "return": 11}[action]
    assert len(queries) == expected, _statements(queries)


def test_the_admin_add_and_change_saves_cost_a_fixed_number_of_queries(client, reporter, reform_a, period):
    client = signed_in(client, reporter)
    data = form_values(client.get(add_url(reform_a)))
    data.update(period=str(period.pk), status=TargetStatus.IN_PROGRESS, percent="60", work_done="印发实施方案")

    with CaptureQueriesContext(connection) as adding:
        response = client.post(add_url(reform_a), {**data, "_save": "1"})

    assert response.status_code == 302, response.content.decode()[:2000]
    # The admin's form is Django's: 1 session, 2 user with its roles, permissions and whether its units lead an item
    # (core.authentication.ModelBackend; five queries more before), 3 SAVEPOINT (ATOMIC on the admin view), 4-8 the
    # choices of reform, targets, unit, period, 9-11 the city lines' starting point as the page showed it (the owed
    # period, the period, the cities' confirmed submissions: a line the unit left as shown is not "changed"), 12-14
    # the choices again for the bound form, 15-19 ModelForm.full_clean()'s foreign key look-ups, the model's rule
    # and unique check, 20-22 a check constraint (SAVEPOINT, SELECT, RELEASE), 23-26 the city lines formset (a city
    # look-up and check per line). Then the service as for the API (27-39, with the cities' confirmed submissions;
    # plus a target check and an UPDATE per city line the form sends: two lines here), 40-43 the admin's change
    # message reading the report and its related objects, 44 django_admin_log, 45 RELEASE. Not yet trimmed: the
    # form's own checks repeat what the service and the database check (issue 11 left them to a later change).
    assert len(adding) == 45, _statements(adding)
