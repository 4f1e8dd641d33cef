"""Fixtures of the tracker tests: a small world around the personas of the root conftest.

- reform_a (unit_a responsible, two target cities) and reform_b (unit_b), in one batch, with one period.
- make_report(...) files a report through the services, optionally walking it to a later state.
"""

import pytest

from reforms.tests.factories import BatchFactory
from tracker import services
from tracker.choices import ReportState

from .factories import ReportingPeriodFactory, make_reform_for


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def batch(db):
    return BatchFactory(code="sdftz-test")


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
def make_report(period, office):
    """make_report(user, reform, state=...) → a report filed by `user`, walked to `state` through the services."""

    def make(user, reform, state=ReportState.DRAFT, period=period, **data):
        data.setdefault("work_done", "已完成制度文件起草")
        report = services.report_create(user=user, reform=reform, period=period, data=data)
        if state == ReportState.DRAFT:
            return report
        report = services.report_submit(report=report, user=user)
        if state == ReportState.APPROVED:
            report = services.report_approve(report=report, user=office, comment="同意")
        elif state == ReportState.RETURNED:
            report = services.report_return(report=report, user=office, comment="请补充佐证材料")
        return report

    return make
