"""The dashboard page, server side: who may open it, that it shows the API's numbers, filters and their errors.
(tests/browser/test_dashboard.py drives it in Chromium.)"""

import re

import pytest
from django.urls import reverse

from units.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def figures_on(html: str) -> dict:
    return dict(re.findall(r'data-figure="(\w+)">([^<]*)<', html))


def test_signing_in_is_required(client):
    response = client.get(reverse("stats:dashboard"))

    assert response.status_code == 302
    # The sign-in page for every role: read-only API consumers, who are not staff, open the dashboard too.
    assert response["Location"].startswith(reverse("account:login"))


def test_a_user_without_a_role_gets_403(client):
    client.force_login(UserFactory())

    assert client.get(reverse("stats:dashboard")).status_code == 403


def test_the_office_sees_the_apis_numbers(scenario, client, client_for, office):
    client.force_login(office)

    html = client.get(reverse("stats:dashboard"), {"batch_id": scenario.batches["B1"].pk}).content.decode()

    api = client_for(office).get(reverse("stats-api:overview"), {"batch_id": scenario.batches["B1"].pk}).json()
    shown = figures_on(html)
    for name in ("reforms", "targets", "done", "reports_due", "reports_on_time", "reports_late", "reports_missing"):
        assert shown[name] == str(api["figures"][name]), name
    assert shown["completion_rate"] == "42.9%"  # 3 of 7
    assert shown["target_cities"] == "3"
    assert "复制推广统计看板" in html
    # The overdue list links into the admin.
    r3 = scenario.reforms["R3"]
    assert reverse("admin:reforms_reform_change", args=[r3.pk]) in html
    assert html.count('<tr data-reform="') == 3


def test_bad_filters_are_shown_and_the_page_falls_back_to_everything(scenario, client, office):
    client.force_login(office)

    response = client.get(reverse("stats:dashboard"), {"date_from": "2026-11-02", "date_to": "2026-11-01"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "截止日期早于起始日期。" in html
    assert figures_on(html)["reforms"] == "5"


def test_a_unit_reporter_sees_their_unit_only(scenario, client, reporter):
    client.force_login(reporter)

    html = client.get(reverse("stats:dashboard")).content.decode()

    assert figures_on(html)["reforms"] == "3"
    assert re.findall(r'data-unit="([^"]+)"', html) == ["省测试甲厅"]
    assert "本人所在全部单位" in html


def test_the_page_needs_nothing_from_another_host(scenario, client, office):
    client.force_login(office)

    html = client.get(reverse("stats:dashboard")).content.decode()

    assert not re.search(r"""(src|href)=["'](https?:)?//""", html)
    assert "<svg" in html


def test_it_says_when_the_figures_are_not_being_refreshed(db, client, office, frozen):
    client.force_login(office)

    html = client.get(reverse("stats:dashboard")).content.decode()

    assert "报送数据尚未生成。" in html
    assert "统计数据未在刷新" in html
