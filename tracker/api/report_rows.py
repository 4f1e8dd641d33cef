"""The reports list's rows as plain dicts: the same JSON as ReportSerializer, without its per-row field machinery.

ReportSerializer stays the list's declaration (the OpenAPI schema) and the detail's base; the list reads
`.values_list()` tuples (no model instances) and builds each row with one dict literal. At large scale DRF's fields
were 32-37 ms of a page's web CPU (issue 11). A row carries its city lines as counts (`city_line_count`,
`city_status_counts`, counted by the database); the lines themselves only with `?city_lines=1` (at 300 target
cities a page of 50 reports was 15,000 nested lines, ~2 MB). tracker/tests/test_api_report_rows.py holds both
outputs equal for every state, status, role and language, with and without the lines: a field added to the
serializer and not here fails it.
"""

from django.db.models import Count

from core.formats import date_text, datetime_text, full_name
from reforms.choices import TargetStatus
from units.api.fields import LabelMap

from ..choices import ReportState
from ..models import ReportCityLine

REPORT_COLUMNS = (
    "id",
    "reform_id",
    "reform__code",
    "reform__title",
    "unit_id",
    "unit__name",
    "period_id",
    "period__code",
    "period__label",
    "period__due_on",
    "author_id",
    "author__username",
    "author__first_name",
    "author__last_name",
    "state",
    "status",
    "percent",
    "work_done",
    "problems",
    "next_steps",
    "version",
    "revision",
    "submitted_at",
    "reviewed_at",
    "reviewer_id",
    "reviewer__username",
    "reviewer__first_name",
    "reviewer__last_name",
    "review_comment",
    "created_at",
    "updated_at",
)

STATE_LABELS = LabelMap(ReportState.choices)
STATUS_LABELS = LabelMap(TargetStatus.choices)
STATUSES = tuple(TargetStatus.values)


def report_rows_queryset(reports):
    """The filtered, ordered reports as tuples of REPORT_COLUMNS: one query, the five relations joined (the
    reviewer's LEFT OUTER, as select_related joins it)."""
    return reports.values_list(*REPORT_COLUMNS)


def report_position(row) -> tuple:
    """The (updated_at, id) of a REPORT_COLUMNS tuple: where a cursor page ends (tracker.api.pagination)."""
    return row[-1], row[0]


def status_counts(counted) -> dict[str, int]:
    """{status: count} for every TargetStatus in its declared order, 0 if none (`counted` maps status to count):
    a report's `city_status_counts`, shaped as a reform's `target_status_counts`."""
    return {status: counted.get(status, 0) for status in STATUSES}


def report_rows(page, *, city_lines: bool = False) -> list[dict]:
    """A page of REPORT_COLUMNS tuples as ReportSerializer renders them: with their city lines counted per status
    (one query), and with `city_lines=True` (`?city_lines=1`) with the lines themselves instead (one query, the
    counts taken from them)."""
    ids = {row[0] for row in page}
    lines = _city_lines(ids) if city_lines else {}
    counted = _counted(lines) if city_lines else _city_status_counts(ids)
    states, statuses = STATE_LABELS.current(), STATUS_LABELS.current()
    when = datetime_text()
    rows = [
        {
            "id": pk,
            "reform": {"id": reform_id, "code": reform_code, "title": reform_title},
            "unit": {"id": unit_id, "name": unit_name},
            "period": {"id": period_id, "code": period_code, "label": period_label, "due_on": date_text(due_on)},
            "author": {"id": author_id, "username": author, "full_name": full_name(author_first, author_last)},
            "state": state,
            "state_display": states.get(state, state),
            "status": status,
            "status_display": statuses.get(status, status),
            "percent": percent,
            "work_done": work_done,
            "problems": problems,
            "next_steps": next_steps,
            "city_line_count": sum(counted[pk].values()) if pk in counted else 0,
            "city_status_counts": status_counts(counted.get(pk, {})),
            "version": version,
            "revision": revision,
            "submitted_at": when(submitted_at),
            "reviewed_at": when(reviewed_at),
            "reviewer": None
            if reviewer_id is None
            else {"id": reviewer_id, "username": reviewer, "full_name": full_name(reviewer_first, reviewer_last)},
            "review_comment": review_comment,
            "created_at": when(created_at),
            "updated_at": when(updated_at),
        }
        for (
            pk,
            reform_id,
            reform_code,
            reform_title,
            unit_id,
            unit_name,
            period_id,
            period_code,
            period_label,
            due_on,
            author_id,
            author,
            author_first,
            author_last,
            state,
            status,
            percent,
            work_done,
            problems,
            next_steps,
            version,
            revision,
            submitted_at,
            reviewed_at,
            reviewer_id,
            reviewer,
            reviewer_first,
            reviewer_last,
            review_comment,
            created_at,
            updated_at,
        ) in page
    ]
    if city_lines:  # the serializer's last field: added last, the keys in its order
        for row in rows:
            row["city_lines"] = lines.get(row["id"], [])
    return rows


def _city_lines(report_ids) -> dict[int, list[dict]]:
    """The reports' city lines as CityLineSerializer renders them, in the model's order (by city code), in one query
    joined with their city."""
    statuses = STATUS_LABELS.current()
    by_report: dict[int, list[dict]] = {}
    lines = (
        ReportCityLine.objects.filter(report_id__in=report_ids)
        .order_by("report_id", "city__code")
        .values_list("report_id", "id", "city_id", "city__code", "city__name", "status", "note")
    )
    for report_id, pk, city_id, code, name, status, note in lines:
        by_report.setdefault(report_id, []).append(
            {
                "id": pk,
                "city": {"id": city_id, "code": code, "name": name},
                "status": status,
                "status_display": statuses.get(status, status),
                "note": note,
            }
        )
    return by_report


def _counted(lines: dict[int, list[dict]]) -> dict[int, dict[str, int]]:
    """{report id: {status: count}} of lines read by _city_lines(): the counts of the lines shown, no query more."""
    counted: dict[int, dict[str, int]] = {}
    for report_id, report_lines in lines.items():
        counts = counted[report_id] = {}
        for line in report_lines:
            counts[line["status"]] = counts.get(line["status"], 0) + 1
    return counted


def _city_status_counts(report_ids) -> dict[int, dict[str, int]]:
    """{report id: {status: count}} of the reports' city lines, counted by the database in one query (a report
    without lines is absent)."""
    counted: dict[int, dict[str, int]] = {}
    rows = (
        ReportCityLine.objects.filter(report_id__in=report_ids)
        .order_by()
        .values_list("report_id", "status")
        .annotate(count=Count("*"))
    )
    for report_id, status, count in rows:
        counted.setdefault(report_id, {})[status] = count
    return counted
