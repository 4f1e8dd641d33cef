"""Real concurrency on PostgreSQL: 20 threads, each with its own database connection, released at the same moment.

The data is committed (transactional_db) so every thread sees it; each request runs in its thread exactly as a
web worker would run it.
"""

import threading
from collections import Counter

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from tracker.choices import ReportState
from tracker.models import ProgressReport, ReportRevision, ReportTransition

THREADS = 20


def run_at_once(user, send) -> list:
    """Call `send(client)` in THREADS threads released together; return the responses."""
    barrier = threading.Barrier(THREADS)
    responses: list = [None] * THREADS

    def worker(index: int) -> None:
        client = APIClient()
        # A user object per thread, as per request: the role caches on it are not shared.
        client.force_authenticate(type(user).objects.get(pk=user.pk))
        try:
            barrier.wait(timeout=30)
            responses[index] = send(client, index)
        except Exception as exc:  # reported in the assertion below, with the thread's index
            responses[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return responses


@pytest.fixture
def committed_world(postgresql, transactional_db, reporter, reform_a, period):
    return reporter, reform_a, period


def test_twenty_parallel_updates_of_one_version_have_exactly_one_winner(committed_world, make_report):
    reporter, reform_a, _ = committed_world
    report = make_report(reporter, reform_a)
    url = reverse("tracker-api:report-detail", args=[report.pk])

    responses = run_at_once(
        reporter,
        lambda client, i: client.patch(
            url, {"percent": i + 1, "work_done": f"线程{i}"}, format="json", HTTP_IF_MATCH='"1"'
        ),
    )

    statuses = Counter(getattr(r, "status_code", repr(r)) for r in responses)
    assert statuses[200] == 1, statuses
    assert statuses[412] + statuses[409] == THREADS - 1, statuses
    winner = next(i for i, r in enumerate(responses) if r.status_code == 200)
    fresh = ProgressReport.objects.get(pk=report.pk)
    # The row holds the winner's write, whole, and nobody else's.
    assert (fresh.version, fresh.percent, fresh.work_done) == (2, winner + 1, f"线程{winner}")


def test_twenty_parallel_creates_of_one_report_give_one_201_and_no_500(committed_world):
    reporter, reform_a, period = committed_world
    url = reverse("tracker-api:report-list")

    responses = run_at_once(
        reporter, lambda client, i: client.post(url, {"reform": reform_a.pk, "period": period.pk}, format="json")
    )

    statuses = Counter(getattr(r, "status_code", repr(r)) for r in responses)
    assert statuses[201] == 1, statuses
    assert statuses[400] == THREADS - 1, statuses
    refused = [r.json()["errors"] for r in responses if r.status_code == 400]
    assert all(body == {"non_field_errors": ["本单位已就该改革事项报送过本期进展报告。"]} for body in refused), refused
    assert ProgressReport.objects.count() == 1
    # No half-written loser: one report, its two city lines, its one creation transition.
    report = ProgressReport.objects.get()
    assert report.city_lines.count() == 2
    assert ReportTransition.objects.count() == 1


def test_parallel_submits_and_edits_of_one_draft_never_both_land(committed_world, make_report):
    reporter, reform_a, _ = committed_world
    report = make_report(reporter, reform_a)
    detail = reverse("tracker-api:report-detail", args=[report.pk])
    submit = reverse("tracker-api:report-submit", args=[report.pk])

    def send(client, i):
        if i % 2:
            return client.post(submit, HTTP_IF_MATCH='"1"')
        return client.patch(detail, {"percent": 50}, format="json", HTTP_IF_MATCH='"1"')

    responses = run_at_once(reporter, send)

    statuses = Counter(getattr(r, "status_code", repr(r)) for r in responses)
    assert statuses[200] == 1, statuses
    assert set(statuses) <= {200, 409, 412}, statuses
    fresh = ProgressReport.objects.get(pk=report.pk)
    if fresh.state == ReportState.SUBMITTED:
        # The submit won: what was frozen is what the snapshot says.
        assert fresh.percent == ReportRevision.objects.get(report=fresh).data["percent"] == 0
    else:
        assert (fresh.state, fresh.percent) == (ReportState.DRAFT, 50)
