"""Reading the office's CSV/XLSX tables and importing cities, units and unit staff; reforms.importing builds on this."""

from .cities import SHANDONG_CITIES, city_sync_all
from .staff_rows import STAFF_COLUMNS, StaffImportResult, staff_import
from .tables import (
    Column,
    ImportFailed,
    ImportIssue,
    ImportResult,
    Table,
    TableRow,
    choice_parse,
    normalize_header,
    read_table,
    read_table_data,
)
from .unit_rows import UNIT_COLUMNS, UnitIndex, unit_import, unit_kind_parse, unit_rows_parse

__all__ = [
    "SHANDONG_CITIES",
    "STAFF_COLUMNS",
    "UNIT_COLUMNS",
    "Column",
    "ImportFailed",
    "ImportIssue",
    "ImportResult",
    "StaffImportResult",
    "Table",
    "TableRow",
    "UnitIndex",
    "choice_parse",
    "city_sync_all",
    "normalize_header",
    "read_table",
    "read_table_data",
    "staff_import",
    "unit_import",
    "unit_kind_parse",
    "unit_rows_parse",
]
