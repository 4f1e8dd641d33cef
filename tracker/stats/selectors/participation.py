"""Participation figures (issue 12): what cities and co-units owe and have filed, read live from the database.

- Per city: city submissions due / on time / late / missing / upcoming, claims (the city's latest submitted or
  confirmed status on each applicable target) and how many differ from the target's confirmed status, applications
  pending.
- Per unit as co-unit: contributions due / in (on time + late) / on time / late / missing / upcoming.

What is owed is derived here like the reminders derive report obligations (docs/statistics.md): for every period of
the reform's batch starting no later than the reform's completion deadline, each applicable target owes one city
submission and each co-unit one contribution, both due `contribution_lead_days` working days before the period's due
date (`contribution_due_on`). Due dates come from the calendar, so they are computed in Python once per period (a
few hundred rows at most); the counting is one grouped SQL query per figure set, whatever the number of rows.
Nothing here writes.
"""

import datetime
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Q

from core.access import participation_figure_ids
from reforms.choices import ResponsibilityRole, TargetStatus
from reforms.models import Batch, Reform, Responsibility, RolloutTarget
from tracker.cities.choices import OPEN_APPLICATION_STATES, SubmissionState
from tracker.cities.models import CityApplication, CitySubmission
from tracker.contributions.choices import ContributionState
from tracker.contributions.deadlines import contribution_due_on
from tracker.contributions.models import Contribution
from tracker.models import ReportingPeriod
from tracker.reminders.calendar import WorkingCalendar
from tracker.reminders.models import CalendarDay
from units.models import City

from .breakdowns import filtered_reforms
from .figures import StatsFilters

# A city's word counts once it is submitted (the lead may still confirm or return it) or confirmed.
CLAIM_STATES = (SubmissionState.SUBMITTED.value, SubmissionState.CONFIRMED.value)


# ------------------------------------------------------------------------------------------------------------ scope


@dataclass(frozen=True)
class ParticipationScope:
    """Whose participation figures a user sees (core.access.participation_figure_ids). None: every city / unit."""

    city_ids: tuple[int, ...] | None
    unit_ids: tuple[int, ...] | None


def participation_scope(user, subject: str) -> ParticipationScope:
    """The rows of `subject` ("city" or "unit") `user` may see (core.access.participation_figure_ids)."""
    city_ids, unit_ids = participation_figure_ids(user, subject)
    return ParticipationScope(city_ids=city_ids, unit_ids=unit_ids)


# ------------------------------------------------------------------------------------------------------------- rows


@dataclass
class Counts:
    """Due (the due date has passed), on time, late, missing and upcoming of one kind of obligation."""

    due: int = 0
    on_time: int = 0
    late: int = 0
    upcoming: int = 0

    @property
    def filed(self) -> int:
        return self.on_time + self.late

    @property
    def missing(self) -> int:
        return self.due - self.on_time - self.late


@dataclass
class CityParticipation:
    """One city's row."""

    subject: dict
    submissions: Counts = field(default_factory=Counts)
    targets: int = 0  # applicable targets
    claims: int = 0  # applicable targets with a submitted or confirmed city submission
    claims_differing: int = 0  # of those, the latest claim differs from the target's confirmed status
    applications_pending: int = 0


@dataclass
class UnitContributions:
    """One co-unit's row."""

    subject: dict
    co_reforms: int = 0
    contributions: Counts = field(default_factory=Counts)


# ------------------------------------------------------------------------------------------------------- due dates


class _PreloadedCalendar(WorkingCalendar):
    """The reminders' calendar with the office's overrides of all the years needed read in one query."""

    def preload(self, years: set[int]) -> None:
        years = years - self._years
        if years:
            rows = CalendarDay.objects.filter(date__year__in=sorted(years)).values_list("date", "is_working_day")
            self._overrides.update(rows)
            self._years.update(years)


def contribution_due_dates(f: StatsFilters) -> tuple[list[int], list[datetime.date]]:
    """(period ids, contribution due dates) of the periods the filters keep; the date filters apply to the due date.

    Two queries (the periods with their batch's rule, the calendar overrides of their years); one without periods.
    """
    periods = ReportingPeriod.objects.select_related("batch__reporting_rule")
    if f.batch_ids is not None:
        periods = periods.filter(batch_id__in=f.batch_ids)
    if f.period_ids:
        periods = periods.filter(id__in=f.period_ids)
    if f.period_codes:
        periods = periods.filter(code__in=f.period_codes)
    periods = list(periods.order_by("id"))
    calendar = _PreloadedCalendar()
    # roll_back may step into the year before a January due date.
    calendar.preload({year for p in periods for year in (p.due_on.year, p.due_on.year - 1)})
    ids, dates = [], []
    for period in periods:
        due = contribution_due_on(period, calendar=calendar)
        if (f.date_from and due < f.date_from) or (f.date_to and due > f.date_to):
            continue
        ids.append(period.pk)
        dates.append(due)
    return ids, dates


# ------------------------------------------------------------------------------------------------------------ SQL


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _reform_filter(f: StatsFilters, column: str) -> tuple[str, list]:
    """`column IN (the filtered reforms)` as SQL; ("FALSE", []) when the filters match nothing."""
    queryset = filtered_reforms(f).values("pk")
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return "FALSE", []
    return f"{column} IN ({sql})", list(params)


def _in(column: str, ids: tuple[int, ...] | None) -> tuple[str, list]:
    if ids is None:
        return "TRUE", []
    return f"{column} = ANY(%s)", [list(ids)]


def _counting(alias: str, states: tuple[str, ...], today: datetime.date) -> tuple[str, list]:
    """The due / on time / late / upcoming columns over the obligations joined to their filing `alias`."""
    submitted_on, date_params = connection.ops.datetime_cast_date_sql(f"{alias}.submitted_at", (), settings.TIME_ZONE)
    filed = f"{alias}.state = ANY(%s)"
    sql = (
        "COUNT(*) FILTER (WHERE p.due_on < %s),"
        f" COUNT(*) FILTER (WHERE p.due_on < %s AND {filed} AND {submitted_on} <= p.due_on),"
        f" COUNT(*) FILTER (WHERE p.due_on < %s AND {filed} AND {submitted_on} > p.due_on),"
        " COUNT(*) FILTER (WHERE p.due_on >= %s)"
    )
    params = [today, today, list(states), *date_params, today, list(states), *date_params, today]
    return sql, params


# The periods a reform's responsible parties owe something for: of its batch, starting no later than its deadline.
OWED_PERIODS = (
    "JOIN {reform} r ON r.id = {reform_column}"
    " JOIN {batch} b ON b.id = r.batch_id"
    " JOIN {period} rp ON rp.batch_id = r.batch_id"
    " JOIN unnest(%s::integer[], %s::date[]) AS p(period_id, due_on) ON p.period_id = rp.id"
    " {filing}"
    " WHERE (COALESCE(r.deadline, b.default_deadline) IS NULL"
    " OR COALESCE(r.deadline, b.default_deadline) >= rp.starts_on)"
)


def _owed(reform_column: str, filing: str) -> str:
    """The owed periods of the reform at `reform_column`, each with its filing joined by `filing` (a LEFT JOIN)."""
    return OWED_PERIODS.format(
        reform=_table(Reform),
        batch=_table(Batch),
        period=_table(ReportingPeriod),
        reform_column=reform_column,
        filing=filing,
    )


def _rows(sql: str, params: list) -> dict[int, Counts]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {key: Counts(due=d, on_time=o, late=late, upcoming=u) for key, d, o, late, u in cursor.fetchall()}


def city_submission_counts(f: StatsFilters, today: datetime.date, periods, by: str = "city") -> dict[int, Counts]:
    """Per city (or per reform: `by`="reform"): the applicable targets' submissions owed for the given (period ids,
    due dates). One query."""
    reforms_sql, reforms_params = _reform_filter(replace(f, city_ids=None), "t.reform_id")
    cities_sql, cities_params = _in("t.city_id", f.city_ids)
    counting, counting_params = _counting("s", CLAIM_STATES, today)
    filing = f"LEFT JOIN {_table(CitySubmission)} s ON s.target_id = t.id AND s.period_id = rp.id"
    sql = (
        f"SELECT t.{by}_id, {counting} FROM {_table(RolloutTarget)} t {_owed('t.reform_id', filing)}"
        f" AND t.status <> %s AND {reforms_sql} AND {cities_sql} GROUP BY t.{by}_id"
    )
    params = [*counting_params, *periods, TargetStatus.NOT_APPLICABLE, *reforms_params, *cities_params]
    return _rows(sql, params)


def unit_contribution_counts(f: StatsFilters, today: datetime.date, periods, by: str = "unit") -> dict[int, Counts]:
    """Per co-unit (or per reform: `by`="reform"): the contributions owed for the given (period ids, due dates).
    One query."""
    reforms_sql, reforms_params = _reform_filter(f, "resp.reform_id")
    units_sql, units_params = _in("resp.unit_id", f.unit_ids)
    counting, counting_params = _counting("c", (ContributionState.SUBMITTED.value,), today)
    filing = (
        f"LEFT JOIN {_table(Contribution)} c"
        " ON c.reform_id = resp.reform_id AND c.unit_id = resp.unit_id AND c.period_id = rp.id"
    )
    owed = _owed("resp.reform_id", filing)
    sql = (
        f"SELECT resp.{by}_id, {counting} FROM {_table(Responsibility)} resp {owed}"
        f" AND resp.role = %s AND {reforms_sql} AND {units_sql} GROUP BY resp.{by}_id"
    )
    params = [*counting_params, *periods, ResponsibilityRole.CO, *reforms_params, *units_params]
    return _rows(sql, params)


def city_claims(f: StatsFilters, by: str = "city") -> dict[int, tuple[int, int, int]]:
    """Per city (or per reform: `by`="reform"): (applicable targets, those with a claim, those whose latest claim
    differs). One query.

    The latest claim is the submitted or confirmed submission of the latest period (then the latest submission).
    """
    reforms_sql, reforms_params = _reform_filter(replace(f, city_ids=None), "t.reform_id")
    cities_sql, cities_params = _in("t.city_id", f.city_ids)
    sql = (
        f"SELECT t.{by}_id, COUNT(*), COUNT(c.status), COUNT(*) FILTER (WHERE c.status <> t.status)"
        f" FROM {_table(RolloutTarget)} t LEFT JOIN LATERAL ("
        f"SELECT s.status FROM {_table(CitySubmission)} s JOIN {_table(ReportingPeriod)} rp ON rp.id = s.period_id"
        " WHERE s.target_id = t.id AND s.state = ANY(%s) ORDER BY rp.starts_on DESC, s.submitted_at DESC LIMIT 1"
        f") c ON TRUE WHERE t.status <> %s AND {reforms_sql} AND {cities_sql} GROUP BY t.{by}_id"
    )
    params = [list(CLAIM_STATES), TargetStatus.NOT_APPLICABLE, *reforms_params, *cities_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {city: (targets, claims, differing) for city, targets, claims, differing in cursor.fetchall()}


def pending_applications(f: StatsFilters) -> dict[int, int]:
    """Per city: its applications awaiting a decision on the filtered reforms (a city applying has no target yet,
    so the city filter applies to the application, not to the reform). One query."""
    q = Q(state__in=OPEN_APPLICATION_STATES, reform__in=filtered_reforms(replace(f, city_ids=None)))
    if f.city_ids is not None:
        q &= Q(city_id__in=f.city_ids)
    return dict(CityApplication.objects.filter(q).values_list("city_id").annotate(n=Count("id")).order_by())


# ------------------------------------------------------------------------------------------------------ breakdowns


def city_participation(f: StatsFilters, today: datetime.date) -> list[CityParticipation]:
    """One row per city (the chosen ones, else all), by administrative code. Six queries (five without periods)."""
    cities = City.objects.order_by("code")
    if f.city_ids is not None:
        cities = cities.filter(id__in=f.city_ids)
    rows = [CityParticipation(subject=c) for c in cities.values("id", "code", "name")]
    periods = contribution_due_dates(f)
    submissions = city_submission_counts(f, today, periods)
    claims = city_claims(f)
    pending = pending_applications(f)
    for row in rows:
        key = row.subject["id"]
        row.submissions = submissions.get(key, Counts())
        row.targets, row.claims, row.claims_differing = claims.get(key, (0, 0, 0))
        row.applications_pending = pending.get(key, 0)
    return rows


def unit_contributions(f: StatsFilters, today: datetime.date, periods=None) -> list[UnitContributions]:
    """One row per unit that is a co-unit of a filtered reform, by name. Four queries (three without periods)."""
    q = Q(role=ResponsibilityRole.CO, reform__in=filtered_reforms(f))
    if f.unit_ids is not None:
        q &= Q(unit_id__in=f.unit_ids)
    subjects = (
        Responsibility.objects.filter(q)
        .values("unit_id", "unit__name")
        .annotate(n=Count("id"))
        .order_by("unit__name", "unit_id")
    )
    rows = [
        UnitContributions(subject={"id": s["unit_id"], "name": s["unit__name"]}, co_reforms=s["n"]) for s in subjects
    ]
    periods = periods if periods is not None else contribution_due_dates(f)
    counts = unit_contribution_counts(f, today, periods)
    for row in rows:
        row.contributions = counts.get(row.subject["id"], Counts())
    return rows


@dataclass
class ReformParticipation:
    """The participation columns of one reform's ledger row."""

    submissions: Counts = field(default_factory=Counts)
    claims_differing: int = 0
    contributions: Counts = field(default_factory=Counts)


def reform_participation(f: StatsFilters, today: datetime.date, periods=None) -> dict[int, ReformParticipation]:
    """Per filtered reform: its cities' submissions, claims differing and its co-units' contributions. Three queries
    after the periods' (`periods`: contribution_due_dates(f), computed once by a caller that needs them again).
    The city filter keeps those cities' submissions; the unit filter, those units' contributions."""
    periods = periods if periods is not None else contribution_due_dates(f)
    submissions = city_submission_counts(f, today, periods, by="reform")
    claims = city_claims(f, by="reform")
    contributions = unit_contribution_counts(f, today, periods, by="reform")
    return {
        key: ReformParticipation(
            submissions=submissions.get(key, Counts()),
            claims_differing=claims.get(key, (0, 0, 0))[2],
            contributions=contributions.get(key, Counts()),
        )
        for key in {*submissions, *claims, *contributions}
    }


# ---------------------------------------------------------------------------------------------------------- claims


def latest_claims(reform_ids: list[int], city_ids: tuple[int, ...] | None = None) -> dict[tuple[int, int], dict]:
    """The latest claim of each (reform, city) among these reforms: the city's submitted or confirmed submission of
    the latest period (then the latest submitted), with its status, state and period. One query."""
    rows = (
        CitySubmission.objects.filter(target__reform_id__in=reform_ids, state__in=CLAIM_STATES)
        .order_by("target_id", "-period__starts_on", "-submitted_at")
        .distinct("target_id")
        .values("target__reform_id", "target__city_id", "status", "state", "period__code", "submitted_at")
    )
    if city_ids is not None:
        rows = rows.filter(target__city_id__in=city_ids)
    return {
        (row["target__reform_id"], row["target__city_id"]): {
            "status": row["status"],
            "state": row["state"],
            "period": row["period__code"],
            "submitted_at": row["submitted_at"],
        }
        for row in rows
    }


def attach_claims(cells: dict, claims: dict) -> dict:
    """Put each target cell's latest claim (or None) and whether it differs from the confirmed status into it."""
    for key, cell in cells.items():
        claim = claims.get(key)
        cell["claim"] = claim
        cell["claim_differs"] = claim is not None and claim["status"] != cell["status"]
    return cells
