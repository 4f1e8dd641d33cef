import factory

from reforms.tests.factories import BatchFactory
from tracker.reminders.choices import RuleKind, WebhookKind
from tracker.reminders.models import CalendarDay, ReportingRule, UnitChannel
from tracker.tests import factories as tracker_factories
from units.tests.factories import UnitFactory


class ReportingRuleFactory(factory.django.DjangoModelFactory):
    """Monthly by the 5th; remind 7, 3 and 1 days before and on the day; urge every 3 days; escalate after 7."""

    class Meta:
        model = ReportingRule

    batch = factory.SubFactory(BatchFactory)
    kind = RuleKind.MONTHLY
    due_day = 5
    remind_days_before = "7,3,1"
    remind_on_due_day = True
    overdue_every_days = 3
    escalate_after_days = 7


class UnitChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitChannel

    unit = factory.SubFactory(UnitFactory)
    kind = WebhookKind.WECOM
    name = "推广工作群"
    url = factory.Sequence(lambda n: f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=test-{n}")


class CalendarDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarDay
        django_get_or_create = ("date",)

    is_working_day = False
    note = "调整"


def make_reform_for(unit, *, cities: int = 0, **kwargs):
    """tracker's make_reform_for without target cities by default: the reports' tests stay among reports (the
    cities' own obligations are tested with targets given explicitly, test_feeding.py)."""
    return tracker_factories.make_reform_for(unit, cities=cities, **kwargs)
