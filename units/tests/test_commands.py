"""`manage.py units_import`: the 16 cities, the units of units.csv, idempotence and refused files."""

import csv
import io

import pytest
from django.core import serializers
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core.tables import ImportFailed
from units.choices import UnitKind
from units.importing import SHANDONG_CITIES, city_sync_all, unit_import, unit_kind_parse
from units.models import City, Unit
from units.tests.factories import CityFactory, UnitFactory

HEADER = ["name", "short_en", "kind", "reform_count"]
ROWS = [
    ["青岛海关", "Qingdao Customs", "central agency in Shandong", "11"],
    ["省市场监管局", "Provincial Administration for Market Regulation", "provincial department", "7"],
    ["省法院", "Shandong High People's Court", "court or procuratorate", "3"],
    ["中国铁路济南局集团有限公司", "China Railway Jinan Group Co., Ltd.", "state-owned enterprise", "1"],
]


def write_csv(tmp_path, rows=ROWS, header=HEADER, name="units.csv"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    path = tmp_path / name
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def run(path) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("units_import", str(path), stdout=out)
    return out.getvalue()


def snapshot() -> str:
    return serializers.serialize("json", [*City.objects.order_by("pk"), *Unit.objects.order_by("pk")])


def test_it_creates_the_16_cities_and_the_units_with_their_kinds(db, tmp_path):
    output = run(write_csv(tmp_path))

    assert list(City.objects.values_list("code", "name")) == [(code, name) for code, name, _ in SHANDONG_CITIES]
    assert City.objects.count() == 16 and not City.objects.filter(name_en="").exists()
    assert dict(Unit.objects.values_list("name", "kind")) == {
        "青岛海关": UnitKind.CENTRAL_AGENCY,
        "省市场监管局": UnitKind.PROVINCIAL_DEPARTMENT,
        "省法院": UnitKind.COURT_OR_PROCURATORATE,
        "中国铁路济南局集团有限公司": UnitKind.STATE_OWNED_ENTERPRISE,
    }
    assert Unit.objects.get(name="青岛海关").short_en == "Qingdao Customs"
    assert "16 added" in output and "4 added" in output


def test_a_second_run_writes_nothing(db, tmp_path):
    path = write_csv(tmp_path)
    run(path)
    before = snapshot()

    with CaptureQueriesContext(connection) as queries:
        output = run(path)

    assert [q["sql"] for q in queries if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE")] == []
    assert snapshot() == before
    assert "0 added, 0 updated, 16 unchanged" in output and "0 added, 0 updated, 4 unchanged" in output


@pytest.mark.parametrize("kind", list(UnitKind))
def test_a_kind_may_be_written_as_its_value_or_its_label_in_either_language(kind):
    assert unit_kind_parse(kind.value) == kind.value
    for language in ("en", "zh-hans"):
        with translation.override(language):
            label = str(kind.label)
        assert unit_kind_parse(f" {label.upper()} ") == kind.value


def test_a_city_government_is_tied_to_the_city_it_names(db, tmp_path):
    rows = [["济南市人民政府", "Jinan Municipal Government", "city government", "济南市"]]
    run(write_csv(tmp_path, rows=rows, header=["name", "short_en", "kind", "city"]))

    assert Unit.objects.get(name="济南市人民政府").city.code == "370100"


def refused(path) -> ImportFailed:
    city_sync_all()
    with pytest.raises(ImportFailed) as caught:
        unit_import(file=path)
    return caught.value


@pytest.mark.parametrize(
    ("rows", "header", "expected"),
    [
        ([["济南市人民政府", "", "city government", ""]], ["name", "short_en", "kind", "city"], [(2, "city")]),
        ([["济南市人民政府", "", "city government", "莱芜"]], ["name", "short_en", "kind", "city"], [(2, "city")]),
        ([[*ROWS[0][:2], "ministry", "1"], ROWS[1]], HEADER, [(2, "kind")]),
        ([ROWS[0], ROWS[1], ["青岛 海关", "", "central agency", ""]], HEADER, [(4, "name")]),
        ([["", "", "provincial department", ""]], HEADER, [(2, "name")]),
        (ROWS, ["name", "short_en", "type_of_unit", "reform_count"], [(1, None)]),
    ],
    ids=["city government without city", "unknown city", "unknown kind", "listed twice", "no name", "no kind column"],
)
def test_a_bad_row_is_refused_with_its_row_and_column(db, tmp_path, rows, header, expected):
    failure = refused(write_csv(tmp_path, rows=rows, header=header))

    assert [(i.row, i.column) for i in failure.issues] == expected
    assert not Unit.objects.exists()


def test_a_refused_file_writes_nothing_not_even_the_cities(db, tmp_path):
    path = write_csv(tmp_path, rows=[[*ROWS[0][:2], "ministry", "1"]])
    with translation.override("en"), pytest.raises(CommandError) as caught:
        call_command("units_import", str(path), stdout=io.StringIO())

    assert "Row 2" in str(caught.value) and "ministry" in str(caught.value)
    assert not City.objects.exists() and not Unit.objects.exists()


def test_a_missing_file_is_refused(db, tmp_path):
    with pytest.raises(CommandError):
        call_command("units_import", str(tmp_path / "nowhere.csv"), stdout=io.StringIO())


def test_a_unit_named_by_its_alias_is_updated_not_duplicated(db, tmp_path):
    customs = UnitFactory(name="青岛海关", aliases="中华人民共和国青岛海关", short_en="")
    run(write_csv(tmp_path, rows=[["中华人民共和国青岛海关", "Qingdao Customs", "central agency in Shandong", "1"]]))

    customs.refresh_from_db()
    assert (Unit.objects.count(), customs.name, customs.short_en) == (1, "青岛海关", "Qingdao Customs")


def test_units_absent_from_the_file_and_columns_absent_from_it_are_left_alone(db, tmp_path):
    kept = UnitFactory(name="省不在表里厅")
    market = UnitFactory(name="省市场监管局", aliases="山东省市场监督管理局", email="scjg@example.org")
    run(write_csv(tmp_path))

    market.refresh_from_db()
    assert Unit.objects.filter(pk=kept.pk).exists()
    assert (market.aliases, market.email) == ("山东省市场监督管理局", "scjg@example.org")


def test_an_aliases_column_sets_the_aliases_one_per_line(db, tmp_path):
    rows = [["省市场监管局", "", "provincial department", "山东省市场监督管理局、省市场监督管理局"]]
    run(write_csv(tmp_path, rows=rows, header=["name", "short_en", "kind", "aliases"]))

    assert Unit.objects.get().aliases == "山东省市场监督管理局\n省市场监督管理局"


def test_city_sync_restores_canonical_names_and_keeps_other_cities(db):
    CityFactory(code="370100", name="济南市", name_en="")
    CityFactory(code="379999", name="测试市")

    result = city_sync_all()

    assert (result.updated, len(result.created), len(result.unchanged)) == (["370100"], 15, 0)
    assert City.objects.get(code="370100").name == "济南"
    assert City.objects.count() == 17
