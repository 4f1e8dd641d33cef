"""Issue 12 in a real browser: the cities and the lead unit.

(a) The city 青岛 files a submission with an evidence file, the lead unit confirms it, the lead's report for the
    period shows the city's line prefilled, the lead submits the report, the office approves it and the dashboard's
    reform × city matrix shows 青岛 done.
(b) 青岛 applies for a 有条件的市 item, the lead unit gives its opinion, the office approves and 青岛 is a target.

Three people, three browser contexts. Screenshots (1440 px) land in test-artifacts/browser/.
"""

import re

import pytest
from playwright.sync_api import expect

from reforms.choices import ResponsibilityRole, Scope, TargetStatus
from reforms.models import RolloutTarget
from reforms.tests.factories import BatchFactory, ReformFactory, ResponsibilityFactory, RolloutTargetFactory
from tracker import services as reports
from tracker.choices import ReportState
from tracker.cities.models import CityApplication, CitySubmission
from tracker.cities.tests.factories import make_city_user
from tracker.models import ProgressReport, ReportingPeriod
from tracker.stats.services import stats_refresh
from units.tests.factories import CityFactory, UnitFactory, make_office_user, make_unit_user

from .phone import DESKTOP

PASSWORD = "pass-1234-word"  # UserFactory's password
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    """省商务厅 leads a 全省 item (targets 济南, 青岛) and a 有条件的市 item (no target yet); a period to report on;
    the lead's draft report for it; a 青岛 city reporter, a 省商务厅 reporter and an office reviewer."""
    settings.MEDIA_ROOT = tmp_path / "media"
    batch = BatchFactory(code="sdftz-1", title="山东自贸试验区第一批制度创新成果")
    commerce = UnitFactory(name="省商务厅")
    jinan, qingdao = CityFactory(code="370100", name="济南"), CityFactory(code="370200", name="青岛")
    reform = ReformFactory(
        batch=batch, code="sdftz-1-p01", title="国际贸易“单一窗口”地方特色应用", scope=Scope.ALL_CITIES
    )
    qualified = ReformFactory(
        batch=batch, code="sdftz-1-b06", title="件杂货出口监管新模式", scope=Scope.QUALIFIED_CITIES
    )
    for item in (reform, qualified):
        ResponsibilityFactory(reform=item, unit=commerce, role=ResponsibilityRole.LEAD)
    for city in (jinan, qingdao):
        RolloutTargetFactory(reform=reform, city=city, status=TargetStatus.NOT_STARTED)
    period = ReportingPeriod.objects.create(
        batch=batch,
        code="2026-11",
        label="2026年11月",
        starts_on="2026-11-01",
        ends_on="2026-11-30",
        due_on="2026-12-05",
    )
    lead = make_unit_user(commerce, username="commerce_reporter")
    make_office_user(username="office_reviewer")
    make_city_user(qingdao, username="qingdao_reporter")
    # The lead unit has started its report for the period (its city lines follow the targets: 未开始).
    report = reports.report_create(
        user=lead,
        reform=reform,
        period=period,
        unit=commerce,
        data={"status": TargetStatus.IN_PROGRESS, "percent": 50, "work_done": "印发全省推广实施方案。"},
    )
    stats_refresh()
    return {"reform": reform, "qualified": qualified, "period": period, "report": report, "qingdao": qingdao}


@pytest.fixture
def people(browser, live_server, sign_in):
    """people(name) → a signed-in page of its own browser context (1440 px wide)."""
    contexts = []

    def open_as(username: str):
        context = browser.new_context(**DESKTOP)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, username, PASSWORD)
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.mark.browser
def test_a_city_submission_is_confirmed_prefilled_approved_and_reaches_the_matrix(
    people, live_server, world, artifacts_dir
):
    admin = f"{live_server.url}/admin"
    reform, report, qingdao = world["reform"], world["report"], world["qingdao"]
    target = RolloutTarget.objects.get(reform=reform, city=qingdao)

    # The city files its submission with an evidence file and submits it in the same save.
    city = people("qingdao_reporter")
    city.goto(f"{admin}/cities/citysubmission/add/")
    expect(city.locator("#content h1")).to_contain_text("城市报送")
    city.locator("#id_target").select_option(str(target.pk))
    city.locator("#id_period").select_option(str(world["period"].pk))
    city.locator("#id_status").select_option(TargetStatus.DONE)
    city.locator("#id_work_done").fill("青岛片区已按新流程全面办理业务，系统已上线运行。")
    city.locator("#id_evidence_file").set_input_files(
        files=[{"name": "青岛市实施方案.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    city.locator("#id_submit_now").check()
    city.screenshot(path=artifacts_dir / "city-flow-1-city-files.png", full_page=True)
    city.locator("input[name=_save]").click()
    expect(city.locator(".messagelist .success")).to_be_visible()
    row = city.locator("#result_list tbody tr")
    expect(row).to_have_count(1)
    expect(row.first).to_contain_text("已提交")
    city.screenshot(path=artifacts_dir / "city-flow-2-city-list.png", full_page=True)
    submission = CitySubmission.objects.get()

    # The lead unit opens it from its list and confirms it on its page.
    lead = people("commerce_reporter")
    lead.goto(f"{admin}/cities/citysubmission/")
    lead.locator("#result_list tbody tr th a").first.click()
    lead.wait_for_url(f"{admin}/cities/citysubmission/{submission.pk}/change/")
    expect(lead.locator("#content-main")).to_contain_text("青岛市实施方案.pdf")
    lead.locator("#id_decision").select_option("confirm")
    lead.locator("#id_comment").fill("情况属实。")
    lead.screenshot(path=artifacts_dir / "city-flow-3-lead-confirms.png", full_page=True)
    lead.locator("input[name=_save]").click()
    expect(lead.locator(".messagelist .success")).to_be_visible()
    expect(lead.locator("#result_list tbody tr").first).to_contain_text("已确认")

    # The lead's report for the period now carries 青岛's word (济南 stays as it was) and goes to the office.
    lead.goto(f"{admin}/tracker/progressreport/{report.pk}/change/")
    lines = {
        lead.locator(f"#id_city_lines-{n}-city option:checked").inner_text().strip(): lead.locator(
            f"#id_city_lines-{n}-status"
        ).input_value()
        for n in range(2)
    }
    assert lines == {"济南": TargetStatus.NOT_STARTED, "青岛": TargetStatus.DONE}
    lead.screenshot(path=artifacts_dir / "city-flow-4-lead-report-prefilled.png", full_page=True)
    lead.locator("input[name=_submit]").click()
    lead.wait_for_url(f"{admin}/tracker/progressreport/{report.pk}/change/")
    expect(lead.locator("#report-banner .report-state")).to_have_text("已提交")

    # The office approves the report on its page; the matrix shows 青岛 done.
    office = people("office_reviewer")
    office.goto(f"{live_server.url}/dashboard/")
    cell = office.locator(f"tr[data-reform='{reform.code}'] td.cell").nth(1)
    expect(cell).to_have_text("未开始")
    office.goto(f"{admin}/tracker/progressreport/{report.pk}/change/")
    office.locator("#id_review_comment").fill("同意。")
    office.locator("#review-form input[name=_approve]").click()
    office.wait_for_url(f"{admin}/tracker/progressreport/")
    expect(office.locator(".messagelist .success")).to_be_visible()
    office.goto(f"{live_server.url}/dashboard/")
    expect(office.locator("table.matrix thead th.city").nth(1)).to_contain_text("青岛")
    expect(cell).to_have_text("已完成")
    expect(cell).to_have_class(re.compile(r"\bdone\b"))
    office.locator("#heatmap").screenshot(path=artifacts_dir / "city-flow-5-matrix.png")

    report.refresh_from_db()
    target.refresh_from_db()
    assert report.state == ReportState.APPROVED
    assert target.status == TargetStatus.DONE
    assert RolloutTarget.objects.get(reform=reform, city__name="济南").status == TargetStatus.NOT_STARTED
    assert list(submission.evidence.values_list("original_name", flat=True)) == ["青岛市实施方案.pdf"]
    assert ProgressReport.objects.count() == 1


@pytest.mark.browser
def test_a_city_applies_for_a_conditional_item_and_becomes_a_target(people, live_server, world, artifacts_dir):
    admin = f"{live_server.url}/admin"
    qualified, qingdao = world["qualified"], world["qingdao"]

    city = people("qingdao_reporter")
    city.goto(f"{admin}/cities/cityapplication/add/")
    city.locator("#id_reform").select_option(str(qualified.pk))
    city.locator("#id_city").select_option(str(qingdao.pk))
    city.locator("#id_conditions_met").fill("青岛港件杂货吞吐量居全省首位，监管场所已具备条件。")
    city.locator("#id_reason").fill("本市外贸企业需求迫切，申请纳入推广范围。")
    city.locator("#id_evidence_file").set_input_files(
        files=[{"name": "青岛港条件说明.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    city.screenshot(path=artifacts_dir / "city-apply-1-city-applies.png", full_page=True)
    city.locator("input[name=_save]").click()
    expect(city.locator(".messagelist .success")).to_be_visible()
    expect(city.locator("#result_list tbody tr")).to_have_count(1)
    application = CityApplication.objects.get()
    assert list(application.evidence.values_list("original_name", flat=True)) == ["青岛港条件说明.pdf"]

    lead = people("commerce_reporter")
    lead.goto(f"{admin}/cities/cityapplication/{application.pk}/change/")
    lead.locator("#id_opinion").select_option("support")
    lead.locator("#id_comment").fill("青岛市具备承接条件，同意。")
    lead.screenshot(path=artifacts_dir / "city-apply-2-lead-opinion.png", full_page=True)
    lead.locator("input[name=_save]").click()
    expect(lead.locator(".messagelist .success")).to_be_visible()

    office = people("office_reviewer")
    office.goto(f"{admin}/cities/cityapplication/")
    office.get_by_role("link", name=qualified.title).click()
    office.wait_for_url(f"{admin}/cities/cityapplication/{application.pk}/change/")
    expect(office.locator("#content-main")).to_contain_text("青岛市具备承接条件，同意。")
    office.locator("#id_decision").select_option("approve")
    office.locator("#id_comment").fill("同意纳入推广范围。")
    office.screenshot(path=artifacts_dir / "city-apply-3-office-decides.png", full_page=True)
    office.locator("input[name=_save]").click()
    expect(office.locator(".messagelist .success")).to_be_visible()
    expect(office.locator("#result_list tbody tr").first).to_contain_text("已通过")

    # 青岛 is now among the item's target cities, on the item's page and in the city's own filing form.
    office.goto(f"{admin}/reforms/reform/{qualified.pk}/change/")
    expect(office.locator("#targets-group")).to_contain_text("青岛")
    office.screenshot(path=artifacts_dir / "city-apply-4-reform-targets.png", full_page=True)
    city.goto(f"{admin}/cities/citysubmission/add/")
    expect(city.locator("#id_target")).to_contain_text(f"{qualified.code} {qualified.title} · 青岛")

    application.refresh_from_db()
    assert application.state == "approved"
    assert application.target == RolloutTarget.objects.get(reform=qualified, city=qingdao)
