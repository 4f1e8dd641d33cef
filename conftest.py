"""Shared pytest fixtures: personas and API clients.

Personas (who may access what):
- office: the provincial office reviewer; sees and reviews everything.
- reporter: a member of `unit_a`; sees that unit's reforms and reports only.
- other_reporter: a member of `unit_b`; must never see `unit_a`'s drafts.
- manager: the unit manager of `unit_a`.
- consumer: a read-only API consumer with a token; approved data only.
"""

import os

import pytest
from rest_framework.test import APIClient

from units.choices import MembershipRole
from units.tests.factories import UnitFactory, make_consumer_user, make_office_user, make_unit_user


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the shared cache (Redis under scripts/test) and user ids repeat between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def unit_a(db):
    return UnitFactory(name="省测试甲厅")


@pytest.fixture
def unit_b(db):
    return UnitFactory(name="省测试乙厅")


@pytest.fixture
def office(db):
    return make_office_user(username="office")


@pytest.fixture
def reporter(unit_a):
    return make_unit_user(unit_a, username="reporter")


@pytest.fixture
def other_reporter(unit_b):
    return make_unit_user(unit_b, username="other_reporter")


@pytest.fixture
def manager(unit_a):
    return make_unit_user(unit_a, role=MembershipRole.MANAGER, username="manager")


@pytest.fixture
def consumer(db):
    return make_consumer_user(username="consumer")


@pytest.fixture
def admin_client_for(client):
    """`admin_client_for(user)` returns the test client logged in as `user`, for the admin site."""

    def make(user):
        client.force_login(user)
        return client

    return make


@pytest.fixture
def postgresql():
    """For tests of PostgreSQL-only behaviour (triggers, row locks with SKIP LOCKED under real concurrency).

    scripts/test always runs on PostgreSQL and sets TEST_STRICT, so there the test runs or fails, never skips. A
    quick local run on the zero-setup SQLite skips them with this reason instead.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        if os.environ.get("TEST_STRICT") or os.environ.get("CI"):
            pytest.fail("This test needs PostgreSQL: run it through scripts/test (or set DATABASE_URL).")
        pytest.skip("needs PostgreSQL (scripts/test provides it)")


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for(api_client):
    """`client_for(user)` returns an APIClient authenticated as `user` (None: anonymous)."""

    def make(user):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


# scripts/test sets TEST_STRICT=1: there every service is provided, so a skipped test means a missing service or
# a broken set-up, and it fails the run instead of passing silently.
STRICT = os.environ.get("TEST_STRICT") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under scripts/test (TEST_STRICT=1), which provides every service: {report.longrepr}"
