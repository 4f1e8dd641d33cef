"""Staff tables as the office saves them, for the import tests: CSV in UTF-8 or Excel's GB18030, or XLSX."""

import csv
import io

from openpyxl import Workbook

HEADER = ["姓名", "用户名", "电子邮箱", "联系电话", "单位", "角色"]


def staff_rows(units, per_unit: int = 2) -> list[list[str]]:
    """`per_unit` people for each unit: the first its manager, the others reporters."""
    rows = []
    for i, unit in enumerate(units):
        for j in range(per_unit):
            role = "单位管理员" if j == 0 else "填报人"
            rows.append(
                [
                    f"员工{i}-{j}",
                    f"staff{i}_{j}",
                    f"staff{i}_{j}@example.org",
                    f"0531-8888{i:02d}{j:02d}",
                    unit.name,
                    role,
                ]
            )
    return rows


def csv_bytes(rows, header=HEADER, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER, title: str | None = "单位填报人员名单") -> bytes:
    """A workbook with a title line above the header, as the office's sheets have."""
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
