"""Fixtures of the cities tests: the root conftest's personas plus two cities' staff.

- reform_a: unit_a leads it (reporter and manager are its staff), two target cities, city_a and city_b.
- city_reporter: staff of city_a; sees city_a's targets and submissions, never city_b's.
- other_city_reporter: staff of city_b; must never see city_a's drafts (404).
- reporter (unit_a) confirms or returns what the cities submit on reform_a; other_reporter (unit_b) sees none of it.
"""

import pytest

from reforms.tests.factories import BatchFactory
from tracker import services as tracker_services
from tracker.tests.factories import ReportingPeriodFactory, make_reform_for

from .. import services
from .factories import make_city_user


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def batch(db):
    return BatchFactory(code="sdftz-cities")


@pytest.fixture
def period(batch):
    return ReportingPeriodFactory(batch=batch, code="2026-11", label="2026年11月")


@pytest.fixture
def reform_a(unit_a, batch):
    return make_reform_for(unit_a, batch=batch)


@pytest.fixture
def reform_b(unit_b, batch):
    return make_reform_for(unit_b, batch=batch)


@pytest.fixture
def target_a(reform_a):
    return reform_a.targets.select_related("city").order_by("city__code")[0]


@pytest.fixture
def target_b(reform_a):
    return reform_a.targets.select_related("city").order_by("city__code")[1]


@pytest.fixture
def city_reporter(target_a):
    return make_city_user(target_a.city, username="city_reporter")


@pytest.fixture
def other_city_reporter(target_b):
    return make_city_user(target_b.city, username="other_city_reporter")


@pytest.fixture
def make_submission(period):
    """make_submission(user, target, state=...) → a submission walked to `state` through the services."""

    def make(user, target, state="draft", *, reviewer=None, status="in_progress", period=period):
        submission = services.city_submission_create(
            user=user, target=target, period=period, data={"status": status, "work_done": "已印发实施方案"}
        )
        if state == "draft":
            return submission
        submission = services.city_submission_submit(submission=submission, user=user)
        if state == "confirmed":
            submission = services.city_submission_confirm(submission=submission, user=reviewer, comment="属实")
        elif state == "returned":
            submission = services.city_submission_return(submission=submission, user=reviewer, comment="请补充材料")
        return submission

    return make


@pytest.fixture
def lead_report(reporter, reform_a, period):
    return tracker_services.report_create(user=reporter, reform=reform_a, period=period, data={"work_done": "推进"})
