"""Real concurrency on PostgreSQL (committed data, a connection per thread): the unique triple and the version check
decide races between people of the same co-unit, and nobody gets a 500."""

from collections import Counter

import pytest
from django.db import connection
from django.urls import reverse

from tracker.tests.test_concurrency import THREADS, run_at_once

from ..choices import ContributionState
from ..models import Contribution

LIST = reverse("contributions-api:contribution-list")


@pytest.fixture
def committed(transactional_db):
    assert connection.vendor == "postgresql", "run through scripts/test: this test needs PostgreSQL"


def test_twenty_parallel_creates_give_one_201_and_no_500(committed, other_reporter, reform, period):
    responses = run_at_once(
        other_reporter,
        lambda client, i: client.post(LIST, {"reform": reform.pk, "period": period.pk}, format="json"),
    )

    statuses = Counter(getattr(r, "status_code", repr(r)) for r in responses)
    assert statuses[201] == 1, statuses
    assert statuses[400] == THREADS - 1, statuses
    assert Contribution.objects.count() == 1


def test_twenty_parallel_submits_and_withdrawals_leave_a_consistent_row(committed, other_reporter, make_contribution):
    contribution = make_contribution()
    url = reverse("contributions-api:contribution-detail", args=[contribution.pk])

    responses = run_at_once(
        other_reporter,
        lambda client, i: client.post(f"{url}{'submit' if i % 2 == 0 else 'withdraw'}/"),
    )

    statuses = Counter(getattr(r, "status_code", repr(r)) for r in responses)
    assert set(statuses) <= {200, 409}, statuses
    fresh = Contribution.objects.get(pk=contribution.pk)
    # Every 200 moved the row once: the version counts them, and the state is where the last one left it.
    assert fresh.version == 1 + statuses[200]
    assert (fresh.state == ContributionState.SUBMITTED) == (fresh.submitted_at is not None)
