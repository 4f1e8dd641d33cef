"""The breakdowns: rows of figures per reform, unit, city, batch, category and scope, plus the overview.

Each builder runs a fixed number of queries (the rows' subjects, the target groups, the report groups), so the
query count does not grow with the data. Statuses (colours) are attached separately, see statuses.py.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q

from reforms.choices import Category, ResponsibilityRole, Scope
from reforms.models import Reform, Responsibility
from units.models import City

from ..choices import SubjectKind
from .figures import (
    Clock,
    Figures,
    StatsFilters,
    city_report_groups,
    figures_by,
    reform_q,
    report_groups,
    report_totals,
    target_groups,
    targets,
    unit_target_groups,
)


@dataclass
class Status:
    """A subject's colour: computed by the last refresh, the office's override if any, last month's, the trend."""

    colour: str | None
    computed_colour: str | None
    override: dict | None = None
    previous_colour: str | None = None
    trend: str | None = None


@dataclass
class Row:
    """One row of a breakdown: what it is about (`subject`), its figures, and for units the split by role."""

    key: object
    subject: dict
    figures: Figures
    lead: Figures | None = None
    co: Figures | None = None
    status: Status | None = None
    extra: dict = field(default_factory=dict)


def filtered_reforms(f: StatsFilters):
    return Reform.objects.filter(reform_q(f, prefix="", outer="pk"))


def _merge(rows: list[Row], figures: dict) -> list[Row]:
    for row in rows:
        found = figures.get(row.key)
        if found is not None:
            reforms = row.figures.reforms
            row.figures = found
            row.figures.reforms = reforms
    return rows


def reform_rows(f: StatsFilters, clock: Clock) -> list[Row]:
    """One row per filtered reform, in the table's order (batch, then position), with its lead unit."""
    # The lead as a LEFT JOIN restricted to the lead row: one join instead of a subquery per reform.
    subjects = (
        filtered_reforms(f)
        .alias(lead=FilteredRelation("responsibilities", condition=Q(responsibilities__role=ResponsibilityRole.LEAD)))
        .values(
            "id",
            "code",
            "title",
            "number",
            "position",
            "category",
            "scope",
            "deadline",
            "needs_verification",
            "batch_id",
            "batch__code",
            "batch__title",
            "batch__default_deadline",
            lead_unit_id=F("lead__unit_id"),
            lead_unit_name=F("lead__unit__name"),
        )
        .order_by(*Reform._meta.ordering)
    )
    rows = [Row(key=s["id"], subject=s, figures=Figures(reforms=1)) for s in subjects]
    figures = figures_by(
        lambda g: g["key"],
        target_groups(f, {"key": "reform_id"}),
        lambda g: g["key"],
        report_groups(f, clock, {"key": "reform_id"}),
        clock,
    )
    return _merge(rows, figures)


def unit_rows(f: StatsFilters, clock: Clock) -> list[Row]:
    """One row per unit responsible for a filtered reform, with its figures as lead and as co-unit."""
    q = reform_q(f, prefix="reform__", outer="reform_id")
    if f.unit_ids is not None:
        q &= Q(unit_id__in=f.unit_ids)
    subjects = (
        Responsibility.objects.filter(q)
        .values("unit_id", "unit__name")
        .annotate(
            led=Count("id", filter=Q(role=ResponsibilityRole.LEAD)),
            co=Count("id", filter=Q(role=ResponsibilityRole.CO)),
        )
        .order_by("unit__name")
    )
    rows = {}
    for s in subjects:
        rows[s["unit_id"]] = Row(
            key=s["unit_id"],
            subject={"id": s["unit_id"], "name": s["unit__name"]},
            figures=Figures(reforms=s["led"] + s["co"]),
            lead=Figures(reforms=s["led"]),
            co=Figures(reforms=s["co"]),
        )
    for group in unit_target_groups(f):
        row = rows.get(group["unit_id"])
        if row is not None:
            for figures in (row.figures, row.lead if group["role"] == ResponsibilityRole.LEAD else row.co):
                figures.add_targets(group, today=clock.today, soon_until=clock.soon_until)
    for group in report_groups(f, clock, {"unit_id": "unit_id", "role": "role"}):
        row = rows.get(group["unit_id"])
        if row is not None:
            row.figures.add_reports(group)
            (row.lead if group["role"] == ResponsibilityRole.LEAD else row.co).add_reports(group)
    return list(rows.values())


def city_rows(f: StatsFilters, clock: Clock) -> list[Row]:
    """One row per city (the chosen ones, else all), by administrative code; a city without targets shows zeros."""
    cities = City.objects.order_by("code")
    if f.city_ids is not None:
        cities = cities.filter(id__in=f.city_ids)
    rows = [Row(key=c["id"], subject=c, figures=Figures()) for c in cities.values("id", "code", "name")]
    groups = target_groups(f, {"key": "city_id"})
    figures = figures_by(lambda g: g["key"], groups, lambda g: g["city_id"], city_report_groups(f, clock), clock)
    # A city has one target per reform: its reforms are its targets.
    reforms: dict = {}
    for group in groups:
        reforms[group["key"]] = reforms.get(group["key"], 0) + group["targets"]
    for row in rows:
        row.figures = figures.get(row.key, row.figures)
        row.figures.reforms = reforms.get(row.key, 0)
    return rows


def _reform_attribute_rows(f: StatsFilters, clock: Clock, attribute: str, choices) -> list[Row]:
    counts = dict(filtered_reforms(f).values_list(attribute).annotate(n=Count("id")).order_by())
    rows = [
        Row(key=choice.value, subject={"value": choice.value, "label": choice.label}, figures=Figures(reforms=0))
        for choice in choices
    ]
    for row in rows:
        row.figures.reforms = counts.get(row.key, 0)
    figures = figures_by(
        lambda g: g["key"],
        target_groups(f, {"key": f"reform__{attribute}"}),
        lambda g: g["key"],
        report_groups(f, clock, {"key": f"reform__{attribute}"}),
        clock,
    )
    return _merge(rows, figures)


def category_rows(f: StatsFilters, clock: Clock) -> list[Row]:
    return _reform_attribute_rows(f, clock, "category", Category)


def scope_rows(f: StatsFilters, clock: Clock) -> list[Row]:
    return _reform_attribute_rows(f, clock, "scope", Scope)


def batch_rows(f: StatsFilters, clock: Clock) -> list[Row]:
    """One row per batch with filtered reforms, newest first."""
    subjects = (
        filtered_reforms(f)
        .values("batch_id", "batch__code", "batch__title", "batch__issued_on", "batch__default_deadline")
        .annotate(reforms=Count("id"))
        .order_by("-batch__issued_on", "batch__code")
    )
    rows = [
        Row(
            key=s["batch_id"],
            subject={
                "id": s["batch_id"],
                "code": s["batch__code"],
                "title": s["batch__title"],
                "issued_on": s["batch__issued_on"],
                "default_deadline": s["batch__default_deadline"],
            },
            figures=Figures(reforms=s["reforms"]),
        )
        for s in subjects
    ]
    figures = figures_by(
        lambda g: g["key"],
        target_groups(f, {"key": "reform__batch_id"}),
        lambda g: g["key"],
        report_groups(f, clock, {"key": "reform__batch_id"}),
        clock,
    )
    return _merge(rows, figures)


@dataclass
class Overview:
    figures: Figures
    target_cities: int


def overview(f: StatsFilters, clock: Clock) -> Overview:
    """Everything the filters keep, summed: reforms, target cities, targets by status, report figures."""
    figures = Figures(reforms=filtered_reforms(f).count())
    for group in target_groups(f, {}):  # by schedule only: from the reforms' target counts unless cities are chosen
        figures.add_targets(group, today=clock.today, soon_until=clock.soon_until)
    figures.add_reports(report_totals(f, clock))
    return Overview(figures=figures, target_cities=target_city_count(f))


def target_city_count(f: StatsFilters) -> int:
    """The cities with at least one target the filters keep: one index probe per city (300 at national scale), where
    grouping the targets by city read all 2.2 million of them (issue 11)."""
    return City.objects.filter(Exists(targets(f).filter(city_id=OuterRef("pk")))).count()


BREAKDOWNS = {
    "reform": reform_rows,
    "unit": unit_rows,
    "city": city_rows,
    "batch": batch_rows,
    "category": category_rows,
    "scope": scope_rows,
}
# The breakdowns whose rows carry a status colour.
COLOURED = {"reform": SubjectKind.REFORM, "unit": SubjectKind.UNIT, "city": SubjectKind.CITY}
