"""A progress report's whole life in a real browser: a unit reporter files and submits it with its city lines and a
PDF, the office returns it with a comment, the reporter corrects and resubmits it, the office approves it, and the
reform's rollout targets take the reported status.

Two people, two browser contexts (two sessions) side by side. Screenshots land in test-artifacts/browser/.
"""

import re

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from reforms.choices import ResponsibilityRole, Scope, TargetStatus
from reforms.models import RolloutTarget
from reforms.tests.factories import BatchFactory, ReformFactory, ResponsibilityFactory, RolloutTargetFactory
from tracker.choices import ReportState
from tracker.models import ProgressReport, ReportingPeriod
from units.tests.factories import CityFactory, UnitFactory, make_office_user, make_unit_user

PASSWORD = "pass-1234-word"  # UserFactory's password
# A small file that is a PDF by its content, as the upload check wants.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def zh(message: str) -> str:
    """What the Chinese admin shows for `message` (the English msgid until the .po file translates it)."""
    with translation.override("zh-hans"):
        return gettext(message)


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    """One reform of 省商务厅 targeting three cities, a period to report on, a reporter and an office reviewer."""
    settings.MEDIA_ROOT = tmp_path / "media"
    batch = BatchFactory(code="sdftz-1", title="山东自贸试验区第一批制度创新成果")
    commerce = UnitFactory(name="省商务厅")
    reform = ReformFactory(
        batch=batch, code="sdftz-1-p01", title="国际贸易“单一窗口”地方特色应用", scope=Scope.ALL_CITIES
    )
    ResponsibilityFactory(reform=reform, unit=commerce, role=ResponsibilityRole.LEAD)
    cities = [
        CityFactory(code=code, name=name)
        for code, name in [("370100", "济南市"), ("370200", "青岛市"), ("370600", "烟台市")]
    ]
    for city in cities:
        RolloutTargetFactory(reform=reform, city=city, status=TargetStatus.NOT_STARTED)
    period = ReportingPeriod.objects.create(
        batch=batch,
        code="2026-11",
        label="2026年11月",
        starts_on="2026-11-01",
        ends_on="2026-11-30",
        due_on="2026-12-05",
    )
    make_unit_user(commerce, username="commerce_reporter")
    make_office_user(username="office_reviewer")
    return {"reform": reform, "period": period, "cities": cities}


def status_select(page, row: int):
    return page.locator(f"#id_city_lines-{row}-status")


@pytest.mark.browser
def test_a_report_goes_from_filing_through_return_to_approval(
    page, browser, browser_context_args, live_server, sign_in, world, artifacts_dir
):
    reform, period = world["reform"], world["period"]
    admin = f"{live_server.url}/admin"
    office_context = browser.new_context(**browser_context_args)
    office = office_context.new_page()
    try:
        # The reporter files the report: reform first, which lists its target cities as rows.
        sign_in(page, "commerce_reporter", PASSWORD)
        page.goto(f"{admin}/tracker/progressreport/add/")
        page.locator("#id_reform").select_option(str(reform.pk))
        page.wait_for_url(re.compile(r"reform=\d+"))
        expect(page.locator("#city_lines-group")).to_contain_text("济南市")
        expect(page.locator("#city_lines-group")).to_contain_text("烟台市")
        page.locator("#id_period").select_option(str(period.pk))
        page.locator("#id_status").select_option(TargetStatus.IN_PROGRESS)
        page.locator("#id_percent").fill("60")
        page.locator("#id_work_done").fill("印发全省推广实施方案，济南、青岛两市完成系统对接。")
        page.locator("#id_problems").fill("烟台市暂无相关业务。")
        page.locator("#id_next_steps").fill("年底前在青岛市全面推开。")
        status_select(page, 0).select_option(TargetStatus.DONE)  # 济南市
        status_select(page, 1).select_option(TargetStatus.IN_PROGRESS)  # 青岛市
        status_select(page, 2).select_option(TargetStatus.NOT_APPLICABLE)  # 烟台市
        page.locator("#id_city_lines-2-note").fill("烟台市无国际贸易单一窗口地方业务。")
        page.locator("#id_uploads-0-upload").set_input_files(
            files=[{"name": "推广实施方案.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        page.screenshot(path=artifacts_dir / "report-flow-1-reporter-files.png", full_page=True)
        page.locator("input[name=_submit]").click()

        report = ProgressReport.objects.get()
        page.wait_for_url(f"{admin}/tracker/progressreport/{report.pk}/change/")
        expect(page.locator("#report-banner .report-state")).to_have_text("已提交")
        expect(page.locator("#attachments-group")).to_contain_text("推广实施方案.pdf")
        expect(page.locator("input[name=_save]")).to_have_count(0)
        page.screenshot(path=artifacts_dir / "report-flow-2-reporter-submitted.png", full_page=True)

        # The office opens its review queue and returns the report with a comment (action and confirmation page).
        sign_in(office, "office_reviewer", PASSWORD)
        office.locator("#content-main tr.model-progressreport th a").click()
        expect(office.locator("#content h1")).to_have_text(zh("Reports waiting for review, oldest first"))
        rows = office.locator("#result_list tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first.locator(".report-state")).to_have_text("已提交")
        office.screenshot(path=artifacts_dir / "report-flow-3-office-queue.png", full_page=True)
        rows.first.locator("input.action-select").check()
        office.locator("select[name=action]").select_option("return_reports")
        office.locator("#changelist-form button[name=index]").click()
        expect(office.locator("#reports-to-return")).to_contain_text(reform.title)
        office.locator("#id_comment").fill("青岛市推进情况缺少佐证材料，请补充系统对接验收文件。")
        office.screenshot(path=artifacts_dir / "report-flow-4-office-returns.png", full_page=True)
        office.locator("#return-form input[type=submit]").click()
        expect(office.locator(".messagelist .success")).to_be_visible()
        expect(office.locator("#result_list tbody tr")).to_have_count(0)

        # The reporter sees the comment, corrects the report and submits it again.
        page.goto(f"{admin}/tracker/progressreport/{report.pk}/change/")
        expect(page.locator("#report-banner .report-state")).to_have_text("已退回")
        expect(page.locator("#review-comment")).to_have_text("青岛市推进情况缺少佐证材料，请补充系统对接验收文件。")
        page.screenshot(path=artifacts_dir / "report-flow-5-reporter-returned.png", full_page=True)
        page.locator("#id_work_done").fill("印发全省推广实施方案，济南、青岛两市完成系统对接并通过验收。")
        page.locator("#id_percent").fill("80")
        status_select(page, 1).select_option(TargetStatus.DONE)
        page.locator("#id_uploads-0-upload").set_input_files(
            files=[{"name": "青岛市验收报告.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        page.locator("input[name=_submit]").click()
        page.wait_for_url(f"{admin}/tracker/progressreport/{report.pk}/change/")
        expect(page.locator("#report-banner .report-state")).to_have_text("已提交")

        # The office opens it from the queue, reads its history and approves it on its page.
        office.goto(f"{admin}/tracker/progressreport/")
        office.get_by_role("link", name=reform.title).click()
        expect(office.locator("#transitions-group tbody tr.has_original")).to_have_count(4)
        expect(office.locator("#revisions-group tbody tr.has_original")).to_have_count(2)
        office.locator("#id_review_comment").fill("同意。")
        office.screenshot(path=artifacts_dir / "report-flow-6-office-reviews.png", full_page=True)
        office.locator("#review-form input[name=_approve]").click()
        office.wait_for_url(f"{admin}/tracker/progressreport/")
        expect(office.locator(".messagelist .success")).to_be_visible()
        office.goto(f"{admin}/tracker/progressreport/{report.pk}/change/")
        expect(office.locator("#report-banner .report-state")).to_have_text("已通过")
        office.screenshot(path=artifacts_dir / "report-flow-7-approved.png", full_page=True)
    finally:
        office_context.close()

    report.refresh_from_db()
    assert (report.state, report.revision, report.percent) == (ReportState.APPROVED, 2, 80)
    assert sorted(report.attachments.values_list("original_name", flat=True)) == [
        "推广实施方案.pdf",
        "青岛市验收报告.pdf",
    ]
    targets = {t.city.name: t for t in RolloutTarget.objects.filter(reform=reform).select_related("city")}
    assert {name: t.status for name, t in targets.items()} == {
        "济南市": TargetStatus.DONE,
        "青岛市": TargetStatus.DONE,
        "烟台市": TargetStatus.NOT_APPLICABLE,
    }
    assert targets["烟台市"].not_applicable_reason == "烟台市无国际贸易单一窗口地方业务。"
    assert {t.status_changed_on for t in targets.values()} == {timezone.localdate()}
