"""The import of a task-division table: the service, the command, bad files, and the committed fixtures."""

import csv
import io
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import serializers
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import Workbook

from core.tables import ImportFailed
from reforms.choices import Category, ResponsibilityRole, Scope, TargetStatus
from reforms.models import Batch, Reform, Responsibility, RolloutTarget
from reforms.services import reform_import
from units.models import City, Unit
from units.tests.factories import CityFactory, UnitFactory

HEADER = ["section", "number", "title", "title_certain", "content", "units", "scope", "uncertain"]
ROWS = [
    ["pilot", "1", "整车出口贸易便利化改革", "yes", "通过创新整车出口申报要素。", "青岛海关、济南海关", "全省", ""],
    ["pilot", "2", "用海审批集成式改革", "yes", "建立用海审批联席机制。", "省海洋局，省税务局", "有条件的市", "none"],
    ["best_practice", "1", "药食同源商品进口通关便利化改革", "no", "多部门联合出台方案。", "省商务厅", "全省", ""],
    [
        "best_practice",
        "2",
        "…银税互动模式",
        "no",
        "探索融合生态环境保护。",
        "unknown",
        "unknown",
        "title: 粮 read as 银",
    ],
]
SEED = Path(settings.BASE_DIR) / "fixtures" / "seed"
FIXTURES = Path(settings.BASE_DIR) / "fixtures"


@pytest.fixture
def reference(db):
    """Three cities and the five units ROWS names; one unit also answers to an alias."""
    cities = [CityFactory(code=f"3701{n:02d}", name=f"测试市{n}") for n in range(3)]
    for name in ("青岛海关", "济南海关", "省海洋局", "省税务局"):
        UnitFactory(name=name)
    UnitFactory(name="省商务厅", aliases="山东省商务厅")
    return cities


def csv_bytes(rows=ROWS, header=HEADER, encoding="utf-8", delimiter=",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows([header, *rows])
    return buffer.getvalue().encode(encoding)


def write_csv(path: Path, **kwargs) -> Path:
    path.write_bytes(csv_bytes(**kwargs))
    return path


def write_xlsx(path: Path, records) -> Path:
    workbook = Workbook()
    for record in records:
        workbook.active.append(record)
    workbook.save(path)
    return path


def snapshot() -> str:
    """Every stored row the import touches, ids included, to compare before and after."""
    objects = [
        *Batch.objects.order_by("pk"),
        *Reform.objects.order_by("pk"),
        *Responsibility.objects.order_by("pk"),
        *RolloutTarget.objects.order_by("pk"),
    ]
    return serializers.serialize("json", objects)


def refused(path: Path) -> ImportFailed:
    with pytest.raises(ImportFailed) as caught:
        reform_import(file=path)
    return caught.value


def test_it_imports_codes_categories_scopes_and_units_in_table_order(reference, tmp_path):
    result = reform_import(file=write_csv(tmp_path / "t.csv"))

    assert result.created == ["sdftz-1-p01", "sdftz-1-p02", "sdftz-1-b01", "sdftz-1-b02"]
    batch = Batch.objects.get()
    assert (batch.code, batch.title) == ("sdftz-1", "山东自贸试验区38项制度创新成果复制推广工作任务分工表")
    assert (batch.document_number, batch.default_deadline) == ("", None)
    reforms = list(Reform.objects.order_by("position"))
    assert [(r.category, r.number, r.position) for r in reforms] == [
        (Category.PILOT, 1, 1),
        (Category.PILOT, 2, 2),
        (Category.BEST_PRACTICE, 1, 3),
        (Category.BEST_PRACTICE, 2, 4),
    ]
    assert [r.scope for r in reforms] == [Scope.ALL_CITIES, Scope.QUALIFIED_CITIES, Scope.ALL_CITIES, Scope.UNVERIFIED]
    assert [
        (x.unit.name, x.role, x.position) for x in Responsibility.objects.filter(reform=reforms[1]).order_by("position")
    ] == [("省海洋局", ResponsibilityRole.LEAD, 1), ("省税务局", ResponsibilityRole.CO, 2)]
    assert reforms[3].responsibilities.count() == 0


def test_doubtful_rows_need_verification_and_keep_their_note_verbatim(reference, tmp_path):
    reform_import(file=write_csv(tmp_path / "t.csv"))
    flags = dict(Reform.objects.values_list("code", "needs_verification"))
    notes = dict(Reform.objects.values_list("code", "verification_note"))

    # Clean row, and a row whose note is the seed's "none": nothing to verify.
    assert flags["sdftz-1-p01"] is False and flags["sdftz-1-p02"] is False
    assert notes["sdftz-1-p02"] == ""
    # title_certain=no without a note: a generated note says what to check.
    assert flags["sdftz-1-b01"] is True and notes["sdftz-1-b01"]
    assert (flags["sdftz-1-b02"], notes["sdftz-1-b02"]) == (True, "title: 粮 read as 银")


def test_a_chinese_note_column_is_the_note_stored_and_the_other_note_is_left_out(reference, tmp_path):
    notes_zh = ["", "none", "", "请对照纸质原件补全标题前半部分。"]
    rows = [[*row, note] for row, note in zip(ROWS, notes_zh, strict=True)]
    reform_import(file=write_csv(tmp_path / "t.csv", rows=rows, header=[*HEADER, "note_zh"]))
    notes = dict(Reform.objects.values_list("code", "verification_note"))

    assert notes["sdftz-1-b02"] == "请对照纸质原件补全标题前半部分。"
    # Without a Chinese note, a row keeps the table's own note (or the generated one) as before.
    assert notes["sdftz-1-p02"] == ""
    assert notes["sdftz-1-b01"]


def test_whole_province_reforms_target_every_city_and_the_others_none(reference, tmp_path):
    result = reform_import(file=write_csv(tmp_path / "t.csv"))

    counts = {r.code: r.targets.count() for r in Reform.objects.all()}
    assert counts == {"sdftz-1-p01": 3, "sdftz-1-p02": 0, "sdftz-1-b01": 3, "sdftz-1-b02": 0}
    assert result.targets_created == 6


def test_a_second_import_writes_nothing(reference, tmp_path):
    path = write_csv(tmp_path / "t.csv")
    reform_import(file=path)
    before = snapshot()

    with CaptureQueriesContext(connection) as queries:
        result = reform_import(file=path)

    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    assert (len(result.created), len(result.updated), len(result.unchanged)) == (0, 0, 4)
    assert snapshot() == before


def test_an_edited_table_updates_only_the_changed_rows_and_keeps_unit_rows(reference, tmp_path):
    reform_import(file=write_csv(tmp_path / "t.csv"))
    p01 = Reform.objects.get(code="sdftz-1-p01")
    kept_id = p01.responsibilities.get(unit__name="济南海关").pk
    edited = [list(row) for row in ROWS]
    edited[0][5] = "济南海关、青岛海关"  # the lead changes hands
    edited[1][5] = "省海洋局"  # a co-unit is dropped
    edited[2][2] = "药食同源商品进口通关便利化改革试点"

    result = reform_import(file=write_csv(tmp_path / "t2.csv", rows=edited))

    assert result.updated == ["sdftz-1-p01", "sdftz-1-p02", "sdftz-1-b01"]
    assert result.unchanged == ["sdftz-1-b02"]
    assert [(x.unit.name, x.role) for x in p01.responsibilities.order_by("position")] == [
        ("济南海关", ResponsibilityRole.LEAD),
        ("青岛海关", ResponsibilityRole.CO),
    ]
    assert p01.responsibilities.get(unit__name="济南海关").pk == kept_id
    assert list(Reform.objects.get(code="sdftz-1-p02").units.values_list("name", flat=True)) == ["省海洋局"]
    assert Reform.objects.get(code="sdftz-1-b01").title == "药食同源商品进口通关便利化改革试点"


def test_a_reimport_keeps_the_offices_edits_to_batch_and_targets(reference, tmp_path):
    path = write_csv(tmp_path / "t.csv")
    reform_import(file=path)
    Batch.objects.update(document_number="鲁自贸办发〔2026〕1号")
    target = RolloutTarget.objects.filter(reform__code="sdftz-1-p01").first()
    target.status = TargetStatus.IN_PROGRESS
    target.save()
    chosen = RolloutTarget.objects.create(reform=Reform.objects.get(code="sdftz-1-p02"), city=reference[0])

    reform_import(file=path)

    assert Batch.objects.get().document_number == "鲁自贸办发〔2026〕1号"
    target.refresh_from_db()
    assert target.status == TargetStatus.IN_PROGRESS
    assert list(Reform.objects.get(code="sdftz-1-p02").targets.all()) == [chosen]


def test_reforms_missing_from_the_file_are_kept_and_reported(reference, tmp_path):
    reform_import(file=write_csv(tmp_path / "t.csv"))

    result = reform_import(file=write_csv(tmp_path / "t2.csv", rows=ROWS[:3]))

    assert result.absent == ["sdftz-1-b02"]
    assert Reform.objects.count() == 4


def test_a_table_without_the_reconstruction_columns_imports_as_certain(reference, tmp_path):
    required = [h for h in HEADER if h not in ("title_certain", "uncertain")]
    rows = [[cell for h, cell in zip(HEADER, row, strict=True) if h in required] for row in ROWS]
    reform_import(file=write_csv(tmp_path / "t.csv", header=required, rows=rows))

    assert dict(Reform.objects.values_list("code", "needs_verification")) == {
        "sdftz-1-p01": False,
        "sdftz-1-p02": False,
        "sdftz-1-b01": False,
        "sdftz-1-b02": True,  # units and scope "unknown"
    }


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ","), ("gb18030", ","), ("utf-16", ","), ("utf-16", "\t")],
)
def test_it_reads_the_encodings_excel_writes(reference, tmp_path, encoding, delimiter):
    reform_import(file=write_csv(tmp_path / "t.csv", encoding=encoding, delimiter=delimiter))

    assert set(Reform.objects.values_list("title", flat=True)) == {row[2] for row in ROWS}
    assert Responsibility.objects.count() == 5


def test_it_reads_xlsx_with_a_title_line_chinese_headers_extra_columns_and_numeric_cells(reference, tmp_path):
    chinese = ["类别", "序号", "改革事项", "标题是否确定", "主要内容", "负责单位", "推广范围", "待核实", "备注"]
    records = [["山东自贸试验区制度创新成果复制推广工作任务分工表"], chinese]
    records += [[*row[:1], int(row[1]), *row[2:], "later export column"] for row in ROWS]
    records[2][0] = "改革试点经验"
    path = write_xlsx(tmp_path / "t.xlsx", records)

    result = reform_import(file=path)

    assert len(result.created) == 4
    assert Reform.objects.get(code="sdftz-1-p01").units.count() == 2


def test_an_xlsx_error_names_the_row_excel_shows(reference, tmp_path):
    records = [["office title line"], HEADER, *ROWS]
    records[4] = [*ROWS[2][:5], "省不存在局", *ROWS[2][6:]]
    failure = refused(write_xlsx(tmp_path / "t.xlsx", records))

    assert [(i.row, i.column) for i in failure.issues] == [(5, "units")]


def test_a_unit_may_be_named_by_an_alias_or_spelled_with_spaces(reference, tmp_path):
    rows = [["pilot", "1", "标题", "yes", "内容", "山东省商务厅 济 南 海 关", "全省", ""]]
    reform_import(file=write_csv(tmp_path / "t.csv", rows=rows))

    assert list(Reform.objects.get().units.order_by("responsibilities__position").values_list("name", flat=True)) == [
        "省商务厅",
        "济南海关",
    ]


BAD_ROWS = {
    "unknown unit": ([*ROWS[:2], [*ROWS[2][:5], "省商务厅、省不存在局", *ROWS[2][6:]]], [(4, "units")]),
    "duplicate row": ([*ROWS, ROWS[0]], [(6, "number")]),
    "bad section": ([["改革", *ROWS[0][1:]]], [(2, "section")]),
    "bad number": ([[ROWS[0][0], "一", *ROWS[0][2:]], [ROWS[1][0], "0", *ROWS[1][2:]]], [(2, "number"), (3, "number")]),
    "bad scope": ([[*ROWS[0][:6], "全国", ""]], [(2, "scope")]),
    "empty title": ([[*ROWS[0][:2], "", *ROWS[0][3:]]], [(2, "title")]),
    "unit listed twice": ([[*ROWS[0][:5], "青岛海关、济南海关、青岛海关", *ROWS[0][6:]]], [(2, "units")]),
    "two spellings of one unit": ([[*ROWS[0][:5], "省商务厅、山东省商务厅", *ROWS[0][6:]]], [(2, "units")]),
    "bad title_certain": ([[*ROWS[0][:3], "maybe", *ROWS[0][4:]]], [(2, "title_certain")]),
}


@pytest.mark.parametrize("case", BAD_ROWS)
def test_a_bad_row_is_refused_with_its_row_and_column_and_nothing_is_written(reference, tmp_path, case):
    rows, expected = BAD_ROWS[case]
    failure = refused(write_csv(tmp_path / "t.csv", rows=rows))

    assert [(i.row, i.column) for i in failure.issues] == expected
    assert not Batch.objects.exists() and not Reform.objects.exists()


# case: (file name, content; None = no file at all)
BAD_FILES = {
    "missing column": ("t.csv", csv_bytes(header=[h for h in HEADER if h != "units"], rows=[])),
    "renamed column": ("t.csv", csv_bytes(header=[h if h != "scope" else "range" for h in HEADER])),
    "empty file": ("t.csv", b""),
    "blank lines only": ("t.csv", b"\r\n ,,\r\n"),
    "header only": ("t.csv", csv_bytes(rows=[])),
    "undecodable bytes": ("t.csv", ",".join(HEADER).encode() + b"\npilot,1,\x80\xff\xfe,yes"),
    "utf-16 without BOM": ("t.csv", ",".join(HEADER).encode("utf-16-le")),
    "not really xlsx": ("t.xlsx", csv_bytes()),
    "broken zip": ("t.csv", b"PK\x03\x04 not a workbook"),
    "old xls": ("t.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100),
    "file not found": ("nowhere.csv", None),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_is_refused_and_nothing_is_written(reference, tmp_path, case):
    name, content = BAD_FILES[case]
    if content is not None:
        (tmp_path / name).write_bytes(content)
    failure = refused(tmp_path / name)

    assert failure.issues and all(str(issue) for issue in failure.issues)
    assert not Batch.objects.exists() and not Reform.objects.exists()


def test_missing_columns_are_reported_on_the_header_row(reference, tmp_path):
    (tmp_path / "t.csv").write_bytes(BAD_FILES["missing column"][1])
    failure = refused(tmp_path / "t.csv")

    assert [i.row for i in failure.issues] == [1]
    assert "units" in failure.issues[0].message


def test_a_bad_reimport_leaves_the_previous_import_untouched(reference, tmp_path):
    reform_import(file=write_csv(tmp_path / "t.csv"))
    before = snapshot()
    edited = [[*row[:2], row[2] + "（修订）", *row[3:]] for row in ROWS]
    edited[3][5] = "省不存在局"

    refused(write_csv(tmp_path / "t2.csv", rows=edited))

    assert snapshot() == before


def test_the_message_names_row_column_and_unit(reference, tmp_path):
    rows = [[*ROWS[0][:5], "省不存在局", *ROWS[0][6:]]]
    with translation.override("en"):
        failure = refused(write_csv(tmp_path / "t.csv", rows=rows))
        assert str(failure.issues[0]) == "Row 2, column “responsible units (units)”: unknown unit “省不存在局”"


def test_a_typo_gets_a_suggestion(reference, tmp_path):
    failure = refused(write_csv(tmp_path / "t.csv", rows=[[*ROWS[0][:5], "青岛海官", *ROWS[0][6:]]]))

    assert "青岛海官" in failure.issues[0].message and "青岛海关" in failure.issues[0].message


def test_whole_province_rows_are_refused_before_any_city_exists(db, tmp_path):
    UnitFactory(name="青岛海关")
    UnitFactory(name="济南海关")
    refused(write_csv(tmp_path / "t.csv", rows=ROWS[:1]))

    assert not Reform.objects.exists()


def test_the_command_prints_counts_and_a_second_run_adds_nothing(reference, tmp_path):
    path = write_csv(tmp_path / "t.csv")
    first, second = io.StringIO(), io.StringIO()
    with translation.override("en"):
        call_command("reforms_import", str(path), stdout=first)
        call_command("reforms_import", str(path), stdout=second)

    assert "4 added, 0 updated, 0 unchanged" in first.getvalue()
    assert "0 added, 0 updated, 4 unchanged" in second.getvalue()


def test_the_command_sets_batch_fields_only_when_given(reference, tmp_path):
    path = write_csv(tmp_path / "t.csv")
    call_command(
        "reforms_import", str(path), "--batch", "sdftz-2", "--title", "第二批", "--issued-on", "2026-03-01",
        "--deadline", "2026-12-31", "--document-number", "鲁自贸发〔2026〕2号", stdout=io.StringIO(),
    )  # fmt: skip
    call_command("reforms_import", str(path), "--batch", "sdftz-2", stdout=io.StringIO())

    batch = Batch.objects.get()
    assert (batch.code, batch.title, batch.document_number) == ("sdftz-2", "第二批", "鲁自贸发〔2026〕2号")
    assert (str(batch.issued_on), str(batch.default_deadline)) == ("2026-03-01", "2026-12-31")
    assert Reform.objects.filter(code="sdftz-2-p01").exists()


@pytest.mark.parametrize(
    "extra", [["--batch", "sdftz-9"], ["--batch", "not a slug", "--title", "x"], ["--issued-on", "2026-13-01"]]
)
def test_the_command_refuses_a_bad_batch_and_writes_nothing(reference, tmp_path, extra):
    with pytest.raises(CommandError):
        call_command("reforms_import", str(write_csv(tmp_path / "t.csv")), *extra, stdout=io.StringIO())

    assert not Batch.objects.exists()


def test_the_command_fails_with_the_row_and_writes_nothing(reference, tmp_path):
    path = write_csv(tmp_path / "t.csv", rows=[*ROWS, ROWS[1]])
    with translation.override("en"), pytest.raises(CommandError) as caught:
        call_command("reforms_import", str(path), stdout=io.StringIO())

    assert "Row 6" in str(caught.value)
    assert not Reform.objects.exists()


def test_a_dry_run_reports_but_writes_nothing(reference, tmp_path):
    out = io.StringIO()
    with translation.override("en"):
        call_command("reforms_import", str(write_csv(tmp_path / "t.csv")), "--dry-run", stdout=out)

    assert "4 added" in out.getvalue()
    assert not Batch.objects.exists() and not Reform.objects.exists()


def test_the_committed_fixtures_hold_the_first_batch(db):
    call_command("loaddata", *(str(FIXTURES / f"{name}.json") for name in ("cities", "units", "reforms")), verbosity=0)

    assert (City.objects.count(), Unit.objects.count(), Reform.objects.count()) == (16, 30, 38)
    assert Reform.objects.filter(category=Category.PILOT).count() == 9
    assert Reform.objects.filter(category=Category.BEST_PRACTICE).count() == 29
    whole_province = Reform.objects.filter(scope=Scope.ALL_CITIES)
    assert whole_province.exists()
    assert all(reform.targets.count() == 16 for reform in whole_province)
    assert not RolloutTarget.objects.exclude(reform__scope=Scope.ALL_CITIES).exists()
    assert all(reform.verification_note for reform in Reform.objects.filter(needs_verification=True))


def test_the_seed_imports_to_what_the_fixtures_hold(db):
    call_command("units_import", str(SEED / "units.csv"), stdout=io.StringIO())
    call_command("reforms_import", str(SEED / "reforms.csv"), stdout=io.StringIO())

    with open(SEED / "reforms.csv", encoding="utf-8") as seed:
        seed_rows = {(row["section"], int(row["number"])): row for row in csv.DictReader(seed)}
    for reform in Reform.objects.all():
        row = seed_rows[(reform.category, reform.number)]
        # The office reads the Chinese note; the English reconstruction note stays in the seed and the docs.
        assert reform.verification_note == row["note_zh"]
        assert bool(row["note_zh"]) == (row["uncertain"] != "none")
        assert not re.search(r"[A-Za-z]{5,}", reform.verification_note), reform.verification_note
        assert reform.needs_verification == (row["uncertain"] != "none" or row["title_certain"] == "no")
    assert Reform.objects.exclude(verification_note="").count() == 36
    fixture = {
        o["fields"]["code"]: o["fields"]
        for o in json.loads((FIXTURES / "reforms.json").read_text("utf-8"))
        if o["model"] == "reforms.reform"
    }
    stored = {r["code"]: r for r in Reform.objects.values()}
    fields = ["title", "content", "scope", "category", "number", "position", "needs_verification", "verification_note"]
    assert {c: [f[k] for k in fields] for c, f in fixture.items()} == {
        c: [r[k] for k in fields] for c, r in stored.items()
    }
