"""The office's lists at 1440 px and at a phone's width: the review queue, the report obligations and the reforms.
The reform's name gets room (not four characters a line), dates are not cut, nothing scrolls sideways on a phone.
Screenshots land in test-artifacts/browser/."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reforms.choices import ResponsibilityRole, Scope, TargetStatus
from reforms.tests.factories import BatchFactory, ReformFactory, ResponsibilityFactory, RolloutTargetFactory
from tracker import services
from tracker.models import ReportingPeriod
from tracker.reminders.models import Obligation
from units.tests.factories import CityFactory, UnitFactory, make_office_user, make_unit_user

from .phone import DESKTOP, PHONE, assert_fits_the_width, assert_inside_the_width, box

PASSWORD = "pass-1234-word"  # UserFactory's password
TITLES = [
    "国际贸易“单一窗口”地方特色应用",
    "大宗商品贸易企业诚信纳税用票“先调后核”模式",
    "国产医疗设备跨境融资租赁“走出去”新模式",
    "跨境电商零售进口退货中心仓模式",
]


@pytest.fixture
def queue(transactional_db):
    """Four reforms of two units, each with a submitted report waiting for review, and their obligations."""
    today = timezone.localdate()
    batch = BatchFactory(code="sdftz-1", title="山东自贸试验区第一批制度创新成果")
    city = CityFactory(code="370100", name="济南市")
    period = ReportingPeriod.objects.create(
        batch=batch,
        code="2026-10",
        label="2026年10月",
        starts_on="2026-10-01",
        ends_on="2026-10-31",
        due_on=today - datetime.timedelta(days=5),
    )
    units = [UnitFactory(name="中国人民银行山东省分行"), UnitFactory(name="省商务厅")]
    reporters = [make_unit_user(unit, username=f"reporter_{n}") for n, unit in enumerate(units)]
    for number, title in enumerate(TITLES, start=1):
        reform = ReformFactory(batch=batch, code=f"sdftz-1-b{number:02d}", title=title, scope=Scope.ALL_CITIES)
        unit, reporter = units[number % 2], reporters[number % 2]
        ResponsibilityFactory(reform=reform, unit=unit, role=ResponsibilityRole.LEAD)
        RolloutTargetFactory(reform=reform, city=city, status=TargetStatus.IN_PROGRESS)
        # Met, with a time in its column, as a submitted report's obligation is (the widest case of the list).
        Obligation.objects.create(reform=reform, unit=unit, period=period, due_on=period.due_on, met_at=timezone.now())
        report = services.report_create(user=reporter, reform=reform, period=period, data={"work_done": "已部署。"})
        services.report_submit(report=report, user=reporter)
    make_office_user(username="office_lists")


def assert_reads_as_lines(cell, *, least_characters: int) -> None:
    """The cell is wide enough for `least_characters` CJK characters a line (1 em each)."""
    width = box(cell)["width"]
    font = float(cell.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    assert width >= least_characters * font, f"{width} px is {width / font:.1f} characters of {font} px"


def assert_no_column_hidden(page) -> None:
    """The list's box does not scroll sideways: its last columns are on screen, not behind a scroll bar."""
    results = page.locator("#changelist .results")
    assert results.evaluate("e => e.scrollWidth <= e.clientWidth"), results.evaluate(
        "e => [e.scrollWidth, e.clientWidth]"
    )


def assert_not_cut(cell) -> None:
    """All of the cell's text is shown, on one line: nothing hidden by overflow, no wrap (the text's own height, as
    the cell is as tall as its row)."""
    assert cell.evaluate("e => e.scrollWidth <= e.clientWidth"), cell
    text_height, font = cell.evaluate(
        """e => { const r = document.createRange(); r.selectNodeContents(e);
                  return [r.getBoundingClientRect().height, parseFloat(getComputedStyle(e).fontSize)]; }"""
    )
    assert text_height < 2 * font, f"{text_height} px of text in {font} px type: wrapped"


def open_list(page, url: str, screenshot):
    """The list's rows, once all are there; the page saved as a screenshot and checked for sideways scrolling."""
    page.goto(url)
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(len(TITLES))
    page.screenshot(path=screenshot, full_page=True)
    assert_fits_the_width(page)
    return rows


@pytest.mark.browser
def test_the_review_queue_and_the_obligations_at_1440_px(browser, live_server, sign_in, queue, artifacts_dir):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    try:
        sign_in(page, "office_lists", PASSWORD)
        queue_url = f"{live_server.url}/admin/tracker/progressreport/?state=submitted"
        rows = open_list(page, queue_url, artifacts_dir / "lists-queue-desktop.png")
        assert_no_column_hidden(page)
        for index in range(len(TITLES)):
            assert_reads_as_lines(rows.nth(index).locator(".field-reform_title"), least_characters=14)
            assert_not_cut(rows.nth(index).locator(".field-submitted"))
            assert_inside_the_width(page, rows.nth(index).locator(".field-submitted"))

        rows = open_list(
            page, f"{live_server.url}/admin/reminders/obligation/", artifacts_dir / "lists-obligations-desktop.png"
        )
        assert_no_column_hidden(page)
        for index in range(len(TITLES)):
            assert_reads_as_lines(rows.nth(index).locator(".field-reform_code"), least_characters=16)
            assert_not_cut(rows.nth(index).locator(".field-due_on"))
    finally:
        context.close()


@pytest.mark.browser
def test_the_review_queue_and_the_obligations_on_a_phone(browser, live_server, sign_in, queue, artifacts_dir):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        sign_in(page, "office_lists", PASSWORD)
        queue_url = f"{live_server.url}/admin/tracker/progressreport/?state=submitted"
        rows = open_list(page, queue_url, artifacts_dir / "lists-queue-phone.png")
        for index in range(len(TITLES)):
            assert_inside_the_width(page, rows.nth(index).locator(".report-state"))
            assert_reads_as_lines(rows.nth(index).locator(".field-reform_title"), least_characters=14)

        rows = open_list(
            page, f"{live_server.url}/admin/reminders/obligation/", artifacts_dir / "lists-obligations-phone.png"
        )
        due = rows.first.locator(".field-due_on")
        assert_inside_the_width(page, due)
        assert due.evaluate("e => getComputedStyle(e, '::before').content").startswith('"报送截止日期')
    finally:
        context.close()
