"""Reading the office's tables (CSV saved by Excel or any editor, or XLSX) into rows keyed by column.

Errors name what the office sees in Excel: the row number (the header is row 1) and the column. Reading never writes;
callers validate every row and only then write, so a bad file changes nothing.
"""

import codecs
import csv
import datetime
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

XLSX_MAGIC = b"PK\x03\x04"
# Compound-file header of the old binary .xls format, which openpyxl cannot read.
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A title line above the header ("……任务分工表") is common in the office's tables; look this far for the header.
HEADER_SEARCH_ROWS = 10


def normalize_header(text: str) -> str:
    """Fold the spellings of one header ("Short EN", "short_en", "short-en ") into one key."""
    folded = unicodedata.normalize("NFKC", text).strip().lower().lstrip("\ufeff")
    return "_".join(folded.replace("-", " ").split())


def choice_parse(text: str, choices: type[models.TextChoices]) -> str | None:
    """The value of `choices` that `text` names: by its value or its label in English or Chinese; None if none."""
    wanted = normalize_header(text)
    for choice in choices:
        keys = {normalize_header(choice.value)}
        for language in ("en", "zh-hans"):
            with translation.override(language):
                keys.add(normalize_header(str(choice.label)))
        if wanted in keys:
            return choice.value
    return None


@dataclass(frozen=True)
class Column:
    """A column a table must (or may) have: its key, its translated label and other headers that name it."""

    key: str
    label: str | Promise
    aliases: tuple[str, ...] = ()
    required: bool = True

    def header_keys(self) -> set[str]:
        return {normalize_header(h) for h in (self.key, *self.aliases)}


@dataclass(frozen=True)
class ImportIssue:
    """One problem in a file, located as the office sees it in Excel (header = row 1)."""

    message: str
    row: int | None = None
    column: str | None = None  # the column key, e.g. "units"
    column_label: str = ""  # how the message names the column, e.g. "负责单位 (units)"

    def __str__(self) -> str:
        if self.row is not None and self.column is not None:
            return _("Row %(row)d, column “%(column)s”: %(message)s") % {
                "row": self.row,
                "column": self.column_label or self.column,
                "message": self.message,
            }
        if self.row is not None:
            return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}
        return self.message


class ImportFailed(Exception):
    """The file was refused; `issues` lists every problem found, and nothing was written."""

    def __init__(self, issues: Sequence[ImportIssue]):
        self.issues = list(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))

    def report(self) -> str:
        """The refusal as a command prints it: a headline, then one problem per line."""
        headline = _("The file was not imported and nothing was changed. Problems found: %(count)d") % {
            "count": len(self.issues)
        }
        return "\n".join([headline, *(f"  {issue}" for issue in self.issues)])


@dataclass
class ImportResult:
    """What an import did, by record identifier (reform code, unit name, city code)."""

    label: str | Promise
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # Records of the same batch (or kind) that exist but are not in the file; imports never delete them.
    absent: list[str] = field(default_factory=list)
    targets_created: int = 0
    # Other things worth telling the operator (a batch created, records kept although absent from the file).
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return _("%(label)s: %(created)d added, %(updated)d updated, %(unchanged)d unchanged") % {
            "label": self.label,
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
        }


@dataclass(frozen=True)
class TableRow:
    """One data row: its Excel row number and its cells by column key (stripped; "" when empty or absent)."""

    number: int
    cells: dict[str, str]


@dataclass
class Table:
    """The rows of a file, with the header text each known column had in the file."""

    columns: Sequence[Column]
    headers: dict[str, str]
    rows: list[TableRow]

    def has(self, key: str) -> bool:
        return key in self.headers

    def issue(self, message: str, row: int | None = None, column: str | None = None) -> ImportIssue:
        label = ""
        if column is not None:
            spec = next(c for c in self.columns if c.key == column)
            label = str(spec.label)
            header = self.headers.get(column, column)
            if normalize_header(header) != normalize_header(label):
                label = f"{label} ({header})"
        return ImportIssue(message=message, row=row, column=column, column_label=label)


def read_table(path: str | Path, columns: Sequence[Column]) -> Table:
    """Read a CSV or XLSX file from disk; raises ImportFailed with every problem of shape found."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportFailed([ImportIssue(_("File not found: %(path)s") % {"path": path})]) from None
    except IsADirectoryError:
        raise ImportFailed([ImportIssue(_("Not a file: %(path)s") % {"path": path})]) from None
    except OSError as exc:
        raise ImportFailed([ImportIssue(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc})]) from None
    return read_table_data(data, name=path.name, columns=columns)


def read_table_data(data: bytes, *, name: str, columns: Sequence[Column]) -> Table:
    """Read an uploaded or on-disk file's bytes; the format comes from the content, the name only breaks ties."""
    suffix = Path(name).suffix.lower()
    if data.startswith(XLS_MAGIC) or suffix == ".xls":
        raise ImportFailed([ImportIssue(_("Old Excel .xls files cannot be read; save the sheet as .xlsx or CSV."))])
    if data.startswith(XLSX_MAGIC):
        records = _xlsx_records(data)
    elif suffix in (".xlsx", ".xlsm"):
        raise ImportFailed([ImportIssue(_("%(name)s is not a valid .xlsx workbook.") % {"name": name})])
    else:
        records = _csv_records(data)
    return _table_from_records(records, columns)


def _csv_records(data: bytes) -> list[list[str]]:
    text = _decode(data)
    if "\x00" in text:
        # UTF-16 without a byte-order mark decodes as "valid" UTF-8 full of NULs; so do binary files.
        raise ImportFailed([ImportIssue(_("The file contains NUL characters: it is not a CSV text file."))])
    first_line = text.split("\n", 1)[0]
    # Excel's "Unicode text" export is UTF-16 with tabs; its CSV exports use commas.
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ImportFailed([ImportIssue(_("The CSV file is malformed: %(error)s") % {"error": exc})]) from None


def _decode(data: bytes) -> str:
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
    except UnicodeDecodeError as exc:
        raise ImportFailed([_undecodable(data, exc)]) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        # Excel on Chinese Windows saves "CSV (comma delimited)" in the ANSI code page, GBK, a subset of GB18030.
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise ImportFailed([_undecodable(data, utf8_error)]) from None


def _undecodable(data: bytes, exc: UnicodeDecodeError) -> ImportIssue:
    line = data[: exc.start].count(b"\n") + 1
    return ImportIssue(
        _(
            "The file's encoding is not recognised (undecodable bytes in line %(line)d). "
            "Save it from Excel as “CSV UTF-8” or as .xlsx."
        )
        % {"line": line}
    )


def _xlsx_records(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # openpyxl raises a different type for each kind of damage (zip, XML, missing parts)
        raise ImportFailed([ImportIssue(_("The file is not a valid .xlsx workbook."))]) from None
    try:
        sheet = workbook.worksheets[0]
        # Not read-only mode: it keeps blank rows, so the row numbers in messages are exactly Excel's.
        return [[_cell_text(value) for value in row] for row in sheet.iter_rows(min_row=1, values_only=True)]
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _table_from_records(records: list[list[str]], columns: Sequence[Column]) -> Table:
    by_header = {key: column for column in columns for key in column.header_keys()}
    numbered = [(number, record) for number, record in enumerate(records, start=1) if any(c.strip() for c in record)]
    if not numbered:
        raise ImportFailed([ImportIssue(_("The file is empty."))])

    header_index = 0
    enough = min(2, len(columns))
    for index, (_number, record) in enumerate(numbered[:HEADER_SEARCH_ROWS]):
        if sum(normalize_header(cell) in by_header for cell in record) >= enough:
            header_index = index
            break
    header_number, header = numbered[header_index]

    issues: list[ImportIssue] = []
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    for position, text in enumerate(header):
        column = by_header.get(normalize_header(text))
        if column is None:
            continue  # later exports add columns of their own; they must still import
        if column.key in positions:
            message = _("the columns “%(first)s” and “%(second)s” both name “%(label)s”") % {
                "first": headers[column.key],
                "second": text.strip(),
                "label": column.label,
            }
            issues.append(ImportIssue(message, row=header_number))
            continue
        positions[column.key] = position
        headers[column.key] = text.strip()
    missing = [column for column in columns if column.required and column.key not in positions]
    if missing:
        message = _("required columns are missing: %(columns)s (the header row must name: %(all)s)") % {
            "columns": "、".join(f"{c.label} ({c.key})" for c in missing),
            "all": ", ".join(c.key for c in columns if c.required),
        }
        issues.append(ImportIssue(message, row=header_number))
    if issues:
        raise ImportFailed(issues)

    rows = [
        TableRow(
            number=number,
            cells={key: (record[pos].strip() if pos < len(record) else "") for key, pos in positions.items()},
        )
        for number, record in numbered[header_index + 1 :]
    ]
    if not rows:
        raise ImportFailed([ImportIssue(_("The file has a header row but no data rows."))])
    return Table(columns=columns, headers=headers, rows=rows)
