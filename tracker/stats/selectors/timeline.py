"""Figures over time and lists: completions per week or month, the reform × city matrix, missing reports."""

import datetime
from dataclasses import dataclass
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek
from django.utils.translation import gettext as _

from reforms.choices import TargetStatus

from ..choices import Interval
from ..definitions import MAX_TREND_POINTS
from .figures import Clock, StatsFilters, obligation_facts, targets


@dataclass(frozen=True)
class TrendPoint:
    start: datetime.date
    end: datetime.date
    completed: int
    cumulative_done: int
    cumulative_rate: Fraction | None


@dataclass(frozen=True)
class TrendLine:
    interval: str
    date_from: datetime.date
    date_to: datetime.date
    applicable: int
    done: int
    # Done targets whose completion day is unknown (set before the service recorded it): counted from the start.
    undated_done: int
    points: list[TrendPoint]


def bucket_start(day: datetime.date, interval: str) -> datetime.date:
    if interval == Interval.WEEK:
        return day - datetime.timedelta(days=day.weekday())
    return day.replace(day=1)


def next_bucket(start: datetime.date, interval: str) -> datetime.date:
    if interval == Interval.WEEK:
        return start + datetime.timedelta(days=7)
    return (start + datetime.timedelta(days=32)).replace(day=1)


def completions_trend(f: StatsFilters, clock: Clock, *, interval: str) -> TrendLine:
    """Targets done per week or month (by the day their status became done), and the running completion rate.

    Two queries: the completions grouped by week or month, and the totals. The rate divides the running count of
    done targets by today's applicable targets.
    """
    kept = targets(f)
    trunc = TruncWeek if interval == Interval.WEEK else TruncMonth
    per_bucket = dict(
        kept.filter(status=TargetStatus.DONE, status_changed_on__isnull=False)
        .annotate(bucket=trunc("status_changed_on"))
        .values_list("bucket")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_bucket = {_as_date(k): v for k, v in per_bucket.items()}
    totals = kept.aggregate(
        targets=Count("id"),
        not_applicable=Count("id", filter=Q(status=TargetStatus.NOT_APPLICABLE)),
        done=Count("id", filter=Q(status=TargetStatus.DONE)),
        undated=Count("id", filter=Q(status=TargetStatus.DONE, status_changed_on__isnull=True)),
    )
    date_to = f.date_to or clock.today
    first = bucket_start(f.date_from, interval) if f.date_from else min(per_bucket, default=None)
    if first is None or first > date_to:
        first = bucket_start(date_to, interval)
    starts = [first]
    while next_bucket(starts[-1], interval) <= date_to:
        starts.append(next_bucket(starts[-1], interval))
        if len(starts) > MAX_TREND_POINTS:
            if f.date_from:
                raise ValidationError(
                    {
                        "date_from": _("At most %(max)d points: choose a shorter range or a monthly interval.")
                        % {"max": MAX_TREND_POINTS}
                    }
                )
            starts.pop(0)  # no range asked for: keep the latest points
    applicable = totals["targets"] - totals["not_applicable"]
    running = totals["undated"] + sum(n for start, n in per_bucket.items() if start < starts[0])
    points = []
    for start in starts:
        completed = per_bucket.get(start, 0)
        running += completed
        end = min(next_bucket(start, interval) - datetime.timedelta(days=1), date_to)
        rate = Fraction(running, applicable) if applicable else None
        points.append(TrendPoint(start, end, completed, running, rate))
    return TrendLine(
        interval=interval,
        date_from=starts[0],
        date_to=date_to,
        applicable=applicable,
        done=totals["done"],
        undated_done=totals["undated"],
        points=points,
    )


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def missing_reports(f: StatsFilters, clock: Clock) -> QuerySet:
    """Obligations past their due date without a submitted report, oldest first, with what is there instead."""
    return (
        obligation_facts(f)
        .filter(due_on__lt=clock.as_of_date, submitted_on__isnull=True)
        .select_related("reform", "unit", "period")
        .order_by("due_on", "reform__position", "reform_id", "unit_id")
    )


def matrix_cells(f: StatsFilters, reform_ids: list[int], today: datetime.date) -> dict:
    """The target of each (reform, city) among these reforms: status, day of the last change, and whether it is
    overdue (not done, not applicable, the reform's deadline passed)."""
    rows = (
        targets(f)
        .filter(reform_id__in=reform_ids)
        .values(
            "reform_id",
            "city_id",
            "status",
            "status_changed_on",
            deadline=Coalesce(F("reform__deadline"), F("reform__batch__default_deadline")),
        )
        .order_by()
    )
    cells = {}
    for row in rows:
        open_ = row["status"] in (TargetStatus.NOT_STARTED, TargetStatus.IN_PROGRESS)
        row["overdue"] = bool(open_ and row["deadline"] is not None and row["deadline"] < today)
        cells[(row["reform_id"], row["city_id"])] = row
    return cells
