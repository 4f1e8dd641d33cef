"""The world of the contribution tests, around the personas of the root conftest:

- reform: unit_a leads it (reporter and manager are lead staff), unit_b is its co-unit (other_reporter files the
  contributions), one period of its batch, due 2026-12-07 (a Monday).
- outsider: a member of a third unit with no part in the reform; consumer and office as in the root conftest.
"""

import datetime

import pytest

from reforms.choices import ResponsibilityRole
from reforms.tests.factories import BatchFactory, ResponsibilityFactory
from tracker.tests.factories import ReportingPeriodFactory, make_reform_for
from units.tests.factories import UnitFactory, make_unit_user

from .. import services


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def batch(db):
    return BatchFactory(code="sdftz-contrib")


@pytest.fixture
def period(batch):
    return ReportingPeriodFactory(
        batch=batch,
        code="2026-11",
        label="2026年11月",
        starts_on=datetime.date(2026, 11, 1),
        ends_on=datetime.date(2026, 11, 30),
        due_on=datetime.date(2026, 12, 7),
    )


@pytest.fixture
def reform(unit_a, unit_b, batch):
    reform = make_reform_for(unit_a, batch=batch)
    ResponsibilityFactory(reform=reform, unit=unit_b, role=ResponsibilityRole.CO, position=1)
    return reform


@pytest.fixture
def outsider(db):
    return make_unit_user(UnitFactory(name="省测试丙厅"), username="outsider")


@pytest.fixture
def make_contribution(reform, period, other_reporter):
    """make_contribution(submitted=False, **fields): unit_b's contribution on `reform`, through the services."""

    def make(*, submitted: bool = False, user=other_reporter, reform=reform, period=period, **data):
        data.setdefault("work_done", "配合完成数据共享接口")
        contribution = services.contribution_create(user=user, reform=reform, period=period, data=data)
        if submitted:
            contribution = services.contribution_submit(contribution=contribution, user=user)
        return contribution

    return make
