"""Filing from a phone (390 px, touch), where unit reporters file: the report form's city lines as cards, the report
list without sideways scrolling, the unit and period picked for the reporter, a returned report read and submitted
again. Then the office's review page, at a desktop's width and a phone's, with the decision and its facts first.

Every page is checked for layout (no sideways scroll, elements on screen, tap targets) and saved as a screenshot in
test-artifacts/browser/ for a person to look at.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reforms.choices import ResponsibilityRole, Scope, TargetStatus
from reforms.tests.factories import BatchFactory, ReformFactory, ResponsibilityFactory, RolloutTargetFactory
from tracker import services
from tracker.models import ProgressReport, ReportingPeriod
from tracker.reminders.models import Obligation
from units.tests.factories import CityFactory, UnitFactory, make_office_user, make_unit_user

from .phone import (
    DESKTOP,
    PHONE,
    assert_above_the_fold,
    assert_fits_the_width,
    assert_inside_the_width,
    assert_tap_target,
    box,
)

PASSWORD = "pass-1234-word"  # UserFactory's password
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CITIES = [
    ("370100", "济南市"),
    ("370200", "青岛市"),
    ("370300", "淄博市"),
    ("370600", "烟台市"),
    ("370700", "潍坊市"),
    ("371000", "威海市"),
]


@pytest.fixture
def filing(transactional_db, settings, tmp_path):
    """A reform of 省商务厅 over six cities, two monthly periods: October's report is filed, November's is owed and
    overdue (due 19 days ago). The reporter belongs to 省商务厅 only."""
    settings.MEDIA_ROOT = tmp_path / "media"
    today = timezone.localdate()
    batch = BatchFactory(code="sdftz-1", title="山东自贸试验区第一批制度创新成果", issued_on=datetime.date(2026, 7, 1))
    commerce = UnitFactory(name="省商务厅")
    reform = ReformFactory(
        batch=batch, code="sdftz-1-p01", title="国际贸易“单一窗口”地方特色应用", scope=Scope.ALL_CITIES
    )
    ResponsibilityFactory(reform=reform, unit=commerce, role=ResponsibilityRole.LEAD)
    cities = [CityFactory(code=code, name=name) for code, name in CITIES]
    for city in cities:
        RolloutTargetFactory(reform=reform, city=city, status=TargetStatus.NOT_STARTED)
    october = ReportingPeriod.objects.create(
        batch=batch,
        code="2026-10",
        label="2026年10月",
        starts_on="2026-10-01",
        ends_on="2026-10-31",
        due_on=today - datetime.timedelta(days=40),
    )
    november = ReportingPeriod.objects.create(
        batch=batch,
        code="2026-11",
        label="2026年11月",
        starts_on="2026-11-01",
        ends_on="2026-11-30",
        due_on=today - datetime.timedelta(days=19),
    )
    for period in (october, november):
        Obligation.objects.create(reform=reform, unit=commerce, period=period, due_on=period.due_on)
    reporter = make_unit_user(commerce, username="commerce_reporter")
    office = make_office_user(username="office_reviewer")
    filed = services.report_create(user=reporter, reform=reform, period=october, data={"work_done": "已部署。"})
    services.report_submit(report=filed, user=reporter)
    return {"reform": reform, "november": november, "reporter": reporter, "office": office}


@pytest.mark.browser
def test_a_reporter_files_reads_the_return_and_resubmits_on_a_phone(
    browser, live_server, sign_in, filing, artifacts_dir
):
    reform, november = filing["reform"], filing["november"]
    admin = f"{live_server.url}/admin"
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        sign_in(page, "commerce_reporter", PASSWORD)
        assert_fits_the_width(page)
        assert_tap_target(page.locator("#logout-form button"))
        page.goto(f"{admin}/tracker/progressreport/add/")
        page.locator("#id_reform").select_option(str(reform.pk))
        page.wait_for_url(re.compile(r"reform=\d+"))

        # One unit of theirs is responsible and November is what it owes: both picked already.
        expect(page.locator("#id_unit")).to_have_value(str(reform.responsibilities.get().unit_id))
        expect(page.locator("#id_period")).to_have_value(str(november.pk))
        expect(page.locator("#id_period option")).to_have_count(3)  # "---------", October, November

        # The city lines are cards: nothing scrolls sideways, the city stays above its status and note.
        lines = page.locator("#city_lines-group tr.form-row:not(.empty-form)")
        expect(lines).to_have_count(len(CITIES))
        assert_fits_the_width(page)
        city = page.locator("#id_city_lines-3-city")
        expect(city).to_be_disabled()
        assert city.evaluate("e => getComputedStyle(e).appearance") == "none"  # no arrow: it cannot be opened
        status, note = page.locator("#id_city_lines-3-status"), page.locator("#id_city_lines-3-note")
        for field in (city, status, note):
            assert_inside_the_width(page, field)
        assert box(city)["y"] < box(status)["y"] < box(note)["y"]
        assert_tap_target(status)
        assert_tap_target(page.locator("#id_reform"))
        page.locator("#id_status").select_option(TargetStatus.IN_PROGRESS)
        page.locator("#id_percent").fill("40")
        page.locator("#id_work_done").fill("印发全省推广实施方案，济南、青岛两市完成系统对接。")
        page.locator("#id_city_lines-1-status").select_option(TargetStatus.IN_PROGRESS)
        status.select_option(TargetStatus.NOT_APPLICABLE)
        note.tap()
        note.fill("烟台市无国际贸易单一窗口地方业务。")
        # Typing in the note scrolls nothing sideways: the city and the status are still where they were.
        assert page.evaluate("window.scrollX") == 0
        assert_inside_the_width(page, city)
        # The file field offers what the check accepts: a phone then offers its camera (JPEG) and its documents.
        accept = page.locator("#id_uploads-0-upload").get_attribute("accept").split(",")
        assert {".jpg", ".jpeg", ".png", ".pdf", ".docx"} <= set(accept)
        page.locator("#id_uploads-0-upload").set_input_files(
            files=[{"name": "现场照片.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        page.screenshot(path=artifacts_dir / "phone-1-report-form.png", full_page=True)
        assert_tap_target(page.locator("input[name=_submit]"))
        page.locator("input[name=_submit]").click()
        report = ProgressReport.objects.get(period=november)
        page.wait_for_url(f"{admin}/tracker/progressreport/{report.pk}/change/")
        expect(page.locator("#report-banner .report-state")).to_have_text("已提交")
        assert_fits_the_width(page)
        page.screenshot(path=artifacts_dir / "phone-2-report-submitted.png", full_page=True)

        # The list: a card per report, its state on screen.
        page.goto(f"{admin}/tracker/progressreport/")
        expect(page.locator("#result_list tbody tr")).to_have_count(2)
        assert_fits_the_width(page)
        for row in range(2):
            assert_inside_the_width(page, page.locator("#result_list tbody tr").nth(row).locator(".report-state"))
        title = page.locator("#result_list tbody tr").first.locator(".field-reform_title")
        assert box(title)["width"] >= 250  # the reform's name reads as a line, not two characters at a time
        assert_tap_target(page.locator("#changelist .actions select"))
        page.screenshot(path=artifacts_dir / "phone-3-report-list.png", full_page=True)

        # The office returns it; the reporter reads why, corrects and submits again, all on the phone.
        report.refresh_from_db()
        services.report_return(report=report, user=filing["office"], comment="青岛市推进情况缺少佐证材料，请补充。")
        page.goto(f"{admin}/tracker/progressreport/{report.pk}/change/")
        expect(page.locator("#report-banner .report-state")).to_have_text("已退回")
        assert_above_the_fold(page, page.locator("#review-comment"))
        assert_fits_the_width(page)
        page.screenshot(path=artifacts_dir / "phone-4-report-returned.png", full_page=True)
        page.locator("#id_city_lines-1-status").select_option(TargetStatus.DONE)
        page.locator("#id_percent").fill("60")
        page.locator("input[name=_submit]").click()
        page.wait_for_url(f"{admin}/tracker/progressreport/{report.pk}/change/")
        expect(page.locator("#report-banner .report-state")).to_have_text("已提交")
        assert_fits_the_width(page)
        page.screenshot(path=artifacts_dir / "phone-5-report-resubmitted.png", full_page=True)
        # The history: the comment column is readable (not ~56 px).
        comment = page.locator("#transitions-group td.field-comment").filter(has_text="佐证材料")
        assert box(comment)["width"] >= 250
    finally:
        context.close()
    report.refresh_from_db()
    assert (report.revision, report.percent) == (2, 60)


@pytest.mark.browser
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_review_page_puts_the_decision_and_its_facts_first(
    browser, live_server, sign_in, filing, artifacts_dir, device
):
    reform, november, reporter = filing["reform"], filing["november"], filing["reporter"]
    report = services.report_create(user=reporter, reform=reform, period=november, data={"work_done": "已部署。"})
    report = services.report_submit(report=report, user=reporter)
    report = services.report_return(report=report, user=filing["office"], comment="请补充青岛市材料。")
    qingdao = report.city_lines.get(city__name="青岛市").city
    services.report_update(
        report=report,
        user=reporter,
        version=report.version,
        data={"status": TargetStatus.IN_PROGRESS, "percent": 50},
        city_lines=[services.CityLineInput(city=qingdao, status=TargetStatus.DONE, note="")],
    )
    report.refresh_from_db()
    services.report_submit(report=report, user=reporter)

    context = browser.new_context(**(PHONE if device == "phone" else DESKTOP))
    page = context.new_page()
    try:
        sign_in(page, "office_reviewer", PASSWORD)
        page.goto(f"{live_server.url}/admin/tracker/progressreport/{report.pk}/change/")
        facts = page.locator("#review-facts")
        expect(page.locator("#review-due-on")).to_have_text(f"{november.due_on:%Y-%m-%d}")
        expect(page.locator("#review-days-late")).to_have_text("逾期 19 天")
        expect(page.locator("#review-changes")).to_contain_text("总体进度：推进中 0% → 推进中 50%")
        expect(page.locator("#review-changes")).to_contain_text("青岛市：未开始 → 已完成")
        # The decision comes before the report it decides on, on screen without scrolling.
        assert_above_the_fold(page, page.locator("#review-form input[name=_approve]"))
        assert_above_the_fold(page, page.locator("#review-form input[name=_return]"))
        assert_above_the_fold(page, facts)
        assert box(page.locator("#review-form"))["y"] < box(page.locator("#city_lines-group"))["y"]
        assert_tap_target(page.locator("#review-form input[name=_approve]"))
        assert_fits_the_width(page)
        page.screenshot(path=artifacts_dir / f"review-{device}.png", full_page=True)
    finally:
        context.close()
