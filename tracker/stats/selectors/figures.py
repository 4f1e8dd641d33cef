"""The figures and the queries that produce them: one aggregate query per source, whatever the number of rows.

Two sources: rollout targets (current: the per-reform counts a trigger keeps in TargetSummary, or the targets
themselves for figures by city) and report obligations (read from the rollup, since reports run into the
millions). Each breakdown groups both by its key; definitions.py says what every figure means.
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from fractions import Fraction

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, DateField, Exists, F, Max, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from reforms.choices import TargetStatus
from reforms.models import Responsibility, RolloutTarget

from ..formulas import elapsed_share
from ..models import ObligationFact, ObligationSummary, RollupState, TargetSummary

REPORT_FIELDS = (
    "reports_due",
    "reports_on_time",
    "reports_late",
    "reports_missing",
    "reports_upcoming",
    "reports_due_soon",
)
TARGET_FIELDS = ("targets", "done", "in_progress", "not_started", "not_applicable")


@dataclass(frozen=True)
class StatsFilters:
    """The filters every statistic takes, cleaned. None (or an empty tuple for choices) means "no filter"; an
    empty id tuple matches nothing. A unit's staff always get their own units in `unit_ids`."""

    batch_ids: tuple[int, ...] | None = None
    categories: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    unit_ids: tuple[int, ...] | None = None
    city_ids: tuple[int, ...] | None = None
    period_ids: tuple[int, ...] = ()
    period_codes: tuple[str, ...] = ()
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None

    @property
    def by_time(self) -> bool:
        """Period or date filters: obligations are then counted one by one instead of from the per-unit summary."""
        return bool(self.period_ids or self.period_codes or self.date_from or self.date_to)


@dataclass
class Figures:
    """The figures of one row (or of everything). Rates are exact fractions; the API rounds them."""

    reforms: int = 0
    targets: int = 0
    done: int = 0
    in_progress: int = 0
    not_started: int = 0
    not_applicable: int = 0
    # Applicable targets × the share of their time elapsed, summed (a float: it is compared, never counted). Where
    # it stands, a row publishes its two rates instead (FIGURE_FIELDS).
    expected_sum: float = 0.0
    overdue_targets: int = 0
    targets_due_soon: int = 0
    reports_due: int = 0
    reports_on_time: int = 0
    reports_late: int = 0
    reports_missing: int = 0
    reports_upcoming: int = 0
    reports_due_soon: int = 0
    last_report_at: datetime.datetime | None = None

    @property
    def applicable(self) -> int:
        return self.targets - self.not_applicable

    @property
    def completion_rate(self) -> Fraction | None:
        return Fraction(self.done, self.applicable) if self.applicable else None

    @property
    def expected_rate(self) -> float | None:
        return self.expected_sum / self.applicable if self.applicable else None

    @property
    def behind_schedule(self) -> bool:
        # The tolerance keeps a row exactly on schedule (done = expected) from turning yellow by a rounding error.
        return bool(self.applicable) and self.done < self.expected_sum - 1e-9

    def add_targets(self, group: Mapping, *, today: datetime.date, soon_until: datetime.date) -> None:
        """Add one group of targets sharing a schedule (issue date, effective deadline)."""
        for name in TARGET_FIELDS:
            setattr(self, name, getattr(self, name) + int(group[name] or 0))
        open_ = int(group["targets"] or 0) - int(group["not_applicable"] or 0) - int(group["done"] or 0)
        applicable = int(group["targets"] or 0) - int(group["not_applicable"] or 0)
        deadline = group["deadline"]
        if deadline is not None and deadline < today:
            self.overdue_targets += open_
        elif deadline is not None and deadline <= soon_until:
            self.targets_due_soon += open_
        self.expected_sum += applicable * float(elapsed_share(group["issued_on"], deadline, today))

    def add_reports(self, group: Mapping) -> None:
        for name in REPORT_FIELDS:
            setattr(self, name, getattr(self, name) + int(group.get(name) or 0))
        last = group.get("last_report_at")
        if last is not None and (self.last_report_at is None or last > self.last_report_at):
            self.last_report_at = last


# The figures a row publishes, in the API's order (FiguresSerializer; a test keeps the two equal): the counts,
# with the rates in place of the sum they are computed from.
FIGURE_FIELDS = tuple(
    name
    for field in fields(Figures)
    for name in (("completion_rate", "expected_rate") if field.name == "expected_sum" else (field.name,))
)


@dataclass(frozen=True)
class Clock:
    """The days the figures are computed for: targets live (today), reports as of the rollup."""

    today: datetime.date
    soon_until: datetime.date
    state: RollupState

    @property
    def as_of_date(self) -> datetime.date:
        return self.state.as_of_date or self.today

    @property
    def reports_soon_until(self) -> datetime.date:
        return self.state.due_soon_until or self.soon_until


# ---------------------------------------------------------------------------------------------------------- filters


def reform_q(f: StatsFilters, *, prefix: str, outer: str) -> Q:
    """Conditions on the reform, seen from a model reaching it through `prefix` (outer: the reform's id there)."""
    q = Q()
    if f.batch_ids is not None:
        q &= Q(**{f"{prefix}batch_id__in": f.batch_ids})
    if f.categories:
        q &= Q(**{f"{prefix}category__in": f.categories})
    if f.scopes:
        q &= Q(**{f"{prefix}scope__in": f.scopes})
    if f.unit_ids is not None:
        # EXISTS, not a join: the rows are not multiplied by the reform's other units.
        q &= Q(Exists(Responsibility.objects.filter(reform_id=OuterRef(outer), unit_id__in=f.unit_ids)))
    if f.city_ids is not None:
        q &= Q(Exists(RolloutTarget.objects.filter(reform_id=OuterRef(outer), city_id__in=f.city_ids)))
    return q


def targets(f: StatsFilters) -> QuerySet:
    """The targets the filters keep: of the filtered reforms, and of the chosen cities only."""
    q = reform_q(f, prefix="reform__", outer="reform_id")
    if f.city_ids is not None:
        q &= Q(city_id__in=f.city_ids)
    return RolloutTarget.objects.filter(q)


def _target_counts(prefix: str = "") -> dict:
    status = f"{prefix}status"
    return {
        "targets": Count(f"{prefix}id"),
        "done": Count(f"{prefix}id", filter=Q(**{status: TargetStatus.DONE})),
        "in_progress": Count(f"{prefix}id", filter=Q(**{status: TargetStatus.IN_PROGRESS})),
        "not_started": Count(f"{prefix}id", filter=Q(**{status: TargetStatus.NOT_STARTED})),
        "not_applicable": Count(f"{prefix}id", filter=Q(**{status: TargetStatus.NOT_APPLICABLE})),
    }


def _fields(keys: Mapping[str, str]) -> list[str]:
    """Keys named like their field are selected as fields (an annotation may not shadow a field)."""
    return [path for alias, path in keys.items() if alias == path]


def _expressions(keys: Mapping[str, str]) -> dict:
    return {alias: F(path) for alias, path in keys.items() if alias != path}


def summaries_kept() -> bool:
    """The trigger that keeps TargetSummary is PostgreSQL's (migration stats/0002); elsewhere (SQLite for
    scripts/run) the figures group the targets themselves."""
    return connection.vendor == "postgresql"


def _per_reform(f: StatsFilters, keys: Mapping[str, str]) -> bool:
    """True when the reforms' target counts (TargetSummary) answer: no city is chosen and every key is the reform's
    (a path through "reform__", or "reform_id"), so no group needs the targets' own cities."""
    return (
        summaries_kept()
        and f.city_ids is None
        and all(path == "reform_id" or path.startswith("reform__") for path in keys.values())
    )


def summaries(f: StatsFilters) -> QuerySet:
    """The target counts of the filtered reforms (one TargetSummary row per reform with targets)."""
    return TargetSummary.objects.filter(reform_q(f, prefix="reform__", outer="reform_id"), targets__gt=0)


def target_groups(f: StatsFilters, keys: Mapping[str, str]) -> list[dict]:
    """Target counts grouped by `keys` (alias → path from RolloutTarget) and by schedule, in one query.

    Grouping by the schedule (issue date, effective deadline) rather than by reform keeps the groups few while
    letting expected progress and overdue targets be computed exactly per group. Keys of the reform are summed from
    the per-reform counts the trigger keeps (TargetSummary: one row per reform, 10,000 at national scale, instead of
    2.2 million targets; issue 11); the cities' keys group the targets themselves.
    """
    if _per_reform(f, keys):
        return list(
            summaries(f)
            .values(
                *_fields(keys),
                **_expressions(keys),
                issued_on=F("reform__batch__issued_on"),
                deadline=Coalesce("reform__deadline", "reform__batch__default_deadline"),
            )
            .annotate(**{name: Sum(name) for name in TARGET_FIELDS})
            .order_by()
        )
    return list(
        targets(f)
        .values(
            *_fields(keys),
            **_expressions(keys),
            issued_on=F("reform__batch__issued_on"),
            deadline=Coalesce("reform__deadline", "reform__batch__default_deadline"),
        )
        .annotate(**_target_counts())
        .order_by()
    )


def unit_target_groups(f: StatsFilters) -> list[dict]:
    """Target counts per (unit, role) and schedule: each reform's targets count for each of its units.

    Counted per reform first, then spread over the reform's responsible units, in one statement: joining targets
    to responsibilities directly would sort reforms × cities × units rows before counting.
    """
    schedule = {
        "issued_on": F("reform__batch__issued_on"),
        "deadline": Coalesce("reform__deadline", "reform__batch__default_deadline"),
    }
    if f.city_ids is None and summaries_kept():  # the counts the trigger keeps per reform
        per_reform = summaries(f).values("reform_id", *TARGET_FIELDS, **schedule).order_by()
    else:
        per_reform = targets(f).values("reform_id", **schedule).annotate(**_target_counts()).order_by()
    try:
        inner_sql, params = per_reform.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing
        return []
    quote = connection.ops.quote_name
    counts = ", ".join(f"SUM(x.{quote(name)}) AS {quote(name)}" for name in TARGET_FIELDS)
    sql = (
        f"SELECT s.{quote('unit_id')}, s.{quote('role')}, x.{quote('issued_on')}, x.{quote('deadline')}, {counts} "
        f"FROM ({inner_sql}) x INNER JOIN {quote(Responsibility._meta.db_table)} s "
        f"ON s.{quote('reform_id')} = x.{quote('reform_id')}"
    )
    params = list(params)
    if f.unit_ids is not None:
        sql += f" WHERE s.{quote('unit_id')} IN ({', '.join(['%s'] * len(f.unit_ids))})"
        params += list(f.unit_ids)
    sql += f" GROUP BY s.{quote('unit_id')}, s.{quote('role')}, x.{quote('issued_on')}, x.{quote('deadline')}"
    columns = ("unit_id", "role", "issued_on", "deadline", *TARGET_FIELDS)
    date = DateField()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:  # raw SQL: dates come back as text on SQLite
        row["issued_on"] = date.to_python(row["issued_on"])
        row["deadline"] = date.to_python(row["deadline"])
    return rows


# ---------------------------------------------------------------------------------------------------------- reports


def obligation_facts(f: StatsFilters) -> QuerySet:
    """The obligations the filters keep, one row each (period and due-date filters included)."""
    q = reform_q(f, prefix="reform__", outer="reform_id")
    if f.unit_ids is not None:
        q &= Q(unit_id__in=f.unit_ids)
    if f.period_ids:
        q &= Q(period_id__in=f.period_ids)
    if f.period_codes:
        q &= Q(period_code__in=f.period_codes)
    if f.date_from:
        q &= Q(due_on__gte=f.date_from)
    if f.date_to:
        q &= Q(due_on__lte=f.date_to)
    return ObligationFact.objects.filter(q)


def _covers_everything(f: StatsFilters, clock: Clock) -> bool:
    """A date range around every due date (and no period filter) selects every obligation: read the summary."""
    first, last = clock.state.first_due_on, clock.state.last_due_on
    if f.period_ids or f.period_codes or first is None:
        return False
    return (f.date_from is None or f.date_from <= first) and (f.date_to is None or f.date_to >= last)


def obligations(f: StatsFilters, clock: Clock) -> tuple[QuerySet, dict]:
    """The obligation rows the filters keep, and the aggregates that turn them into report figures.

    Without period or date filters the per-(reform, unit) summary is summed: a few rows per reform, whatever the
    number of reports. With them, the obligations themselves are counted, through the period and due-date indexes.
    """
    if not f.by_time or _covers_everything(f, clock):
        q = reform_q(f, prefix="reform__", outer="reform_id")
        if f.unit_ids is not None:
            q &= Q(unit_id__in=f.unit_ids)
        aggregates = {
            "reports_due": Sum("due"),
            "reports_on_time": Sum("on_time"),
            "reports_late": Sum("late"),
            "reports_missing": Sum("missing"),
            "reports_upcoming": Sum("upcoming"),
            "reports_due_soon": Sum("due_soon"),
            "last_report_at": Max("last_submitted_at"),
        }
        return ObligationSummary.objects.filter(q), aggregates
    day, soon = clock.as_of_date, clock.reports_soon_until
    due = Q(due_on__lt=day)
    aggregates = {
        "reports_due": Count("id", filter=due),
        "reports_on_time": Count("id", filter=due & Q(submitted_on__lte=F("due_on"))),
        "reports_late": Count("id", filter=due & Q(submitted_on__gt=F("due_on"))),
        "reports_missing": Count("id", filter=due & Q(submitted_on__isnull=True)),
        "reports_upcoming": Count("id", filter=Q(due_on__gte=day)),
        "reports_due_soon": Count("id", filter=Q(due_on__gte=day, due_on__lte=soon, submitted_on__isnull=True)),
        "last_report_at": Max("submitted_at"),
    }
    return obligation_facts(f), aggregates


def report_totals(f: StatsFilters, clock: Clock) -> dict:
    rows, aggregates = obligations(f, clock)
    return rows.aggregate(**aggregates)


def report_groups(f: StatsFilters, clock: Clock, keys: Mapping[str, str]) -> list[dict]:
    rows, aggregates = obligations(f, clock)
    return list(rows.values(*_fields(keys), **_expressions(keys)).annotate(**aggregates).order_by())


def city_report_groups(f: StatsFilters, clock: Clock) -> list[dict]:
    """Report figures per target city: each obligation counts for every target city of its reform.

    Summed per reform first, then spread over the reform's targets, in one statement: joining obligations to
    targets directly would multiply every obligation row by the reform's sixteen cities before summing.
    """
    rows, aggregates = obligations(f, clock)
    aggregates.pop("last_report_at")
    per_reform = rows.values("reform_id").annotate(**aggregates).order_by()
    try:
        inner_sql, params = per_reform.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (e.g. unit_id and unit naming different units)
        return []
    quote = connection.ops.quote_name
    sums = ", ".join(f"SUM(x.{quote(name)})" for name in REPORT_FIELDS)
    sql = (
        f"SELECT t.{quote('city_id')}, {sums} FROM ({inner_sql}) x "
        f"INNER JOIN {quote(RolloutTarget._meta.db_table)} t ON t.{quote('reform_id')} = x.{quote('reform_id')}"
    )
    params = list(params)
    if f.city_ids is not None:
        if not f.city_ids:
            return []
        sql += f" WHERE t.{quote('city_id')} IN ({', '.join(['%s'] * len(f.city_ids))})"
        params += list(f.city_ids)
    sql += f" GROUP BY t.{quote('city_id')}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(("city_id", *REPORT_FIELDS), row, strict=True)) for row in cursor.fetchall()]


def figures_by(
    key_of_target,
    target_rows: Iterable[Mapping],
    key_of_report,
    report_rows: Iterable[Mapping],
    clock: Clock,
) -> dict:
    """Fold target groups and report groups into one Figures per key."""
    result: dict = {}
    for group in target_rows:
        figures = result.setdefault(key_of_target(group), Figures())
        figures.add_targets(group, today=clock.today, soon_until=clock.soon_until)
    for group in report_rows:
        result.setdefault(key_of_report(group), Figures()).add_reports(group)
    return result
