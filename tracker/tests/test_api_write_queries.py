"""Query counts of the write path, pinned like the lists': a create and a submit cost the same whatever the number of
target cities (the city lines are written in one INSERT and read back in one SELECT)."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reforms.tests.factories import RolloutTargetFactory
from units.models import City

pytestmark = pytest.mark.django_db

LIST = reverse("tracker-api:report-list")


def _fresh(client_for, user):
    # A fresh user object, as each request has: roles cached on the fixture's object must not be free.
    return client_for(get_user_model().objects.get(pk=user.pk))


def _targets(reform, count: int) -> None:
    for index in range(count - reform.targets.count()):
        city = City.objects.create(code=f"38{index:04d}", name=f"写入测试市{index}")
        RolloutTargetFactory(reform=reform, city=city)


@pytest.mark.parametrize("cities", [1, 20])
def test_a_create_costs_a_fixed_number_of_queries(client_for, reporter, reform_a, period, cities):
    _targets(reform_a, cities)
    client = _fresh(client_for, reporter)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(LIST, {"reform": reform_a.pk, "period": period.pk, "work_done": "x"}, format="json")

    assert response.status_code == 201, response.json()
    # Who: 1 is_office, 2 the user's unit ids, 3 is_consumer, 4-5 model permissions (the user's, its groups').
    # Input: 6 the reform in scope, 7 the period. Service: 8 SAVEPOINT, 9 the user's responsible unit, 10-11 clean()
    # (the unit is responsible, the author is a member), 12-14 SAVEPOINT, INSERT the report, RELEASE, 15 the target
    # cities, 16 INSERT the city lines, 17 INSERT the transition, 18 the rollup's day (stats_report_sync: no rollup
    # has run in this test, so it stops there; with one it adds the fact UPDATE, the reform's summaries and their
    # upsert, pinned in tracker/stats/tests/test_refresh.py), 19 RELEASE. Answer: 20 the report with its foreign
    # keys, 21 city lines, 22 transitions, 23 revisions, 24 attachments. No constraint checks (the database's) and
    # no foreign key look-ups (the serializer's) in full_clean().
    assert len(queries) == 24, "\n".join(q["sql"][:120] for q in queries.captured_queries)


@pytest.mark.parametrize("cities", [1, 20])
def test_a_submit_costs_a_fixed_number_of_queries(client_for, reporter, reform_a, period, cities):
    _targets(reform_a, cities)
    created = client_for(reporter).post(
        LIST, {"reform": reform_a.pk, "period": period.pk, "work_done": "x"}, format="json"
    )
    report = created.json()
    client = _fresh(client_for, reporter)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse("tracker-api:report-submit", args=[report["id"]]), HTTP_IF_MATCH=f'"{report["version"]}"'
        )

    assert response.status_code == 200, response.json()
    # Who: 1 is_office, 2 unit ids, 3 is_consumer, 4 the report in scope (no history: the answer is read after the
    # write), 5-6 model permissions. Service: 7 SAVEPOINT, 8 the report locked with reform, unit, period, 9 clean()
    # (the unit is responsible), 10-11 completeness (the lines given, the target cities without one), 12 the
    # conditional UPDATE, 13-14 the snapshot's city lines and attachments, 15 INSERT revision, 16 INSERT
    # transition, 17 UPDATE the obligation (met), 18 the rollup's day (stats_report_sync, as for a create),
    # 19 RELEASE. Answer: 20 the report, 21 city lines, 22 transitions, 23 revisions, 24 attachments.
    assert len(queries) == 24, "\n".join(q["sql"][:120] for q in queries.captured_queries)
