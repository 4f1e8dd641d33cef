"""The reforms' target counts (TargetSummary, issue 11): kept exact by the trigger whoever writes the targets,
recounted by a full refresh, and what an unfiltered statistics miss reads instead of the targets themselves."""

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reforms.choices import TargetStatus
from reforms.models import RolloutTarget
from reforms.tests.factories import ReformFactory, RolloutTargetFactory

from ..models import TargetSummary
from ..services import stats_refresh
from ..services.targets import target_summaries_rebuild
from .factories import make_city
from .test_queries import build, fresh_client

pytestmark = pytest.mark.django_db

STATUSES = [status.value for status in TargetStatus]


def counted() -> dict:
    """What grouping the targets says, per reform: the truth the summaries must equal."""
    rows = RolloutTarget.objects.values("reform_id").annotate(
        targets=Count("id"), **{s: Count("id", filter=Q(status=s)) for s in STATUSES}
    )
    return {row.pop("reform_id"): row for row in rows}


def kept() -> dict:
    return {row.pop("reform_id"): row for row in TargetSummary.objects.values("reform_id", "targets", *STATUSES)}


def test_the_trigger_follows_every_insert_update_and_delete():
    first, second = ReformFactory(), ReformFactory()
    cities = [make_city(f"3790{i:02d}", f"汇总城市{i}") for i in range(4)]
    targets = [RolloutTargetFactory(reform=first, city=city) for city in cities[:3]]
    RolloutTargetFactory(reform=second, city=cities[3], status=TargetStatus.DONE)
    assert kept() == counted() and kept()[first.pk]["targets"] == 3

    targets[0].status = TargetStatus.DONE
    targets[0].save()
    RolloutTarget.objects.filter(pk=targets[1].pk).update(
        status=TargetStatus.NOT_APPLICABLE, not_applicable_reason="不适用"
    )
    RolloutTarget.objects.filter(pk=targets[2].pk).update(reform=second)  # moved to another reform
    assert kept() == counted()
    assert kept()[first.pk] == {"targets": 2, "done": 1, "in_progress": 0, "not_started": 0, "not_applicable": 1}

    RolloutTarget.objects.filter(reform=first).delete()
    assert first.pk not in kept()  # a reform without targets has no row, as grouping the targets has no group
    assert kept() == counted()


def test_a_full_refresh_recounts_what_was_loaded_with_triggers_off():
    reform = ReformFactory()
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # as a restore or the benchmark's fill loads
        try:
            RolloutTargetFactory(reform=reform, city=make_city("379100", "汇总城市甲"), status=TargetStatus.DONE)
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
    assert reform.pk not in kept()

    stats_refresh(full=True)

    assert (
        kept()
        == counted()
        == {reform.pk: {"targets": 1, "done": 1, "in_progress": 0, "not_started": 0, "not_applicable": 0}}
    )
    assert target_summaries_rebuild() == 1


@pytest.mark.parametrize("name", ["overview", "reforms", "units", "batches", "categories", "scopes"])
def test_an_unfiltered_miss_groups_no_target(name, office, frozen):
    build(3)
    client = fresh_client(office)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(f"stats-api:{name}"))

    assert response.status_code == 200
    grouped = [q["sql"] for q in queries.captured_queries if 'FROM "reforms_rollouttarget"' in q["sql"]]
    # The overview's target cities: an EXISTS per city (index probes), not a grouping of the targets.
    assert all("EXISTS" in sql and "GROUP BY" not in sql for sql in grouped), grouped
    assert len(grouped) == (1 if name == "overview" else 0), grouped
