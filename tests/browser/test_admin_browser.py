"""The admin in a real browser: the office and a unit reporter sign in and work with the reform list.

Screenshots land in test-artifacts/browser/ for a person to look at (the Chinese must render as text, not boxes).
"""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from playwright.sync_api import expect

from core.access import GROUP_PERMISSIONS
from reforms.choices import Category, ResponsibilityRole, Scope, TargetStatus
from reforms.tests.factories import BatchFactory, ReformFactory, ResponsibilityFactory, RolloutTargetFactory
from units.choices import UnitKind
from units.tests.factories import CityFactory, UnitFactory, make_office_user, make_unit_user

from .phone import PHONE, assert_above_the_fold, assert_fits_the_width, assert_inside_the_width, assert_tap_target

PASSWORD = "pass-1234-word"  # UserFactory's password


@pytest.fixture
def first_batch(transactional_db):
    """A small first batch: three reforms across two units and three cities, one still to verify."""
    batch = BatchFactory(code="sdftz-1", title="山东自贸试验区第一批制度创新成果")
    cities = {
        name: CityFactory(code=code, name=name)
        for code, name in [("370100", "济南市"), ("370200", "青岛市"), ("370600", "烟台市")]
    }
    commerce = UnitFactory(name="省商务厅", short_en="Dept. of Commerce")
    customs = UnitFactory(name="青岛海关", short_en="Qingdao Customs", kind=UnitKind.CENTRAL_AGENCY)
    justice = UnitFactory(name="省司法厅", short_en="Dept. of Justice")

    window = ReformFactory(
        batch=batch,
        category=Category.PILOT,
        number=1,
        code="sdftz-1-p01",
        title="国际贸易“单一窗口”地方特色应用",
        scope=Scope.ALL_CITIES,
    )
    ResponsibilityFactory(reform=window, unit=commerce, role=ResponsibilityRole.LEAD, position=0)
    ResponsibilityFactory(reform=window, unit=customs, role=ResponsibilityRole.CO, position=1)
    for name, city in cities.items():
        status = TargetStatus.DONE if name == "青岛市" else TargetStatus.IN_PROGRESS
        RolloutTargetFactory(reform=window, city=city, status=status)

    returns = ReformFactory(
        batch=batch,
        category=Category.BEST_PRACTICE,
        number=1,
        code="sdftz-1-b01",
        title="跨境电商零售进口退货中心仓模式",
        content="在海关特殊监管区域内设立退货中心仓。",
        scope=Scope.QUALIFIED_CITIES,
    )
    ResponsibilityFactory(reform=returns, unit=customs, role=ResponsibilityRole.LEAD, position=0)
    RolloutTargetFactory(reform=returns, city=cities["青岛市"])

    arbitration = ReformFactory(
        batch=batch,
        category=Category.BEST_PRACTICE,
        number=2,
        code="sdftz-1-b02",
        title="涉外商事纠纷多元化解机制",
        scope=Scope.UNVERIFIED,
        needs_verification=True,
        verification_note="扫描件中推广范围一栏缺失，请与纸质原件核对。",
    )
    ResponsibilityFactory(reform=arbitration, unit=justice, role=ResponsibilityRole.LEAD, position=0)
    return {"window": window, "returns": returns, "arbitration": arbitration, "customs": customs}


def result_rows(page):
    return page.locator("#result_list tbody tr")


@pytest.mark.browser
def test_the_office_filters_searches_and_opens_a_reform(page, live_server, sign_in, first_batch, artifacts_dir):
    make_office_user(username="office_browser")
    page.goto(f"{live_server.url}/admin/login/")
    expect(page.locator("#site-name")).to_have_text("山东自贸试验区制度创新成果复制推广跟踪")
    expect(page.locator("#language-switcher button[value=en]")).to_be_visible()
    page.screenshot(path=artifacts_dir / "login.png")
    sign_in(page, "office_browser", PASSWORD)

    page.locator("#content-main tr.model-reform th a").click()
    expect(page.locator("h1")).to_have_text("选择 改革事项 来修改")
    expect(result_rows(page)).to_have_count(3)
    page.screenshot(path=artifacts_dir / "office-reform-list.png", full_page=True)

    page.locator("#changelist-filter").get_by_role("link", name="改革试点经验").click()
    expect(result_rows(page)).to_have_count(1)
    expect(result_rows(page).first).to_contain_text("国际贸易“单一窗口”地方特色应用")

    page.goto(f"{live_server.url}/admin/reforms/reform/")
    page.locator("#searchbar").fill("退货中心仓")
    page.locator("#searchbar").press("Enter")
    expect(result_rows(page)).to_have_count(1)
    expect(result_rows(page).first).to_contain_text("跨境电商零售进口退货中心仓模式")

    page.goto(f"{live_server.url}/admin/reforms/reform/")
    page.get_by_role("link", name="国际贸易“单一窗口”地方特色应用").click()
    units = page.locator("#responsibilities-group .select2-selection__rendered")
    expect(units).to_have_text(["省商务厅", "青岛海关"])
    cities = page.locator("#targets-group .select2-selection__rendered")
    expect(cities).to_have_text(["济南市", "青岛市", "烟台市"])
    expect(page.locator("#id_responsibilities-0-role")).to_have_value(ResponsibilityRole.LEAD)
    page.screenshot(path=artifacts_dir / "office-reform-change.png", full_page=True)

    page.goto(f"{live_server.url}/admin/reforms/reform/{first_batch['arbitration'].pk}/change/")
    expect(page.locator("#verification-note")).to_contain_text("扫描件中推广范围一栏缺失")
    page.screenshot(path=artifacts_dir / "office-reform-to-verify.png")


@pytest.mark.browser
def test_a_unit_reporter_sees_only_their_units_reforms(page, live_server, sign_in, first_batch, artifacts_dir):
    make_unit_user(first_batch["customs"], username="customs_reporter")
    sign_in(page, "customs_reporter", PASSWORD)

    page.locator("#content-main tr.model-reform th a").click()
    # 青岛海关 leads one reform and co-implements another; the third belongs to 省司法厅 alone.
    expect(result_rows(page)).to_have_count(2)
    expect(page.locator("#result_list")).to_contain_text("跨境电商零售进口退货中心仓模式")
    expect(page.locator("#result_list")).to_contain_text("国际贸易“单一窗口”地方特色应用")
    expect(page.locator("#result_list")).not_to_contain_text("涉外商事纠纷多元化解机制")
    page.screenshot(path=artifacts_dir / "reporter-reform-list.png", full_page=True)

    page.get_by_role("link", name="跨境电商零售进口退货中心仓模式").click()
    expect(page.locator("#content h1")).to_have_text("查看 改革事项")
    expect(page.locator("[name=_save]")).to_have_count(0)

    response = page.goto(f"{live_server.url}/admin/reforms/reform/{first_batch['arbitration'].pk}/change/")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("涉外商事纠纷多元化解机制")


@pytest.mark.browser
def test_the_language_switcher_turns_the_admin_to_english_and_back(page, live_server, sign_in, first_batch):
    make_office_user(username="office_browser")
    sign_in(page, "office_browser", PASSWORD)
    page.goto(f"{live_server.url}/admin/reforms/reform/")

    page.locator("#language-switcher button[value=en]").click()
    expect(page.locator("h1")).to_have_text("Select reform to change")
    expect(page.locator("#site-name")).to_have_text("Shandong Pilot FTZ Institutional Innovation Rollout Tracker")

    page.locator("#language-switcher button[value=zh-hans]").click()
    expect(page.locator("h1")).to_have_text("选择 改革事项 来修改")


def test_the_role_groups_are_back_after_the_flush_between_live_server_tests(transactional_db):
    """Live-server tests empty every table after each test; the post_migrate hook must re-create the role groups
    (with their permissions), or the next test's personas cannot be made."""
    call_command("flush", interactive=False, verbosity=0)
    for name, perms in GROUP_PERMISSIONS.items():
        group = Group.objects.get(name=name)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert held == set(perms), name


@pytest.mark.browser
def test_the_reform_pages_fit_a_phone(browser, live_server, sign_in, first_batch, artifacts_dir):
    make_office_user(username="office_phone")
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        sign_in(page, "office_phone", PASSWORD)
        page.goto(f"{live_server.url}/admin/reforms/reform/")
        expect(result_rows(page)).to_have_count(3)
        assert_fits_the_width(page)
        page.screenshot(path=artifacts_dir / "phone-reform-list.png", full_page=True)

        # The office edits a reform: its units and its 16 (here 3) target cities as cards, not a wide table.
        page.goto(f"{live_server.url}/admin/reforms/reform/{first_batch['window'].pk}/change/")
        expect(page.locator("#targets-group tr.form-row.has_original")).to_have_count(3)
        assert_fits_the_width(page)
        status = page.locator("#id_targets-1-status")
        assert_inside_the_width(page, status)
        assert_tap_target(status)
        page.screenshot(path=artifacts_dir / "phone-reform-change.png", full_page=True)

        # The note to verify, in Chinese, first on the page.
        page.goto(f"{live_server.url}/admin/reforms/reform/{first_batch['arbitration'].pk}/change/")
        assert_above_the_fold(page, page.locator("#verification-note"))
        assert_fits_the_width(page)
        page.screenshot(path=artifacts_dir / "phone-reform-to-verify.png")
    finally:
        context.close()
