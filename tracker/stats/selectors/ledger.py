"""The ledger (台账): the current state of each reform as a workbook or CSV the office can print and re-import.

The first columns are exactly those `manage.py reforms_import` reads, under their Chinese headings, so a ledger of
one batch imports back without changing anything; the statistics follow as extra columns the importer ignores. The
workbook's second sheet is the reform × city matrix.
"""

import csv
import datetime
import io
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from reforms.choices import Category, Scope, TargetStatus
from reforms.importing import REFORM_COLUMNS
from reforms.models import Reform, Responsibility

from ..choices import StatusColour, SubjectKind
from .breakdowns import Row, city_rows, reform_rows
from .figures import Clock, StatsFilters
from .ordering import order_rows
from .participation import (
    UnitContributions,
    attach_claims,
    contribution_due_dates,
    latest_claims,
    reform_participation,
    unit_contributions,
)
from .statuses import attach_statuses
from .timeline import matrix_cells

# The importer's own Chinese heading of each of its columns: the ledger cannot drift from what it reads back.
IMPORT_HEADERS = {column.key: column.aliases[0] for column in REFORM_COLUMNS}
# What the importer reads as "unknown units" and as "the title is certain".
UNITS_UNKNOWN = "待核实"
TITLE_CERTAIN = "是"

FILLS = {
    StatusColour.RED: "FFC7CE",
    StatusColour.YELLOW: "FFEB9C",
    StatusColour.GREEN: "C6EFCE",
    TargetStatus.DONE: "C6EFCE",
    TargetStatus.IN_PROGRESS: "FFEB9C",
    TargetStatus.NOT_STARTED: "FFFFFF",
    TargetStatus.NOT_APPLICABLE: "D9D9D9",
}
OVERDUE_FILL = "FFC7CE"


@dataclass(frozen=True)
class LedgerColumn:
    key: str
    header: str
    width: int
    wrap: bool = False


def ledger_columns() -> list[LedgerColumn]:
    """The ledger's columns in order, headed in the active language (the importer's in Chinese always)."""
    return [
        LedgerColumn("batch", _("Batch"), 10),
        LedgerColumn("section", IMPORT_HEADERS["section"], 14),
        LedgerColumn("number", IMPORT_HEADERS["number"], 6),
        LedgerColumn("title", IMPORT_HEADERS["title"], 28, wrap=True),
        LedgerColumn("title_certain", IMPORT_HEADERS["title_certain"], 8),
        LedgerColumn("content", IMPORT_HEADERS["content"], 60, wrap=True),
        LedgerColumn("units", IMPORT_HEADERS["units"], 26, wrap=True),
        LedgerColumn("scope", IMPORT_HEADERS["scope"], 11),
        LedgerColumn("uncertain", IMPORT_HEADERS["uncertain"], 24, wrap=True),
        LedgerColumn("lead_unit", _("Lead unit"), 16, wrap=True),
        LedgerColumn("done", _("Targets done"), 9),
        # Out of the applicable targets, as on the dashboard and in the admin (definitions.py, completion_rate).
        LedgerColumn("applicable", _("Applicable target cities"), 9),
        LedgerColumn("completion_rate", _("Completion rate"), 9),
        LedgerColumn("last_report_at", _("Last report"), 17),
        LedgerColumn("colour", _("Status colour"), 8),
        # Issue 12: what the target cities and the co-units owe and have not filed (definitions: docs/statistics.md).
        LedgerColumn("submissions_due", _("City submissions due"), 9),
        LedgerColumn("submissions_missing", _("City submissions missing"), 9),
        LedgerColumn("claims_differing", _("City claims differing from the confirmed status"), 10),
        LedgerColumn("contributions_due", _("Co-unit contributions due"), 9),
        LedgerColumn("contributions_missing", _("Co-unit contributions missing"), 9),
    ]


@dataclass
class Ledger:
    """What the files are made of: reform rows with their values, the city columns and the matrix cells."""

    rows: list[Row]
    values: list[dict]
    cities: list[Row]
    cells: dict
    units: list[UnitContributions]
    as_of: datetime.datetime | None
    generated_at: datetime.datetime


def ledger_build(f: StatsFilters, clock: Clock) -> Ledger:
    """Collect the ledger of the filtered reforms, in the table's order (batch, position)."""
    rows = order_rows(attach_statuses(reform_rows(f, clock), SubjectKind.REFORM, clock.today), None, "reform")
    ids = [row.key for row in rows]
    units: dict[int, list[str]] = {}
    for reform_id, name in (
        Responsibility.objects.filter(reform_id__in=ids)
        .order_by("reform_id", "position", "id")
        .values_list("reform_id", "unit__name")
    ):
        units.setdefault(reform_id, []).append(name)
    # Long texts the API rows leave out.
    texts = {
        pk: (content, note)
        for pk, content, note in Reform.objects.filter(id__in=ids).values_list("id", "content", "verification_note")
    }
    cities = city_rows(f, clock)
    periods = contribution_due_dates(f)
    participation = reform_participation(f, clock.today, periods)
    values = [_values(row, units.get(row.key, []), *texts[row.key]) for row in rows]
    for row, line in zip(rows, values, strict=True):
        found = participation.get(row.key)
        line.update(
            submissions_due=found.submissions.due if found else 0,
            submissions_missing=found.submissions.missing if found else 0,
            claims_differing=found.claims_differing if found else 0,
            contributions_due=found.contributions.due if found else 0,
            contributions_missing=found.contributions.missing if found else 0,
        )
    return Ledger(
        rows=rows,
        values=values,
        cities=cities,
        cells=attach_claims(matrix_cells(f, ids, clock.today), latest_claims(ids, f.city_ids)),
        units=unit_contributions(f, clock.today, periods),
        as_of=clock.state.refreshed_at,
        generated_at=timezone.now(),
    )


def _values(row: Row, units: Sequence[str], content: str, note: str) -> dict:
    s, figures = row.subject, row.figures
    last = figures.last_report_at
    return {
        "batch": s["batch__code"],
        "section": str(Category(s["category"]).label),
        "number": s["number"],
        "title": s["title"],
        # The service does not keep which part of a doubtful reform is in doubt; the note says it. Blank reads back
        # as "certain", and the note alone keeps the reform marked for verification.
        "title_certain": "" if s["needs_verification"] else TITLE_CERTAIN,
        "content": content,
        "units": "、".join(units) or UNITS_UNKNOWN,
        "scope": str(Scope(s["scope"]).label),
        "uncertain": note if s["needs_verification"] else "",
        "lead_unit": s["lead_unit_name"] or "",
        "done": figures.done,
        "applicable": figures.applicable,
        "completion_rate": figures.completion_rate,
        "last_report_at": timezone.localtime(last).strftime("%Y-%m-%d %H:%M") if last else "",
        "colour": str(StatusColour(row.status.colour).label) if row.status and row.status.colour else "",
        "_colour": row.status.colour if row.status else None,
    }


def ledger_csv(ledger: Ledger) -> bytes:
    """The ledger sheet as CSV in UTF-8 with a byte-order mark, which Excel needs to show Chinese."""
    with translation.override(settings.LANGUAGE_CODE):
        columns = ledger_columns()
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow([c.header for c in columns])
        for values in ledger.values:
            rate = values["completion_rate"]
            line = [values[c.key] if values[c.key] is not None else "" for c in columns]
            if rate is not None:
                line[[c.key for c in columns].index("completion_rate")] = f"{float(rate):.1%}"
            writer.writerow(line)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def ledger_xlsx(ledger: Ledger) -> bytes:
    """The workbook: the ledger sheet (first, for the importer) and the reform × city matrix, set up for printing."""
    from openpyxl import Workbook

    with translation.override(settings.LANGUAGE_CODE):
        workbook = Workbook()
        _ledger_sheet(workbook.active, ledger)
        _matrix_sheet(workbook.create_sheet(), ledger)
        _contributions_sheet(workbook.create_sheet(), ledger)
        buffer = io.BytesIO()
        workbook.save(buffer)
    return buffer.getvalue()


def _title(ledger: Ledger) -> str:
    stamp = timezone.localtime(ledger.as_of or ledger.generated_at).strftime("%Y-%m-%d %H:%M")
    return _("Ledger of the rollout of institutional innovation outcomes (figures as of %(time)s)") % {"time": stamp}


def _sheet_setup(sheet, *, last_column: int, rows: int, freeze: str = "A3") -> None:
    """Frozen title and header rows, header repeated on every printed page, landscape A4 fitted to the width."""
    from openpyxl.utils import get_column_letter

    sheet.freeze_panes = freeze
    sheet.print_title_rows = "1:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.auto_filter.ref = f"A2:{get_column_letter(last_column)}{max(rows + 2, 2)}"


def _header(sheet, title: str, headers: Sequence[str]) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 24
    sheet.append(list(headers))
    thin = Side(style="thin", color="808080")
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)


def _ledger_sheet(sheet, ledger: Ledger) -> None:
    from openpyxl.styles import Alignment, PatternFill
    from openpyxl.utils import get_column_letter

    columns = ledger_columns()
    sheet.title = _("Ledger")
    _header(sheet, _title(ledger), [c.header for c in columns])
    for values in ledger.values:
        sheet.append([_cell_value(values[c.key]) for c in columns])
        row = sheet.max_row
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(row, index)
            _never_a_formula(cell)
            cell.alignment = Alignment(vertical="top", wrap_text=column.wrap)
            if column.key == "completion_rate":
                cell.number_format = "0.0%"
            if column.key == "colour" and values["_colour"]:
                cell.fill = PatternFill("solid", fgColor=FILLS[values["_colour"]])
                cell.alignment = Alignment(horizontal="center", vertical="top")
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    _sheet_setup(sheet, last_column=len(columns), rows=len(ledger.values))


def _never_a_formula(cell) -> None:
    # openpyxl stores any text starting with "=" as a formula; a title typed that way must stay text.
    if isinstance(cell.value, str) and cell.value.startswith("="):
        cell.data_type = "s"


def _cell_value(value):
    if value is None or value == "":
        return None
    if hasattr(value, "numerator") and not isinstance(value, int):
        return round(float(value), 4)
    return value


def _matrix_sheet(sheet, ledger: Ledger) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet.title = _("Reform × city")
    fixed = [_("Batch"), IMPORT_HEADERS["section"], IMPORT_HEADERS["number"], IMPORT_HEADERS["title"]]
    cities = ledger.cities
    _header(sheet, _title(ledger), [*fixed, *(c.subject["name"] for c in cities)])
    labels = {status.value: str(status.label) for status in TargetStatus}
    for row, values in zip(ledger.rows, ledger.values, strict=True):
        line = [values["batch"], values["section"], values["number"], values["title"]]
        cells = [ledger.cells.get((row.key, city.key)) for city in cities]
        sheet.append(line + [_cell_text(cell, labels) for cell in cells])
        number = sheet.max_row
        _never_a_formula(sheet.cell(number, 4))
        sheet.cell(number, 4).alignment = Alignment(wrap_text=True, vertical="top")
        for offset, cell in enumerate(cells, start=len(fixed) + 1):
            if cell:
                target = sheet.cell(number, offset)
                target.fill = PatternFill("solid", fgColor=OVERDUE_FILL if cell["overdue"] else FILLS[cell["status"]])
                target.alignment = Alignment(horizontal="center")
                if cell["overdue"]:
                    target.font = Font(bold=True, color="9C0006")
    # Per city: done ÷ applicable targets, under the columns.
    totals = [_("Completion rate"), None, None, None]
    sheet.append(totals + [_cell_value(c.figures.completion_rate) for c in cities])
    last = sheet.max_row
    sheet.cell(last, 1).font = Font(bold=True)
    for offset in range(len(fixed) + 1, len(fixed) + len(cities) + 1):
        sheet.cell(last, offset).number_format = "0%"
        sheet.cell(last, offset).alignment = Alignment(horizontal="center")
    for index, width in enumerate([10, 14, 6, 30], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for offset in range(len(fixed) + 1, len(fixed) + len(cities) + 1):
        sheet.column_dimensions[get_column_letter(offset)].width = 8
    # The reform columns stay in view while scrolling across the cities.
    _sheet_setup(sheet, last_column=len(fixed) + len(cities), rows=len(ledger.rows), freeze="E3")


def _cell_text(cell: dict | None, labels: dict) -> str | None:
    """A target's confirmed status, with the city's latest claim beside it when the two differ."""
    if not cell:
        return None
    if cell.get("claim_differs"):
        return _("%(status)s (city: %(claim)s)") % {
            "status": labels[cell["status"]],
            "claim": labels[cell["claim"]["status"]],
        }
    return labels[cell["status"]]


def _contributions_sheet(sheet, ledger: Ledger) -> None:
    """Per co-unit: the contributions it owes the lead units (issue 12)."""
    from openpyxl.utils import get_column_letter

    sheet.title = _("Co-unit contributions")
    headers = [
        _("Unit"),
        _("Reforms as co-unit"),
        _("Contributions due"),
        _("On time"),
        _("Late"),
        _("Missing"),
        _("Upcoming"),
    ]
    _header(sheet, _title(ledger), headers)
    for row in ledger.units:
        c = row.contributions
        sheet.append([row.subject["name"], row.co_reforms, c.due, c.on_time, c.late, c.missing, c.upcoming])
        _never_a_formula(sheet.cell(sheet.max_row, 1))
    for index, width in enumerate([24, 10, 10, 8, 8, 8, 8], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    _sheet_setup(sheet, last_column=len(headers), rows=len(ledger.units))
