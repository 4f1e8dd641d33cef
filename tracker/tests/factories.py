import datetime
import itertools

import factory

from reforms.choices import ResponsibilityRole
from reforms.tests.factories import BatchFactory, ReformFactory, ResponsibilityFactory, RolloutTargetFactory
from tracker.models import ProgressReport, ReportingPeriod
from units.tests.factories import CityFactory, UserFactory


class ReportingPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportingPeriod

    batch = factory.SubFactory(BatchFactory)
    code = factory.Sequence(lambda n: f"2026-{n % 12 + 1:02d}-{n}")
    label = factory.LazyAttribute(lambda p: f"{p.code} 期")
    starts_on = datetime.date(2026, 11, 1)
    ends_on = datetime.date(2026, 11, 30)
    due_on = datetime.date(2026, 12, 5)


# Codes 375000–378999, apart from CityFactory's 379xxx: a long parametrised run makes thousands of cities, and
# CityFactory's codes repeat after its thousandth.
_city_numbers = itertools.count()


def new_city():
    n = next(_city_numbers) % 4000
    return CityFactory(code=f"37{5000 + n:04d}", name=f"测试城{5000 + n}")


def make_reform_for(unit, *, cities: int = 2, batch=None, role=ResponsibilityRole.LEAD):
    """A reform `unit` is responsible for, targeting `cities` new cities."""
    reform = ReformFactory(batch=batch) if batch is not None else ReformFactory()
    ResponsibilityFactory(reform=reform, unit=unit, role=role)
    for _ in range(cities):
        RolloutTargetFactory(reform=reform, city=new_city())
    return reform


class ProgressReportFactory(factory.django.DjangoModelFactory):
    """A bare draft row, written directly: tests of the life cycle go through tracker.services instead."""

    class Meta:
        model = ProgressReport

    reform = factory.SubFactory(ReformFactory)
    unit = factory.LazyAttribute(lambda r: r.reform.responsibilities.first().unit)
    period = factory.LazyAttribute(lambda r: ReportingPeriodFactory(batch=r.reform.batch))
    author = factory.SubFactory(UserFactory)
    work_done = "完成了部署"
