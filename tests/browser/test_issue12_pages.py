"""Every admin page of issue 12 as its users see it, on the quickstart's own demo data (demo_setup), at 1440 px and
at a phone's width (390 px): the city's submissions and applications, the lead unit's review pages and its report
with the co-units' panel, the co-unit's contributions, the office's lists and city staff.

Each page must answer 200, read in Chinese (no English label of these apps left), and not scroll sideways on a phone.
Screenshots land in test-artifacts/browser/issue12/ for a person to look at.
"""

import re

import pytest
from django.core.management import call_command

from reforms.choices import ResponsibilityRole
from reforms.models import Responsibility
from tracker.cities.models import CityApplication, CitySubmission
from tracker.contributions.models import Contribution
from tracker.models import ProgressReport
from units.models import CityMembership

from .phone import DESKTOP, PHONE, page_width

# English words these apps' labels and messages are made of: none may show on a Chinese page.
ENGLISH = re.compile(
    r"\b(Submitted|Confirmed|Returned|Draft|Approve|Reject|Decision|Comment|Evidence|evidence|Submit after saving|"
    r"city submission|application|contribution|co-unit|lead unit|Supports|Does not support|Save and submit|"
    r"Add an evidence file|Remove evidence files|work done|problems|submitted at|due)\b"
)


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("demo_setup", stdout=open("/dev/null", "w"))  # noqa: SIM115 (the command's own output is not tested here)
    settings.DEBUG = False
    submitted = CitySubmission.objects.get(state="submitted")
    confirmed = CitySubmission.objects.get(state="confirmed")
    return {
        "draft": CitySubmission.objects.get(state="draft"),
        "submitted": submitted,
        "returned": CitySubmission.objects.get(state="returned"),
        "confirmed_report": ProgressReport.objects.get(reform=confirmed.target.reform_id, period=confirmed.period_id),
        "pending": CityApplication.objects.get(state="submitted"),
        "opinion": CityApplication.objects.get(state="opinion_given"),
        "rejected": CityApplication.objects.get(state="rejected"),
        "contribution_draft": Contribution.objects.get(state="draft"),
        "contribution_report": ProgressReport.objects.get(
            reform=Contribution.objects.get(state="submitted", period=confirmed.period_id).reform_id,
            period=confirmed.period_id,
        ),
        "membership": CityMembership.objects.get(user__username="qingdao"),
    }


def lead_of(reform_id: int) -> tuple[str, str]:
    """The demo account of the item's lead unit, and its password (user name with hyphens + "-demo-2026")."""
    unit = Responsibility.objects.get(reform_id=reform_id, role=ResponsibilityRole.LEAD).unit
    username = unit.memberships.order_by("user__username").first().user.username
    return username, f"{username.replace('_', '-')}-demo-2026"


def pages(demo) -> list[tuple[str, str, str, str]]:
    """(name, user, password, path) of every page to look at."""
    city = ("qingdao", "qingdao-demo-2026")
    co_unit = ("finance", "finance-demo-2026")
    office = ("office", "office-demo-2026")
    sub, app, con = (
        "/admin/cities/citysubmission/",
        "/admin/cities/cityapplication/",
        "/admin/contributions/contribution/",
    )
    report = "/admin/tracker/progressreport/"
    return [
        ("city-submissions", *city, sub),
        ("city-submission-add", *city, f"{sub}add/"),
        ("city-submission-draft", *city, f"{sub}{demo['draft'].pk}/change/"),
        ("city-submission-returned", *city, f"{sub}{demo['returned'].pk}/change/"),
        ("city-applications", *city, app),
        ("city-application-add", *city, f"{app}add/"),
        ("city-application-rejected", *city, f"{app}{demo['rejected'].pk}/change/"),
        ("lead-submissions", *lead_of(demo["submitted"].target.reform_id), sub),
        (
            "lead-submission-review",
            *lead_of(demo["submitted"].target.reform_id),
            f"{sub}{demo['submitted'].pk}/change/",
        ),
        ("lead-application-opinion", *lead_of(demo["pending"].reform_id), f"{app}{demo['pending'].pk}/change/"),
        (
            "lead-report-prefilled",
            *lead_of(demo["confirmed_report"].reform_id),
            f"{report}{demo['confirmed_report'].pk}/change/",
        ),
        (
            "lead-report-contributions",
            *lead_of(demo["contribution_report"].reform_id),
            f"{report}{demo['contribution_report'].pk}/change/",
        ),
        ("co-unit-reports", *co_unit, report),
        ("co-unit-contributions", *co_unit, con),
        ("co-unit-contribution-add", *co_unit, f"{con}add/"),
        ("co-unit-contribution-draft", *co_unit, f"{con}{demo['contribution_draft'].pk}/change/"),
        ("office-submissions", *office, sub),
        ("office-applications", *office, app),
        ("office-application-decide", *office, f"{app}{demo['opinion'].pk}/change/"),
        ("office-contributions", *office, con),
        ("office-city-staff", *office, "/admin/units/citymembership/"),
        ("office-city-staff-change", *office, f"/admin/units/citymembership/{demo['membership'].pk}/change/"),
    ]


# On a phone a list's rows are cards (admin/includes/changelist_cards.html): each cell names its column with a ::before
# label set per column in the list's template. A column added without its label shows a bare value.
UNLABELLED_CELLS = """() => {
  // The row's checkbox needs no label.
  const cells = [...document.querySelectorAll('#result_list tbody td:not(.action-checkbox)')];
  const label = (td) => getComputedStyle(td, '::before').content;
  if (!cells.some((td) => !['none', 'normal', '""'].includes(label(td)))) return [];
  return [...new Set(cells.filter((td) => ['none', 'normal', '""'].includes(label(td)))
    .map((td) => [...td.classList].find((c) => c.startsWith('field-')) || td.className))];
}"""


def unlabelled_cells(page) -> list[str]:
    """The columns of a card list whose cells carry no label ([] for a list not shown as labelled cards)."""
    return page.evaluate(UNLABELLED_CELLS)


@pytest.mark.browser
def test_every_issue12_page_reads_in_chinese_and_fits_a_phone(browser, live_server, demo, artifacts_dir):
    folder = artifacts_dir / "issue12"
    folder.mkdir(exist_ok=True)
    problems = []
    contexts = {}
    try:
        for name, username, password, path in pages(demo):
            for size, options in (("1440", DESKTOP), ("390", PHONE)):
                key = (username, size)
                if key not in contexts:
                    contexts[key] = browser.new_context(**options)
                    page = contexts[key].new_page()
                    page.goto(f"{live_server.url}/admin/login/")
                    page.locator("#id_username").fill(username)
                    page.locator("#id_password").fill(password)
                    page.locator("#login-form [type=submit]").click()
                    page.wait_for_url(f"{live_server.url}/admin/")
                page = contexts[key].pages[0]
                response = page.goto(f"{live_server.url}{path}")
                page.screenshot(path=folder / f"{name}-{size}.png", full_page=True)
                if response.status != 200:
                    problems.append(f"{name} ({username}): {response.status}")
                    continue
                if name == "lead-report-contributions":
                    # The panel is far down a long page: its own picture, to read it at the phone's width.
                    panel = page.locator("div.inline-group", has_text="配合单位材料")
                    panel.screenshot(path=folder / f"{name}-panel-{size}.png")
                text = page.locator("#content").inner_text()
                english = sorted(set(ENGLISH.findall(text)))
                if english:
                    problems.append(f"{name} at {size}: English {english}")
                if size == "390" and page_width(page) > 390:
                    problems.append(f"{name} at 390: {page_width(page)} px wide")
                if size == "390":
                    unlabelled = unlabelled_cells(page)
                    if unlabelled:
                        problems.append(f"{name} at 390: cards without a label for {unlabelled}")
    finally:
        for context in contexts.values():
            context.close()
    assert not problems, "\n".join(problems)
