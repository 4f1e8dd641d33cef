"""The dashboard's layout, at a desktop's width, a phone's and on paper: the first batch's size (38 reforms × 16
cities, a third of them for qualified cities only), the overdue list complete on request, the trend's two axes, the
matrix's pinned labels, legible charts, a printout that fits a few A4 landscape pages and stays small.

Screenshots and the PDF land in test-artifacts/browser/ for a person to look at.
"""

import datetime
import re

import pytest
from playwright.sync_api import expect

from reforms.choices import Category, ResponsibilityRole, Scope, TargetStatus
from reforms.tests.factories import BatchFactory, ReformFactory, ResponsibilityFactory, RolloutTargetFactory
from tracker.stats import views
from tracker.stats.services import stats_refresh
from tracker.stats.tests.factories import NOW, derive_obligations
from tracker.tests.factories import ReportingPeriodFactory
from units.tests.factories import CityFactory, UnitFactory, make_office_user, make_unit_user

from .phone import DESKTOP, PHONE, assert_fits_the_width, box

PASSWORD = "pass-1234-word"  # UserFactory's password
CITY_NAMES = [
    "济南",
    "青岛",
    "淄博",
    "枣庄",
    "东营",
    "烟台",
    "潍坊",
    "济宁",
    "泰安",
    "威海",
    "日照",
    "临沂",
    "德州",
    "聊城",
    "滨州",
    "菏泽",
]
MAX_PDF_BYTES = 2 * 1024 * 1024


@pytest.fixture
def first_batch(transactional_db, time_machine):
    """The first batch's shape: 38 reforms of six units over 16 cities; every third for three qualified cities only
    (the other 13 cells of its row are hatched), a few targets done since July, monthly reports all missing."""
    time_machine.move_to(NOW, tick=True)
    cities = [CityFactory(code=f"37{index + 1:02d}00", name=f"{name}市") for index, name in enumerate(CITY_NAMES)]
    units = [UnitFactory(name=f"省第{index + 1}厅") for index in range(6)]
    batch = BatchFactory(
        code="sdftz-1",
        title="山东自贸试验区第一批制度创新成果",
        issued_on=datetime.date(2026, 7, 15),
        default_deadline=datetime.date(2027, 6, 30),
    )
    for number in range(1, 39):
        qualified = number % 3 == 0
        reform = ReformFactory(
            batch=batch,
            category=Category.PILOT if number <= 20 else Category.BEST_PRACTICE,
            number=number,
            position=number,
            code=f"sdftz-1-{number:02d}",
            title=f"第{number}项 国际贸易“单一窗口”地方特色应用与推广",
            scope=Scope.QUALIFIED_CITIES if qualified else Scope.ALL_CITIES,
        )
        ResponsibilityFactory(reform=reform, unit=units[number % 6], role=ResponsibilityRole.LEAD)
        for index, city in enumerate(cities[:3] if qualified else cities):
            done = (number + index) % 7 == 0
            RolloutTargetFactory(
                reform=reform,
                city=city,
                status=TargetStatus.DONE if done else TargetStatus.IN_PROGRESS,
                status_changed_on=datetime.date(2026, 8 + (number + index) % 4, 10) if done else None,
            )
    for month in (8, 9, 10):
        ReportingPeriodFactory(
            batch=batch,
            code=f"2026-{month:02d}",
            label=f"2026年{month}月",
            starts_on=datetime.date(2026, month, 1),
            ends_on=datetime.date(2026, month, 28),
            due_on=datetime.date(2026, month + 1, 10),
        )
    derive_obligations(created_at=NOW - datetime.timedelta(days=60))
    stats_refresh()
    return {"units": units}


def trend_column_matches_the_count_axis(page) -> None:
    """The tallest column stands as high on the count axis (right) as its count: not read off the % axis."""
    chart = page.locator("#trend svg.trend-wide")
    ticks = chart.locator("text.axis-count")
    bottom, top = float(ticks.first.get_attribute("y")), float(ticks.last.get_attribute("y"))
    scale_top = int(ticks.last.text_content())
    columns = chart.locator("rect.column")
    tallest = max(range(columns.count()), key=lambda i: int(columns.nth(i).get_attribute("data-completed")))
    column = columns.nth(tallest)
    completed = int(column.get_attribute("data-completed"))
    assert completed > 0
    expected_y = bottom - (bottom - top) * completed / scale_top
    assert abs(float(column.get_attribute("y")) - expected_y) < 1


@pytest.mark.browser
def test_the_office_dashboard_at_a_desktops_width(
    browser, live_server, sign_in, first_batch, artifacts_dir, monkeypatch
):
    monkeypatch.setattr(views, "MISSING_ROWS", 30)
    make_office_user(username="office_dashboard")
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    try:
        sign_in(page, "office_dashboard", PASSWORD)
        page.goto(f"{live_server.url}/dashboard/")
        assert_fits_the_width(page)

        # The overdue list: the first 30 rows, and a link to all of them.
        missing_count = int(re.search(r"\d+", page.locator("#overdue h3").first.inner_text()).group())
        assert missing_count > 30
        expect(page.locator("#missing-reports tbody tr")).to_have_count(30)
        page.locator("#missing-more a").click()
        page.wait_for_url(re.compile(r"missing=all"))
        expect(page.locator("#missing-reports tbody tr")).to_have_count(missing_count)
        expect(page.locator("#obligations-link")).to_have_attribute("href", re.compile(r"state=overdue"))

        # The trend from the batch's issue date (July), monthly; counts on their own axis.
        expect(page.locator("#trend svg.trend-wide circle")).to_have_count(5)  # July to November
        expect(page.locator("#trend svg.trend-wide text").filter(has_text="2026-07")).to_have_count(1)
        trend_column_matches_the_count_axis(page)

        # The matrix: the reform column and the city header stay pinned while it scrolls.
        corner = page.locator("table.matrix thead th.reform")
        assert corner.evaluate("e => getComputedStyle(e).position") == "sticky"
        row_label = page.locator("table.matrix tbody th.reform").first
        assert row_label.evaluate("e => getComputedStyle(e).position") == "sticky"
        scroller = page.locator("#heatmap .scroll")
        before = box(row_label)
        scroller.evaluate("e => { e.scrollLeft = e.scrollWidth; e.scrollTop = 400; }")
        assert box(row_label)["x"] == pytest.approx(before["x"], abs=1)
        assert box(corner)["y"] == pytest.approx(box(scroller)["y"] + 1, abs=2)
        scroller.evaluate("e => { e.scrollLeft = 0; e.scrollTop = 0; }")
        page.screenshot(path=artifacts_dir / "dashboard-desktop.png", full_page=True)

        # On paper: A4 landscape, a few pages, under 2 MB (no hatching), no heading alone at a page's foot.
        page.goto(f"{live_server.url}/dashboard/")
        page.emulate_media(media="print")
        hatched = page.locator("td.cell.none").first
        assert hatched.evaluate("e => getComputedStyle(e).backgroundImage") == "none"
        for heading in ("h2", "h3"):
            assert page.locator(heading).first.evaluate("e => getComputedStyle(e).breakAfter") == "avoid"
        pdf = page.pdf(format="A4", landscape=True, print_background=True)
        (artifacts_dir / "dashboard-print.pdf").write_bytes(pdf)
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert len(pdf) < MAX_PDF_BYTES, f"{len(pdf)} bytes"
        assert 1 <= pages <= 8, f"{pages} pages"
        page.screenshot(path=artifacts_dir / "dashboard-desktop-print.png", full_page=True)
    finally:
        context.close()


@pytest.mark.browser
def test_the_dashboard_at_a_phones_width(browser, live_server, sign_in, first_batch, artifacts_dir):
    make_office_user(username="office_dashboard")
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        sign_in(page, "office_dashboard", PASSWORD)
        page.goto(f"{live_server.url}/dashboard/")
        assert_fits_the_width(page)
        # Legible charts: the unit bars are HTML text at the page's size, the trend is drawn for the narrow width.
        label = page.locator("#units .bar-label").first
        assert float(label.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 14
        expect(page.locator("#trend svg.trend-wide")).to_be_hidden()
        narrow = page.locator("#trend svg.trend-narrow")
        expect(narrow).to_be_visible()
        drawn, declared = box(narrow)["width"], float(narrow.get_attribute("width"))
        assert drawn / declared >= 0.9  # text drawn at ≥ 90 % of its 14 px
        # The matrix scrolls inside its box; its reform column stays in view.
        scroller = page.locator("#heatmap .scroll")
        row_label = page.locator("table.matrix tbody th.reform").first
        scroller.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
        assert box(row_label)["x"] == pytest.approx(box(scroller)["x"] + 1, abs=2)
        assert_fits_the_width(page)
        page.screenshot(path=artifacts_dir / "dashboard-phone.png", full_page=True)
    finally:
        context.close()


@pytest.mark.browser
def test_a_filter_error_reads_as_a_sentence(browser, live_server, sign_in, first_batch, artifacts_dir):
    make_unit_user(first_batch["units"][0], username="unit_reporter")
    other = first_batch["units"][1]
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        sign_in(page, "unit_reporter", PASSWORD)
        page.goto(f"{live_server.url}/dashboard/?unit_id={other.pk}")
        errors = page.locator("#filter-errors")
        expect(errors).to_be_visible()
        expect(errors).not_to_contain_text("unit_id")
        expect(errors).to_contain_text("本单位")
        expect(page.locator("#definitions")).not_to_contain_text("as_of")
        assert_fits_the_width(page)
        page.screenshot(path=artifacts_dir / "dashboard-phone-unit-error.png", full_page=True)
    finally:
        context.close()
