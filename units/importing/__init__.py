"""Reading the office's CSV/XLSX tables and importing cities and units; reforms.importing builds on this."""

from .cities import SHANDONG_CITIES, city_sync_all
from .tables import (
    Column,
    ImportFailed,
    ImportIssue,
    ImportResult,
    Table,
    TableRow,
    normalize_header,
    read_table,
    read_table_data,
)
from .unit_rows import UNIT_COLUMNS, UnitIndex, unit_import, unit_kind_parse, unit_rows_parse

__all__ = [
    "SHANDONG_CITIES",
    "UNIT_COLUMNS",
    "Column",
    "ImportFailed",
    "ImportIssue",
    "ImportResult",
    "Table",
    "TableRow",
    "UnitIndex",
    "city_sync_all",
    "normalize_header",
    "read_table",
    "read_table_data",
    "unit_import",
    "unit_kind_parse",
    "unit_rows_parse",
]
