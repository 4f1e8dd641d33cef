"""Factories of the statistics tests, and the hand-built scenario whose every figure the tests check.

The scenario (today = Friday 2026-11-20, China Standard Time):

    batch B1 (issued 2026-03-01, deadline 2026-12-31): periods P1 2026-09 (due 10-10), P2 2026-10 (due 11-10),
        P3 2026-11 (due 11-23)
      R1 pilot 1, 全省, lead U1, co U2 and U4: 济南 done (09-15), 青岛 done (10-20), 淄博 not applicable
      R2 best practice 1, 全省, lead U2: 济南 in progress, 青岛 not started, 淄博 done (11-05)
      R3 best practice 2, 有条件的市, lead U1, own deadline 2026-11-15 (passed): 济南 in progress, 青岛 not started
    batch B2 (issued 2026-06-01, deadline 2027-06-30): period Q1 2026-Q3 (due 10-15)
      R4 pilot 1, 有条件的市, lead U3: 青岛 not started
      R5 best practice 1, scope to be verified, lead U3, co U1: no targets
    东营 is a city without targets.

Obligations: each reform's lead unit owes a report for each period of its reform's batch; its co-units (U2 and U4
on R1, U1 on R5) owe a contribution instead, not a report (issue 12), and the report figures count report
obligations only (what the reminders' sweep derives; derive_obligations() below stands in for it). So the co-units
file no reports here. Reports (local time), per period and (reform, lead unit):
    P1: R1·U1 approved 10-09, R2·U2 submitted 10-10, R3·U1 approved 10-08
    P2: R1·U1 submitted 11-11 07:00 (late: 11-10 23:00 UTC), R2·U2 approved 11-08, R3·U1 returned (missing)
    P3: R1·U1 submitted 11-18, R2·U2 submitted 11-17; R3·U1 none (due soon)
    Q1: R4·U3 approved 10-14, R5·U3 submitted 10-20 (late)
"""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone

from reforms.choices import Category, ResponsibilityRole, Scope, TargetStatus
from reforms.tests.factories import BatchFactory, ReformFactory, ResponsibilityFactory, RolloutTargetFactory
from tracker.choices import ReportState
from tracker.models import ProgressReport
from tracker.reminders.models import Obligation
from tracker.reminders.services import obligations_refresh
from tracker.tests.factories import ReportingPeriodFactory
from units.models import City
from units.tests.factories import UnitFactory, UserFactory

from ..choices import StatusColour, SubjectKind
from ..models import ColourSnapshot, StatusOverride

CST = ZoneInfo("Asia/Shanghai")
TODAY = datetime.date(2026, 11, 20)
NOW = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=CST)


def stamp(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=CST)


def make_city(code: str, name: str) -> City:
    """A city with the given code. Not CityFactory: every call of a factory advances its sequence, and that
    factory's codes repeat after a thousand, which would break later tests of the session that rely on it."""
    return City.objects.get_or_create(code=code, defaults={"name": name, "name_en": name})[0]


def make_report_row(reform, unit, period, state: str, submitted_at: datetime.datetime | None = None, **kwargs):
    """A report row in `state`, written directly (no city lines): what the statistics read, nothing more."""
    # Written when it was last submitted (drafts: early October), as the services would have.
    written = submitted_at or stamp(10, 1)
    values = {"state": state, "work_done": "已按要求推进", "revision": 0, "created_at": written, "updated_at": written}
    if state != ReportState.DRAFT:
        values.update(revision=1, submitted_at=submitted_at)
    if state in (ReportState.APPROVED, ReportState.RETURNED):
        values.update(reviewer=UserFactory(username="stats-reviewer"), reviewed_at=submitted_at)
    if state == ReportState.RETURNED:
        values["review_comment"] = "请补充佐证材料"
    if state == ReportState.APPROVED:
        values.update(status=TargetStatus.IN_PROGRESS, percent=50)
    values.update(kwargs)
    return ProgressReport.objects.create(
        reform=reform, unit=unit, period=period, author=UserFactory(username="stats-author"), **values
    )


def derive_obligations(created_at: datetime.datetime | None = None) -> int:
    """The obligations of every period, derived by tracker.reminders' own obligations_refresh() (what its sweep
    runs), for tests that make periods by hand. `created_at` backdates the obligations it creates (the refresh picks
    new obligations up by their creation time). Idempotent; returns how many were created."""
    existing = set(Obligation.objects.values_list("id", flat=True))
    created = obligations_refresh(today=timezone.localdate()).obligations_created
    if created_at is not None:
        Obligation.objects.exclude(id__in=existing).update(created_at=created_at)
    return created


class StatusOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusOverride

    colour = StatusColour.GREEN
    reason = "已与牵头单位会商，进度符合预期"
    created_by = factory.SubFactory(UserFactory)


class ColourSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ColourSnapshot

    month = datetime.date(2026, 10, 1)
    kind = SubjectKind.REFORM
    computed_colour = StatusColour.GREEN
    colour = factory.LazyAttribute(lambda s: s.computed_colour)


@dataclass
class Scenario:
    cities: dict
    units: dict
    batches: dict
    reforms: dict
    periods: dict


def make_scenario() -> Scenario:
    """Build the scenario of the module docstring. Units U1 and U2 are the personas' 省测试甲厅 and 省测试乙厅."""
    cities = {
        key: make_city(code, name)
        for key, code, name in [
            ("C1", "370100", "济南市"),
            ("C2", "370200", "青岛市"),
            ("C3", "370300", "淄博市"),
            ("C4", "370500", "东营市"),
        ]
    }
    units = {key: UnitFactory(name=name) for key, name in [("U1", "省测试甲厅"), ("U2", "省测试乙厅")]}
    units.update({key: UnitFactory(name=name) for key, name in [("U3", "省测试丙厅"), ("U4", "省测试丁厅")]})
    b1 = BatchFactory(
        code="stats-b1",
        title="第一批制度创新成果",
        issued_on=datetime.date(2026, 3, 1),
        default_deadline=datetime.date(2026, 12, 31),
    )
    b2 = BatchFactory(
        code="stats-b2",
        title="第二批制度创新成果",
        issued_on=datetime.date(2026, 6, 1),
        default_deadline=datetime.date(2027, 6, 30),
    )

    def reform(key, batch, category, number, position, scope, title, units_, **kwargs):
        obj = ReformFactory(
            batch=batch,
            category=category,
            number=number,
            position=position,
            scope=scope,
            title=title,
            code=f"{batch.code}-{key.lower()}",
            **kwargs,
        )
        for order, unit_key in enumerate(units_, start=1):
            role = ResponsibilityRole.LEAD if order == 1 else ResponsibilityRole.CO
            ResponsibilityFactory(reform=obj, unit=units[unit_key], role=role, position=order)
        return obj

    reforms = {
        "R1": reform("R1", b1, Category.PILOT, 1, 1, Scope.ALL_CITIES, "整车出口贸易便利化改革", ["U1", "U2", "U4"]),
        "R2": reform("R2", b1, Category.BEST_PRACTICE, 1, 2, Scope.ALL_CITIES, "用海审批集成式改革", ["U2"]),
        "R3": reform(
            "R3",
            b1,
            Category.BEST_PRACTICE,
            2,
            3,
            Scope.QUALIFIED_CITIES,
            "跨境电商退货中心仓模式",
            ["U1"],
            deadline=datetime.date(2026, 11, 15),
        ),
        "R4": reform("R4", b2, Category.PILOT, 1, 1, Scope.QUALIFIED_CITIES, "进口燃料油一站式化验", ["U3"]),
        "R5": reform(
            "R5",
            b2,
            Category.BEST_PRACTICE,
            1,
            2,
            Scope.UNVERIFIED,
            "涉外商事纠纷多元化解机制",
            ["U3", "U1"],
            needs_verification=True,
            verification_note="推广范围待与纸质原件核对",
        ),
    }
    done = TargetStatus.DONE
    for reform_key, city_key, status, changed in [
        ("R1", "C1", done, datetime.date(2026, 9, 15)),
        ("R1", "C2", done, datetime.date(2026, 10, 20)),
        ("R1", "C3", TargetStatus.NOT_APPLICABLE, datetime.date(2026, 5, 1)),
        ("R2", "C1", TargetStatus.IN_PROGRESS, datetime.date(2026, 8, 1)),
        ("R2", "C2", TargetStatus.NOT_STARTED, None),
        ("R2", "C3", done, datetime.date(2026, 11, 5)),
        ("R3", "C1", TargetStatus.IN_PROGRESS, datetime.date(2026, 9, 1)),
        ("R3", "C2", TargetStatus.NOT_STARTED, None),
        ("R4", "C2", TargetStatus.NOT_STARTED, None),
    ]:
        RolloutTargetFactory(
            reform=reforms[reform_key],
            city=cities[city_key],
            status=status,
            status_changed_on=changed,
            not_applicable_reason="本市无综合保税区" if status == TargetStatus.NOT_APPLICABLE else "",
        )

    def period(batch, code, label, starts, ends, due):
        return ReportingPeriodFactory(batch=batch, code=code, label=label, starts_on=starts, ends_on=ends, due_on=due)

    d = datetime.date
    periods = {
        "P1": period(b1, "2026-09", "2026年9月", d(2026, 9, 1), d(2026, 9, 30), d(2026, 10, 10)),
        "P2": period(b1, "2026-10", "2026年10月", d(2026, 10, 1), d(2026, 10, 31), d(2026, 11, 10)),
        "P3": period(b1, "2026-11", "2026年11月", d(2026, 11, 1), d(2026, 11, 30), d(2026, 11, 23)),
        "Q1": period(b2, "2026-Q3", "2026年第三季度", d(2026, 7, 1), d(2026, 9, 30), d(2026, 10, 15)),
    }
    approved, submitted = ReportState.APPROVED, ReportState.SUBMITTED
    for period_key, reform_key, unit_key, state, when in [
        ("P1", "R1", "U1", approved, stamp(10, 9)),
        ("P1", "R2", "U2", submitted, stamp(10, 10, 11)),
        ("P1", "R3", "U1", approved, stamp(10, 8)),
        ("P2", "R1", "U1", submitted, stamp(11, 11, 7)),
        ("P2", "R2", "U2", approved, stamp(11, 8)),
        ("P2", "R3", "U1", ReportState.RETURNED, stamp(11, 9)),
        ("P3", "R1", "U1", submitted, stamp(11, 18)),
        ("P3", "R2", "U2", submitted, stamp(11, 17)),
        ("Q1", "R4", "U3", approved, stamp(10, 14)),
        ("Q1", "R5", "U3", submitted, stamp(10, 20)),
    ]:
        make_report_row(reforms[reform_key], units[unit_key], periods[period_key], state, when)
    derive_obligations(created_at=stamp(10, 1))
    return Scenario(cities=cities, units=units, batches={"B1": b1, "B2": b2}, reforms=reforms, periods=periods)


def now_in_scenario() -> datetime.datetime:
    return timezone.localtime(NOW)
