"""Where report obligations come from: the one place the statistics learn what was owed, when, and what was filed.

Every figure about reports due, on time, late and missing is computed from the rows this module selects (through
ObligationFact). The obligations are those of tracker.reminders (`reminders.Obligation`): derived by its sweep from
each batch's reporting rule, one per (reform, responsible unit, period), due on the period's due date. What the
reminders chase is what the statistics count. The report meeting an obligation, if any, is found here, by its
(reform, unit, period) key; the obligation's own `met_at` is not used, because a figure depends on the latest
submission (definitions.py).

What this module relies on from tracker.reminders: the model `Obligation` with `reform`, `unit`, `period`, `due_on`
and `created_at` (new obligations are picked up through it).
"""

import hashlib
from collections.abc import Sequence

from django.conf import settings
from django.db import connection

from reforms.models import Reform, Responsibility
from tracker.choices import FROZEN_STATES
from tracker.models import ProgressReport, ReportingPeriod
from tracker.reminders.choices import ObligationKind
from tracker.reminders.models import Obligation

from ..models import ObligationFact

# The columns of ObligationFact, in the order obligation_select() yields them.
FACT_COLUMNS = (
    "reform_id",
    "unit_id",
    "period_id",
    "period_code",
    "role",
    "due_on",
    "report_id",
    "report_state",
    "submitted_at",
    "submitted_on",
)
# A report meets its obligation in these states (the contract of docs/progress-reports.md); drafts and returned
# reports do not.
SUBMITTED_STATES = tuple(state.value for state in FROZEN_STATES)


def _report_columns(pr: str) -> tuple[list[str], list]:
    """The report's side of an obligation row: its id, its state, and its latest submission (time and local date)
    when it is submitted or approved."""
    quote = connection.ops.quote_name
    in_states = ", ".join(["%s"] * len(SUBMITTED_STATES))
    submitted = f"{pr}.{quote('state')} IN ({in_states})"
    # The local date of the submission, by the office's clock (China Standard Time), whatever the backend.
    submitted_on, date_params = connection.ops.datetime_cast_date_sql(
        f"{pr}.{quote('submitted_at')}", (), settings.TIME_ZONE
    )
    columns = [
        f"{pr}.{quote('id')}",
        f"COALESCE({pr}.{quote('state')}, '')",
        f"CASE WHEN {submitted} THEN {pr}.{quote('submitted_at')} END",
        f"CASE WHEN {submitted} THEN {submitted_on} END",
    ]
    return columns, [*SUBMITTED_STATES, *SUBMITTED_STATES, *date_params]


def facts_insert(*, reform_ids: Sequence[int] | None = None, created_since=None) -> set[int] | None:
    """Write the obligation rows of these reforms (None: all), or of the obligations created since a moment.

    Obligations of a unit no longer responsible for the reform are left out (the INNER JOIN, which also gives the
    role). One LEFT JOIN on the report's unique (reform, unit, period) key finds the report meeting each obligation,
    so the cost is one pass over obligations and one over reports, however many there are. Rows are written in
    due-date order (see ObligationFact's indexes). With `created_since`, rows already there are left alone and the
    reforms of the new ones are returned.
    """
    quote = connection.ops.quote_name
    o, s, p, pr = "o", "s", "p", "pr"
    report, params = _report_columns(pr)
    select = f"""
        SELECT {o}.{quote("reform_id")}, {o}.{quote("unit_id")}, {o}.{quote("period_id")}, {p}.{quote("code")},
               {s}.{quote("role")}, {o}.{quote("due_on")}, {", ".join(report)}
        FROM {quote(Obligation._meta.db_table)} {o}
        INNER JOIN {quote(Responsibility._meta.db_table)} {s}
            ON {s}.{quote("reform_id")} = {o}.{quote("reform_id")} AND {s}.{quote("unit_id")} = {o}.{quote("unit_id")}
        INNER JOIN {quote(ReportingPeriod._meta.db_table)} {p} ON {p}.{quote("id")} = {o}.{quote("period_id")}
        LEFT OUTER JOIN {quote(ProgressReport._meta.db_table)} {pr}
            ON {pr}.{quote("reform_id")} = {o}.{quote("reform_id")}
            AND {pr}.{quote("unit_id")} = {o}.{quote("unit_id")}
            AND {pr}.{quote("period_id")} = {o}.{quote("period_id")}"""
    # Report obligations only (issue 12): the lead unit's reports are what these figures count; co-units'
    # contributions and cities' submissions are obligations of their own kinds, with figures of their own.
    where = f"WHERE {o}.{quote('kind')} = %s"
    where_params = [ObligationKind.REPORT.value]
    if reform_ids is not None:
        some = ", ".join(["%s"] * len(reform_ids))
        # Repeated on the reports: the planner does not carry an IN list across the join's equality, and without it
        # would read every report to find the few of these reforms.
        select += f" AND {pr}.{quote('reform_id')} IN ({some})"
        where += f" AND {o}.{quote('reform_id')} IN ({some})"
        params += reform_ids
        where_params += reform_ids
    if created_since is not None:
        where += f" AND {o}.{quote('created_at')} >= %s"
        where_params.append(created_since)
    params = [*params, *where_params]
    columns = ", ".join(quote(c) for c in FACT_COLUMNS)
    sql = (
        f"INSERT INTO {quote(ObligationFact._meta.db_table)} ({columns}) {select} {where} "
        f"ORDER BY {o}.{quote('due_on')}, {p}.{quote('code')}"
    )
    if created_since is None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        return None
    sql += f" ON CONFLICT DO NOTHING RETURNING {quote('reform_id')}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def facts_sync_reports(*, since) -> set[int]:
    """Copy the reports written since `since` onto their obligation rows; return the reforms touched.

    One UPDATE, one row per report: a minute's reports cost a minute's work, whatever the size of the tables.
    """
    quote = connection.ops.quote_name
    table, pr = quote(ObligationFact._meta.db_table), "pr"
    report, params = _report_columns(pr)
    assignments = ", ".join(
        f"{quote(column)} = {value}"
        for column, value in zip(("report_id", "report_state", "submitted_at", "submitted_on"), report, strict=True)
    )
    sql = f"""
        UPDATE {table} SET {assignments}
        FROM {quote(ProgressReport._meta.db_table)} {pr}
        WHERE {pr}.{quote("updated_at")} >= %s
            AND {table}.{quote("reform_id")} = {pr}.{quote("reform_id")}
            AND {table}.{quote("unit_id")} = {pr}.{quote("unit_id")}
            AND {table}.{quote("period_id")} = {pr}.{quote("period_id")}
        RETURNING {table}.{quote("reform_id")}"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, since])
        return {row[0] for row in cursor.fetchall()}


def reform_fingerprints() -> dict[str, str]:
    """Per reform (id as a string, as JSON keys are), a hash of what its obligations are made of: its batch, its
    responsible units and roles, its batch's periods and due dates. Three small tables, read whole."""
    periods: dict[int, list] = {}
    for batch_id, period_id, due_on in ReportingPeriod.objects.order_by("id").values_list("batch_id", "id", "due_on"):
        periods.setdefault(batch_id, []).append((period_id, due_on.isoformat()))
    units: dict[int, list] = {}
    for reform_id, unit_id, role in Responsibility.objects.order_by("reform_id", "unit_id").values_list(
        "reform_id", "unit_id", "role"
    ):
        units.setdefault(reform_id, []).append((unit_id, role))
    return {
        str(reform_id): hashlib.sha256(
            repr((batch_id, units.get(reform_id, []), periods.get(batch_id, []))).encode()
        ).hexdigest()[:16]
        for reform_id, batch_id in Reform.objects.order_by("id").values_list("id", "batch_id")
    }
