"""Who may read the statistics, and what bad input gets: a clear 4xx with the field and a message in Chinese."""

import json

import pytest
from django.urls import reverse

from units.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "overview",
    "reforms",
    "units",
    "cities",
    "batches",
    "categories",
    "scopes",
    "matrix",
    "trend",
    "missing-reports",
    "ledger-xlsx",
    "ledger-csv",
]


@pytest.mark.parametrize("name", ENDPOINTS)
def test_anonymous_callers_are_refused(client_for, name):
    response = client_for(None).get(reverse(f"stats-api:{name}"))

    assert response.status_code in (401, 403)


@pytest.mark.parametrize("name", ENDPOINTS)
def test_a_signed_in_user_without_a_role_gets_403(client_for, name):
    response = client_for(UserFactory()).get(reverse(f"stats-api:{name}"))

    assert response.status_code == 403
    assert response.json() == {"code": "permission_denied", "detail": "您不属于任何单位，没有可查看的统计数据。"}


def test_a_token_reads_the_statistics(scenario, consumer, api_client):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=consumer)
    response = api_client.get(reverse("stats-api:overview"), HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
    # A consumer sees everything, like the office.
    assert response.json()["figures"]["reforms"] == 5


def test_a_units_staff_see_only_their_units_figures(scenario, client_for, reporter, manager):
    for user in (reporter, manager):
        client = client_for(user)
        units = client.get(reverse("stats-api:units")).json()
        assert [row["unit"]["name"] for row in units["results"]] == ["省测试甲厅"]
        reforms = client.get(reverse("stats-api:reforms")).json()
        assert {row["reform"]["code"] for row in reforms["results"]} == {
            scenario.reforms[k].code for k in ("R1", "R3", "R5")
        }
        missing = client.get(reverse("stats-api:missing-reports")).json()
        assert {row["unit"]["name"] for row in missing["results"]} == {"省测试甲厅"}


def test_a_unit_filter_outside_ones_own_units_is_refused(scenario, client_for, reporter):
    client = client_for(reporter)

    response = client.get(reverse("stats-api:overview"), {"unit": "省测试乙厅"})

    assert response.status_code == 400
    assert response.json()["errors"] == {"unit": ["您只能查看本单位的统计数据。"]}
    assert client.get(reverse("stats-api:overview"), {"unit_id": scenario.units["U1"].pk}).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"batch": "no-such-batch"}, "batch"),
        ({"unit_id": "abc"}, "unit_id"),
        ({"city": "999999"}, "city"),
        ({"category": "other"}, "category"),
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_from": "2026-11-02", "date_to": "2026-11-01"}, "date_to"),
        ({"ordering": "-nonsense"}, "ordering"),
    ],
)
def test_bad_filters_answer_400_naming_the_field(scenario, client_for, office, params, field):
    response = client_for(office).get(reverse("stats-api:reforms"), params)

    assert response.status_code == 400
    body = response.json()["errors"]
    assert list(body) == [field]
    assert body[field][0]  # a message, in Chinese where Django has one


def test_an_ordering_error_lists_what_is_accepted(scenario, client_for, office):
    response = client_for(office).get(reverse("stats-api:units"), {"ordering": "code"})

    assert response.json()["errors"]["ordering"][0].startswith("未知字段“code”；可用字段：position, name, reforms")


def test_the_trend_refuses_a_bad_interval_and_too_many_points(scenario, client_for, office):
    client = client_for(office)

    assert client.get(reverse("stats-api:trend"), {"interval": "day"}).json()["errors"] == {
        "interval": ["请填写 week 或 month。"]
    }
    response = client.get(reverse("stats-api:trend"), {"interval": "week", "date_from": "2000-01-03"})
    assert response.status_code == 400
    assert "date_from" in response.json()["errors"]


def test_a_page_past_the_end_is_404(scenario, client_for, office):
    assert client_for(office).get(reverse("stats-api:reforms"), {"page": 9}).status_code == 404


def test_empty_parameters_mean_no_filter(scenario, client_for, office):
    response = client_for(office).get(reverse("stats-api:overview"), {"batch_id": "", "unit": "", "period": ""})

    assert response.status_code == 200
    assert response.json()["figures"]["reforms"] == 5


def test_the_schema_documents_every_filter_of_every_statistic(client_for, consumer):
    schema = json.loads(client_for(consumer).get(reverse("api-schema"), {"format": "json"}).content)
    filters = {
        "batch_id",
        "batch",
        "category",
        "scope",
        "unit_id",
        "unit",
        "city_id",
        "city",
        "period_id",
        "period",
        "date_from",
        "date_to",
    }
    paging = {"page", "page_size"}
    expected = {
        "overview/": filters,
        "trend/": filters | {"interval"},
        "missing-reports/": filters | paging,
        "matrix/": filters | paging | {"ordering", "claims"},
        "cities/participation/": filters | paging | {"ordering"},
        "units/contributions/": filters | paging | {"ordering"},
        "ledger.xlsx": filters,
        "ledger.csv": filters,
        **{f"{name}/": filters | paging | {"ordering"} for name in ("reforms", "units", "cities", "batches")},
        **{f"{name}/": filters | paging | {"ordering"} for name in ("categories", "scopes")},
    }
    for path, parameters in expected.items():
        operation = schema["paths"][f"/api/tracker/stats/{path}"]["get"]
        assert {p["name"] for p in operation["parameters"]} == parameters, path
        assert all(p.get("description") for p in operation["parameters"]), path
    overview = schema["components"]["schemas"]["Figures"]["properties"]
    assert overview["completion_rate"]["description"].startswith("完成率 = 已完成目标数")
