import datetime

import factory

from reforms.choices import Category, ResponsibilityRole, Scope, TargetStatus
from reforms.models import Batch, Reform, Responsibility, RolloutTarget
from units.tests.factories import CityFactory, UnitFactory


class BatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Batch
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"batch-{n}")
    title = factory.Sequence(lambda n: f"第{n}批制度创新成果")
    issued_on = datetime.date(2026, 3, 1)
    default_deadline = datetime.date(2026, 12, 31)


class ReformFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reform

    batch = factory.SubFactory(BatchFactory)
    category = Category.BEST_PRACTICE
    number = factory.Sequence(lambda n: n + 1)
    position = factory.LazyAttribute(lambda r: r.number)
    code = factory.LazyAttribute(
        lambda r: f"{r.batch.code}-{'p' if r.category == Category.PILOT else 'b'}{r.number:02d}"
    )
    title = factory.Sequence(lambda n: f"改革事项{n}")
    content = "主要内容"
    scope = Scope.ALL_CITIES


class ResponsibilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Responsibility

    reform = factory.SubFactory(ReformFactory)
    unit = factory.SubFactory(UnitFactory)
    role = ResponsibilityRole.LEAD
    position = 0


class RolloutTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RolloutTarget

    reform = factory.SubFactory(ReformFactory)
    city = factory.SubFactory(CityFactory)
    status = TargetStatus.NOT_STARTED
