"""Keeping the rollup fresh: obligations, per-unit summaries and this month's colours, every minute.

Each minute copies the reports written since the last run onto their obligation rows, adds the obligations the
reminders derived since, rebuilds the obligations of reforms whose structure changed (a period added or moved, a
unit made responsible, a reform moved to another batch), and recomputes the summaries of the reforms touched. When
the day changes, every summary is recomputed from the obligations (reports fall due at midnight), which takes
seconds even with a million reports; only `full=True` (the first run, or `manage.py stats_refresh --full`) rebuilds
every obligation. Each refresh is one transaction: readers see the old figures or the new ones, never half of each.
"""

import datetime
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone

from core.cache import answers_invalidate_on_commit
from core.statements import Statement
from tracker.models import ProgressReport

from ..choices import SubjectKind
from ..definitions import REFRESH_LOOKBACK
from ..formulas import colour_of, due_soon_until
from ..models import ColourSnapshot, ObligationFact, ObligationSummary, RollupState, StatusOverride
from ..selectors.breakdowns import city_rows, reform_rows, unit_rows
from ..selectors.figures import Clock, StatsFilters
from ..selectors.statuses import month_of
from .facts import SUBMITTED_STATES, facts_insert, facts_sync_reports, reform_fingerprints
from .targets import target_summaries_rebuild

EVER = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
# Reform ids per statement: well under SQLite's limit on query parameters.
CHUNK = 500
SUMMARY_COLUMNS = (
    "reform_id",
    "unit_id",
    "role",
    "due",
    "on_time",
    "late",
    "missing",
    "upcoming",
    "due_soon",
    "last_submitted_at",
)


@dataclass(frozen=True)
class StatsRefreshResult:
    """What one refresh did: `reforms` whose obligations were recomputed (None: all of them, a full rebuild), and
    whether every summary was recomputed for a new day."""

    skipped: bool = False
    rebuilt: bool = False
    new_day: bool = False
    reforms: int | None = 0
    snapshots: int = 0
    duration_ms: int = 0


def rollup_state() -> RollupState:
    """The rollup's state row (unsaved and empty before the first refresh)."""
    return RollupState.objects.filter(pk=1).first() or RollupState(pk=1)


def stats_refresh(*, full: bool = False) -> StatsRefreshResult:
    """Bring the rollup up to date. Safe to run at any time and twice at once: a second run finds the state row
    locked and returns at once (skipped), and the running one covers its work."""
    started = time.monotonic()
    now = timezone.now()
    today = timezone.localdate(now)
    RollupState.objects.get_or_create(pk=1)
    with transaction.atomic():
        # SKIP LOCKED: a beat firing while a long refresh runs must not queue up behind it.
        state = RollupState.objects.select_for_update(skip_locked=True).filter(pk=1).first()
        if state is None:
            return StatsRefreshResult(skipped=True)
        fingerprints = reform_fingerprints()
        soon = due_soon_until(today)
        rebuild = full or state.watermark is None
        new_day = state.as_of_date != today or state.due_soon_until != soon
        if rebuild:
            _facts_rebuild(None)
            target_summaries_rebuild()  # kept by a trigger; recounted for data loaded with triggers off
            reform_ids = None
            if connection.vendor == "postgresql":
                # Fresh statistics for the planner: after a rebuild the rows sit in due-date order, which is what
                # makes the period and date indexes cheap, and the planner must know it.
                with connection.cursor() as cursor:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(ObligationFact._meta.db_table)}")
        else:
            old = state.fingerprints or {}
            moved = {int(pk) for pk, value in fingerprints.items() if old.get(pk) != value}
            gone = {int(pk) for pk in old if pk not in fingerprints}
            structural = sorted(moved | gone)
            for chunk in _chunks(structural):
                _facts_rebuild(chunk)
            since = state.watermark - REFRESH_LOOKBACK
            touched = set(structural) | facts_insert(created_since=since) | facts_sync_reports(since=since)
            reform_ids = sorted(touched)
        if rebuild or new_day:
            _summaries_rebuild(None, today=today, soon=soon)
        else:
            for chunk in _chunks(reform_ids):
                _summaries_rebuild(chunk, today=today, soon=soon)
        state.as_of_date, state.due_soon_until, state.fingerprints = today, soon, fingerprints
        span = ObligationFact.objects.aggregate(first=Min("due_on"), last=Max("due_on"))
        state.first_due_on, state.last_due_on = span["first"], span["last"]
        # Reports written from now on are read by the next refresh (minus the look-back).
        state.watermark = now
        snapshots = snapshot_colours(state=state, today=today, soon=soon, now=now)
        state.refreshed_at = now
        if rebuild:
            state.rebuilt_at = now
        state.duration_ms = int((time.monotonic() - started) * 1000)
        state.save()
        # A new as_of (and new figures): every cached answer is older. The answers' key holds this generation, not
        # the state row's refresh time, so a cached answer is found without reading the row.
        answers_invalidate_on_commit()
    return StatsRefreshResult(
        rebuilt=rebuild,
        new_day=new_day,
        reforms=None if reform_ids is None else len(reform_ids),
        snapshots=snapshots,
        duration_ms=state.duration_ms,
    )


def _chunks(ids: Sequence[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _insert(table: str, columns: Sequence[str], select: str, params) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) {select}", params)


def _facts_rebuild(reform_ids: Sequence[int] | None) -> None:
    """Recompute the obligation rows of these reforms (None: all) from the source tables."""
    facts = ObligationFact.objects.all()
    if reform_ids is not None:
        facts = facts.filter(reform_id__in=reform_ids)
    # Nothing depends on derived rows, so the delete is one DELETE statement (Django's fast path).
    facts.delete()
    facts_insert(reform_ids=reform_ids)


def _summaries_rebuild(reform_ids: Sequence[int] | None, *, today: datetime.date, soon: datetime.date) -> None:
    """Recompute the per-(reform, unit) summaries of these reforms (None: all) from their obligations."""
    summaries = ObligationSummary.objects.all()
    if reform_ids is not None:
        summaries = summaries.filter(reform_id__in=reform_ids)
    summaries.delete()
    select, params = _summary_select(reform_ids, today=today, soon=soon)
    _insert(ObligationSummary._meta.db_table, SUMMARY_COLUMNS, select, params)


def _summary_query(reform_ids, *, today: datetime.date, soon: datetime.date):
    """Per (reform, unit): the report figures of definitions.py as of `today`."""
    facts = ObligationFact.objects.all()
    if reform_ids is not None:
        facts = facts.filter(reform_id__in=reform_ids)
    due = Q(due_on__lt=today)
    return (
        facts.values("reform_id", "unit_id", "role")
        .annotate(
            due=Count("id", filter=due),
            on_time=Count("id", filter=due & Q(submitted_on__lte=F("due_on"))),
            late=Count("id", filter=due & Q(submitted_on__gt=F("due_on"))),
            missing=Count("id", filter=due & Q(submitted_on__isnull=True)),
            upcoming=Count("id", filter=Q(due_on__gte=today)),
            due_soon=Count("id", filter=Q(due_on__gte=today, due_on__lte=soon, submitted_on__isnull=True)),
            last_submitted_at=Max("submitted_at"),
        )
        .order_by()
    )


def _summary_select(reform_ids, *, today: datetime.date, soon: datetime.date) -> tuple[str, tuple]:
    """The summary query compiled by the ORM for the backend, for an INSERT ... SELECT. One reform's (a report's
    write) is compiled once per process: building it cost about 2 ms of a submit's CPU by its cProfile share
    (issue 11)."""
    if reform_ids is not None and len(reform_ids) == 1:
        return ONE_REFORM_SUMMARY.sql_with_params(reform=reform_ids[0], today=today, soon=soon)
    query = _summary_query(reform_ids, today=today, soon=soon).query
    _check_columns(query)
    return query.sql_with_params()


def _check_columns(query) -> None:
    # The SELECT list is values() then annotate(), in that order, and the INSERT names SUMMARY_COLUMNS.
    if tuple(query.values_select) + tuple(query.annotation_select) != SUMMARY_COLUMNS:
        raise RuntimeError("The summary query's columns do not match SUMMARY_COLUMNS.")


def _one_reform_summary(*, reform: int, today: datetime.date, soon: datetime.date):
    summary = _summary_query([reform], today=today, soon=soon)
    _check_columns(summary.query)
    return summary


ONE_REFORM_SUMMARY = Statement(_one_reform_summary, reform=int, today=datetime.date, soon=datetime.date)


def stats_report_sync(*, report: ProgressReport, summaries: bool = True) -> bool:
    """Apply one report's new state to the rollup at once, in the report's own transaction, so the statistics and
    the dashboard agree with the obligations list the moment a report is submitted, returned or approved.

    Row-level writes only, no lock on the state row: reports of different units never wait for each other or for a
    refresh. The summary rows of the report's reform are recomputed as of the rollup's day (`as_of_date`), like the
    rest. If a refresh rebuilding the same reform commits in between, the next one-minute refresh repairs it: it
    rereads every report written in the last ten minutes anyway. Returns False before the first refresh (which reads
    everything).

    `summaries=False` when the caller knows the report's submission time did not change (a new draft, an approval):
    the summaries read only the facts' submission and due dates, so the fact row is updated and the reform's
    summaries, the two costliest statements of a write (issue 11), are left as they are.
    """
    answers_invalidate_on_commit()
    state = RollupState.objects.filter(pk=1).values("as_of_date", "due_soon_until").first()
    if state is None or state["as_of_date"] is None or state["due_soon_until"] is None:
        return False
    submitted = report.state in SUBMITTED_STATES and report.submitted_at is not None
    updated = ObligationFact.objects.filter(
        reform_id=report.reform_id, unit_id=report.unit_id, period_id=report.period_id
    ).update(
        report_id=report.pk,
        report_state=report.state,
        submitted_at=report.submitted_at if submitted else None,
        # The office's calendar day, as facts_insert computes it in SQL.
        submitted_on=timezone.localdate(report.submitted_at, timezone.get_default_timezone()) if submitted else None,
    )
    if not updated:
        # Its obligation was derived after the last refresh (a rule saved a moment ago): add the reform's new rows,
        # which read the report as it is now in this transaction.
        facts_insert(reform_ids=[report.reform_id], created_since=EVER)
    elif not summaries:
        return True
    _summaries_upsert([report.reform_id], today=state["as_of_date"], soon=state["due_soon_until"])
    return True


def _summaries_upsert(reform_ids: Sequence[int], *, today: datetime.date, soon: datetime.date) -> None:
    """Recompute these reforms' summaries and write them in ONE statement, INSERT ... SELECT ... ON CONFLICT DO
    UPDATE (a refresh may have deleted and re-inserted these rows meanwhile). Issue 11: a SELECT, then an INSERT of
    the rows built in Python from it, on every submit and return."""
    select, params = _summary_select(reform_ids, today=today, soon=soon)
    quote = connection.ops.quote_name
    keys = ("reform_id", "unit_id")  # stats_summary_unique_pair
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in SUMMARY_COLUMNS if c not in keys)
    conflict = f" ON CONFLICT ({', '.join(quote(c) for c in keys)}) DO UPDATE SET {updates}"
    # The summary SELECT always has a WHERE (the reforms): SQLite then reads ON CONFLICT as the upsert clause.
    _insert(ObligationSummary._meta.db_table, SUMMARY_COLUMNS, select + conflict, params)


def snapshot_colours(*, state: RollupState, today: datetime.date, soon: datetime.date, now: datetime.datetime) -> int:
    """Compute every reform's, unit's and city's colour and store it as this month's snapshot."""
    clock = Clock(today=today, soon_until=soon, state=state)
    overrides = {(o.kind, o.subject_id): o.colour for o in StatusOverride.objects.active(today)}
    month = month_of(today)
    snapshots = []
    unfiltered = StatsFilters()
    for kind, build, label in (
        (SubjectKind.REFORM, reform_rows, lambda s: f"{s['code']} {s['title']}"),
        (SubjectKind.UNIT, unit_rows, lambda s: s["name"]),
        (SubjectKind.CITY, city_rows, lambda s: s["name"]),
    ):
        for row in build(unfiltered, clock):
            computed = colour_of(row.figures)
            snapshots.append(
                ColourSnapshot(
                    month=month,
                    kind=kind,
                    object_id=row.key,
                    label=label(row.subject)[:250],
                    computed_colour=computed,
                    colour=overrides.get((kind, row.key), computed),
                    done=row.figures.done,
                    applicable=row.figures.applicable,
                    missing=row.figures.reports_missing,
                    taken_at=now,
                )
            )
    ColourSnapshot.objects.bulk_create(
        snapshots,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["month", "kind", "object_id"],
        update_fields=["label", "computed_colour", "colour", "done", "applicable", "missing", "taken_at"],
    )
    return len(snapshots)
