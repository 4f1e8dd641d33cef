"""Importing cities, units and unit staff from the office's tables (read by core.tables); reforms.importing builds on
the unit name lookup here."""

from .cities import SHANDONG_CITIES, city_sync_all
from .staff_rows import STAFF_COLUMNS, StaffImportResult, staff_import
from .unit_rows import UNIT_COLUMNS, UnitIndex, unit_import, unit_kind_parse, unit_rows_parse

__all__ = [
    "SHANDONG_CITIES",
    "STAFF_COLUMNS",
    "UNIT_COLUMNS",
    "StaffImportResult",
    "UnitIndex",
    "city_sync_all",
    "staff_import",
    "unit_import",
    "unit_kind_parse",
    "unit_rows_parse",
]
