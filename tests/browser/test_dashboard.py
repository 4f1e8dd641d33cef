"""The statistics dashboard in a real browser: the numbers on the page are the API's, the filters work, and a
screenshot is saved in test-artifacts/browser/ for a person to look at."""

import pytest
from playwright.sync_api import expect

from tracker.stats.services import stats_refresh
from tracker.stats.tests.factories import NOW, make_scenario
from units.tests.factories import make_office_user, make_unit_user

PASSWORD = "pass-1234-word"  # UserFactory's password
FIGURES = [
    "reforms",
    "targets",
    "done",
    "in_progress",
    "not_started",
    "not_applicable",
    "reports_due",
    "reports_on_time",
    "reports_late",
    "reports_missing",
    "reports_due_soon",
    "overdue_targets",
]


@pytest.fixture
def scenario(transactional_db, time_machine):
    # The clock runs (the browser and the server need it to), from the scenario's morning.
    time_machine.move_to(NOW, tick=True)
    built = make_scenario()
    stats_refresh()
    return built


def figure(page, name: str) -> str:
    return page.locator(f"[data-figure={name}]").inner_text().strip()


def api(page, live_server, path: str) -> dict:
    """The API, called with the browser's own session: the same user, the same scope."""
    response = page.request.get(f"{live_server.url}/api/tracker/stats/{path}")
    assert response.status == 200, response.text()
    return response.json()


def percent(rate) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def assert_page_matches(page, overview: dict) -> None:
    for name in FIGURES:
        assert figure(page, name) == str(overview["figures"][name]), name
    assert figure(page, "target_cities") == str(overview["target_cities"])
    assert figure(page, "completion_rate") == percent(overview["figures"]["completion_rate"])
    for colour in ("red", "yellow", "green"):
        assert figure(page, f"colour_{colour}") == str(overview["reform_colours"][colour])


@pytest.mark.browser
def test_the_dashboard_shows_the_apis_figures_and_its_filters_work(page, live_server, sign_in, scenario, artifacts_dir):
    make_office_user(username="office_dashboard")
    sign_in(page, "office_dashboard", PASSWORD)
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator("h1")).to_have_text("复制推广统计看板")

    overview = api(page, live_server, "overview/")
    assert overview["figures"]["reforms"] == 5  # the scenario, not an empty page
    assert_page_matches(page, overview)
    matrix = api(page, live_server, "matrix/")
    expect(page.locator("table.matrix tbody tr")).to_have_count(matrix["count"])
    missing = api(page, live_server, "missing-reports/")
    expect(page.locator("#missing-reports tbody tr")).to_have_count(missing["count"])
    units = api(page, live_server, "units/")
    expect(page.locator("#units li.bar")).to_have_count(units["count"])
    # The trend starts on the day the first batch was issued, not with the current month.
    trend = api(page, live_server, "trend/?date_from=2026-03-01")
    expect(page.locator("#trend svg.trend-wide circle")).to_have_count(len(trend["points"]))
    assert len(trend["points"]) == 9  # March to November
    page.screenshot(path=artifacts_dir / "dashboard.png", full_page=True)

    page.locator("select[name=category]").select_option("pilot")
    page.locator("#filters button[type=submit]").click()
    page.wait_for_url("**/dashboard/?*category=pilot*")
    filtered = api(page, live_server, "overview/?category=pilot")
    assert filtered["figures"]["reforms"] == 2
    assert_page_matches(page, filtered)
    expect(page.locator("table.matrix tbody tr")).to_have_count(2)

    page.locator("select[name=period]").select_option("2026-10")
    page.locator("#filters button[type=submit]").click()
    page.wait_for_url("**period=2026-10*")
    both = api(page, live_server, "overview/?category=pilot&period=2026-10")
    # The pilot items' October reports owed by their lead units: R1·U1's, filed late (co-units owe no report).
    assert both["figures"]["reports_due"] == 1
    assert_page_matches(page, both)
    # The export links carry the same filters.
    assert "category=pilot" in page.locator("#export-xlsx").get_attribute("href")
    page.screenshot(path=artifacts_dir / "dashboard-filtered.png", full_page=True)

    page.emulate_media(media="print")
    expect(page.locator("#filters")).to_be_hidden()
    page.screenshot(path=artifacts_dir / "dashboard-print.png", full_page=True)


@pytest.mark.browser
def test_a_unit_reporter_sees_only_their_units_figures(page, live_server, sign_in, scenario, artifacts_dir):
    make_unit_user(scenario.units["U3"], username="unit3_reporter")
    sign_in(page, "unit3_reporter", PASSWORD)
    page.goto(f"{live_server.url}/dashboard/")

    overview = api(page, live_server, "overview/")
    # 省测试丙厅 leads two reforms of batch B2 and files two reports (one on time, one late).
    assert overview["figures"]["reforms"] == 2
    assert overview["figures"]["reports_due"] == 2
    assert_page_matches(page, overview)
    expect(page.locator("#units li.bar")).to_have_count(1)
    expect(page.locator("#units")).to_contain_text("省测试丙厅")
    expect(page.locator("select[name=unit_id] option")).to_have_count(2)  # "all my units" and their one unit
    page.screenshot(path=artifacts_dir / "dashboard-unit.png", full_page=True)
