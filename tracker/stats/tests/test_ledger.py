"""The ledger export: the workbook cell by cell, the CSV, and the round trip through `manage.py reforms_import`."""

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from reforms.models import Reform, Responsibility, RolloutTarget
from reforms.services import reform_import
from units.tests.factories import UnitFactory

from .factories import make_city

pytestmark = pytest.mark.django_db

HEADERS = [
    "批次",
    "类别",
    "序号",
    "改革事项",
    "标题是否确定",
    "主要内容",
    "负责单位",
    "推广范围",
    "待核实",
    "牵头单位",
    "已完成城市数",
    "适用推广城市数",
    "完成率",
    "最近报告",
    "状态颜色",
    "城市报送应报数",
    "城市报送缺报数",
    "城市报送状态与确认状态不一致数",
    "配合材料应交数",
    "配合材料缺交数",
]
# The scenario's reforms in the table's order (batch B2 first, then by position), worked out by hand. Done targets are
# out of the applicable ones (整车出口: 2 of 2, its third city is not applicable), as on the dashboard. The last five
# columns: no batch has a contribution lead time, so city submissions and contributions fall due with the reports
# (P1 10-10, P2 11-10, Q1 10-15 are past; P3 11-23 is not); none is filed: every applicable target owes one per past
# period (R1: 2 cities × 2, R2: 3 × 2, R3: 2 × 2 (its 11-15 deadline is after P3 starts, but P3 is not due), R4: 1),
# every co-unit one (R1: U2 and U4 × 2, R5: U1 × 1). The last report and the colour are the lead's report's (the
# co-units file none): R1's latest is U1's of 11-18; R5's one report is in (late) and it has no target: green.
ROWS = [
    ["stats-b2", "改革试点经验", 1, "进口燃料油一站式化验", "是", "主要内容", "省测试丙厅", "有条件的市", None,
     "省测试丙厅", 0, 1, 0, "2026-10-14 10:00", "黄", 1, 1, 0, 0, 0],
    ["stats-b2", "最佳实践案例", 1, "涉外商事纠纷多元化解机制", None, "主要内容", "省测试丙厅、省测试甲厅", "待核实",
     "推广范围待与纸质原件核对", "省测试丙厅", 0, 0, None, "2026-10-20 10:00", "绿", 0, 0, 0, 1, 1],
    ["stats-b1", "改革试点经验", 1, "整车出口贸易便利化改革", "是", "主要内容", "省测试甲厅、省测试乙厅、省测试丁厅",
     "全省", None, "省测试甲厅", 2, 2, 1, "2026-11-18 10:00", "绿", 4, 4, 0, 4, 4],
    ["stats-b1", "最佳实践案例", 1, "用海审批集成式改革", "是", "主要内容", "省测试乙厅", "全省", None, "省测试乙厅",
     1, 3, 0.3333, "2026-11-17 10:00", "黄", 6, 6, 0, 0, 0],
    ["stats-b1", "最佳实践案例", 2, "跨境电商退货中心仓模式", "是", "主要内容", "省测试甲厅", "有条件的市", None,
     "省测试甲厅", 0, 2, 0, "2026-10-08 10:00", "红", 4, 4, 0, 0, 0],
]  # fmt: skip


def workbook(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="ledger-20261120-1000.xlsx"'
    return load_workbook(io.BytesIO(response.content))


def test_the_workbook_holds_the_ledger_cell_by_cell(scenario, client_for, office):
    book = workbook(client_for(office).get(reverse("stats-api:ledger-xlsx")))

    assert book.sheetnames == ["台账", "改革事项 × 城市", "配合单位材料"]
    sheet = book["台账"]
    assert sheet["A1"].value == "制度创新成果复制推广工作台账（数据截至 2026-11-20 10:00）"
    assert "A1:T1" in {str(r) for r in sheet.merged_cells.ranges}
    assert [c.value for c in sheet[2]] == HEADERS
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=3)] == ROWS
    # The colour cell is filled with its colour; the rate is shown as a percentage.
    assert [sheet.cell(row, 15).fill.fgColor.rgb for row in range(3, 8)] == [
        "00FFEB9C",
        "00C6EFCE",
        "00C6EFCE",
        "00FFEB9C",
        "00FFC7CE",
    ]
    assert sheet["M6"].number_format == "0.0%"
    assert sheet["F3"].alignment.wrap_text


def test_the_workbook_is_set_up_for_printing(scenario, client_for, office):
    book = workbook(client_for(office).get(reverse("stats-api:ledger-xlsx")))

    for sheet, frozen in ((book["台账"], "A3"), (book["改革事项 × 城市"], "E3")):
        assert sheet.freeze_panes == frozen
        assert sheet.print_title_rows == "$1:$2"
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.paperSize == 9  # A4
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
    widths = {letter: book["台账"].column_dimensions[letter].width for letter in "ACDFG"}
    assert widths == {"A": 10, "C": 6, "D": 28, "F": 60, "G": 26}


def test_the_second_sheet_is_the_reform_by_city_matrix(scenario, client_for, office):
    sheet = workbook(client_for(office).get(reverse("stats-api:ledger-xlsx")))["改革事项 × 城市"]

    assert [c.value for c in sheet[2]] == ["批次", "类别", "序号", "改革事项", "济南市", "青岛市", "淄博市", "东营市"]
    cells = [[c.value for c in row][4:] for row in sheet.iter_rows(min_row=3, max_row=7)]
    assert cells == [
        [None, "未开始", None, None],  # R4
        [None, None, None, None],  # R5: no target city
        ["已完成", "已完成", "不适用", None],  # R1
        ["推进中", "未开始", "已完成", None],  # R2
        ["推进中", "未开始", None, None],  # R3, past its deadline
    ]
    assert [c.value for c in sheet[8]] == ["完成率", None, None, None, 0.3333, 0.25, 1, None]
    overdue = sheet["E7"]
    assert (overdue.fill.fgColor.rgb, overdue.font.bold) == ("00FFC7CE", True)
    assert sheet["E5"].fill.fgColor.rgb == "00C6EFCE"
    assert sheet["G5"].fill.fgColor.rgb == "00D9D9D9"


def test_the_third_sheet_is_the_co_units_contributions(scenario, client_for, office):
    sheet = workbook(client_for(office).get(reverse("stats-api:ledger-xlsx")))["配合单位材料"]

    assert [c.value for c in sheet[2]] == ["单位", "配合事项数", "已到期", "按时报送", "逾期报送", "未报", "未到期"]
    rows = {row[0]: row[1:] for row in sheet.iter_rows(min_row=3, values_only=True)}
    # U2 and U4 are co-units of R1 (P1, P2 due and missing; P3 upcoming), U1 of R5 (Q1 due and missing).
    assert rows == {
        "省测试乙厅": (1, 2, 0, 0, 2, 1),
        "省测试丁厅": (1, 2, 0, 0, 2, 1),
        "省测试甲厅": (1, 1, 0, 0, 1, 0),
    }


def test_the_csv_has_the_ledger_sheets_rows_with_a_byte_order_mark(scenario, client_for, office):
    response = client_for(office).get(reverse("stats-api:ledger-csv"), {"batch": "stats-b1"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    as_text = [["" if v is None else str(v) for v in row] for row in ROWS[2:]]
    for row in as_text:
        row[12] = {"1": "100.0%", "0.3333": "33.3%", "0": "0.0%"}[row[12]]
    assert rows[1:] == as_text


def test_a_unit_exports_only_its_reforms_and_a_bad_filter_is_a_400(scenario, client_for, reporter):
    client = client_for(reporter)
    sheet = workbook(client.get(reverse("stats-api:ledger-xlsx")))["台账"]
    assert [row[3].value for row in sheet.iter_rows(min_row=3)] == [
        "涉外商事纠纷多元化解机制",
        "整车出口贸易便利化改革",
        "跨境电商退货中心仓模式",
    ]

    response = client.get(reverse("stats-api:ledger-xlsx"), {"date_from": "2026-12-01", "date_to": "2026-11-01"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"date_to": ["截止日期早于起始日期。"]}


# A table as the office keeps it: quotes, commas and line breaks in cells, a doubtful title, unknown units and scope.
TABLE = """section,number,title,title_certain,content,units,scope,uncertain
pilot,1,整车出口贸易便利化改革,yes,"创新申报要素, 提升""卡口""效能。
第二段",青岛海关、济南海关,全省,
pilot,2,"进口燃料油""一站式化验""新模式",no,选取油品入库前作为原始状态节点,省市场监管局,有条件的市,title: OCR 不清
best_practice,1,用海审批集成式改革,yes,建立用海审批联席机制,unknown,全省,
best_practice,2,退货中心仓模式,yes,在特殊监管区域内设立退货中心仓,省商务厅,unknown,
best_practice,3,多元化解机制,yes,完善商事纠纷多元化解,省商务厅、省市场监管局、青岛海关,有条件的市,none
"""


def database_state() -> list:
    """Everything an import writes, comparable before and after."""
    return [
        list(Reform.objects.order_by("id").values()),
        list(Responsibility.objects.order_by("id").values()),
        list(RolloutTarget.objects.order_by("id").values()),
    ]


@pytest.fixture
def imported(db, frozen, tmp_path):
    for code, name in [("370100", "济南市"), ("370200", "青岛市")]:
        make_city(code, name)
    for name in ("青岛海关", "济南海关", "省市场监管局", "省商务厅"):
        UnitFactory(name=name)
    path = tmp_path / "table.csv"
    path.write_text(TABLE, encoding="utf-8")
    result = reform_import(file=path)
    assert len(result.created) == 5
    # Progress on some targets, so the statistics columns are not all empty.
    RolloutTarget.objects.filter(reform__number=1, reform__category="pilot", city__code="370100").update(status="done")
    return result


@pytest.mark.parametrize("name", ["ledger-xlsx", "ledger-csv"])
def test_importing_the_exported_ledger_changes_nothing(imported, client_for, office, tmp_path, name, capsys):
    before = database_state()
    response = client_for(office).get(reverse(f"stats-api:{name}"), {"batch": "sdftz-1"})
    path = tmp_path / f"ledger.{name.rsplit('-', 1)[1]}"
    path.write_bytes(response.content)

    result = reform_import(file=path)

    assert (result.created, result.updated, result.absent) == ([], [], [])
    assert sorted(result.unchanged) == sorted(imported.created)
    assert database_state() == before
    # And through the command the office runs.
    call_command("reforms_import", str(path))
    assert "新增 0 条，更新 0 条，未变 5 条" in capsys.readouterr().out
    assert database_state() == before


def test_a_title_that_looks_like_a_formula_stays_text(scenario, client_for, office):
    Reform.objects.filter(pk=scenario.reforms["R1"].pk).update(title='=HYPERLINK("http://example.com")')

    book = workbook(client_for(office).get(reverse("stats-api:ledger-xlsx"), {"batch": "stats-b1"}))

    for sheet in (book["台账"], book["改革事项 × 城市"]):  # the third sheet lists units, not reforms
        cell = sheet["D3"]
        assert (cell.value, cell.data_type) == ('=HYPERLINK("http://example.com")', "s")
