"""The read-only reforms API: batches and reforms with their units and cities (and the units' reform counts)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from reforms.choices import Category, ResponsibilityRole, Scope, TargetStatus
from reforms.tests.factories import BatchFactory, ReformFactory, ResponsibilityFactory, RolloutTargetFactory
from tests.helpers import ids
from units.tests.factories import CityFactory, UnitFactory

pytestmark = pytest.mark.django_db

BATCHES = reverse("reforms-api:batch-list")
REFORMS = reverse("reforms-api:reform-list")


def reform_url(pk: int) -> str:
    return reverse("reforms-api:reform-detail", args=[pk])


def batch_url(pk: int) -> str:
    return reverse("reforms-api:batch-detail", args=[pk])


def ordered_ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def make_reform(*, units=(), cities=(), status=TargetStatus.NOT_STARTED, **kwargs):
    """A reform whose first unit leads and the others co-implement, targeting `cities`."""
    reform = ReformFactory(**kwargs)
    for position, unit in enumerate(units):
        role = ResponsibilityRole.LEAD if position == 0 else ResponsibilityRole.CO
        ResponsibilityFactory(reform=reform, unit=unit, role=role, position=position)
    for city in cities:
        RolloutTargetFactory(reform=reform, city=city, status=status)
    return reform


# --- who may read -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [BATCHES, REFORMS])
def test_an_anonymous_request_is_refused(url):
    ReformFactory()

    response = APIClient().get(url)

    # 403 while SessionAuthentication is the first authenticator (it sends no WWW-Authenticate); 401 otherwise.
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


@pytest.mark.parametrize("url", [BATCHES, REFORMS])
def test_a_bad_token_is_refused(url):
    ReformFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = client.get(url)

    assert response.status_code in (401, 403)
    assert "results" not in response.json()


def test_a_token_of_an_api_consumer_reads_the_reforms(consumer):
    reform = ReformFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=consumer).key}")

    response = client.get(REFORMS)

    assert ids(response) == {reform.pk}


@pytest.mark.parametrize("persona", ["office", "reporter", "other_reporter", "manager", "consumer"])
def test_every_role_reads_every_reform(persona, request, client_for, unit_a, unit_b):
    # The task-division table is public within the service: unit_a's staff also see what unit_b leads.
    of_a = make_reform(units=[unit_a])
    of_b = make_reform(units=[unit_b, unit_a])
    of_neither = make_reform(units=[UnitFactory()])

    response = client_for(request.getfixturevalue(persona)).get(REFORMS)

    assert ids(response) == {of_a.pk, of_b.pk, of_neither.pk}


# --- batches ----------------------------------------------------------------------------------------------------


def test_the_batch_list_counts_reforms_newest_batch_first(client_for, consumer):
    first = BatchFactory(issued_on=datetime.date(2025, 3, 1))
    second = BatchFactory(issued_on=datetime.date(2026, 3, 1))
    ReformFactory.create_batch(3, batch=first)

    rows = client_for(consumer).get(BATCHES).json()["results"]

    assert [(row["id"], row["reform_count"]) for row in rows] == [(second.pk, 0), (first.pk, 3)]


def test_a_batch_detail_gives_its_table_data(client_for, consumer):
    batch = BatchFactory(
        code="sdftz-1", document_number="鲁自贸发〔2026〕1号", default_deadline=datetime.date(2026, 12, 31)
    )
    ReformFactory(batch=batch)

    body = client_for(consumer).get(batch_url(batch.pk)).json()

    assert body["code"] == "sdftz-1"
    assert body["document_number"] == "鲁自贸发〔2026〕1号"
    assert body["default_deadline"] == "2026-12-31"
    assert body["reform_count"] == 1


def test_an_unknown_batch_answers_404(client_for, consumer):
    batch = BatchFactory()

    assert client_for(consumer).get(batch_url(batch.pk + 1000)).status_code == 404


# --- reform detail ----------------------------------------------------------------------------------------------


def test_a_reform_detail_lists_units_in_table_order_and_cities_with_status(client_for, consumer):
    lead, co = UnitFactory(name="省商务厅"), UnitFactory(name="省市场监管局")
    jinan, qingdao = CityFactory(code="370100", name="济南市"), CityFactory(code="370200", name="青岛市")
    reform = ReformFactory(category=Category.PILOT, scope=Scope.ALL_CITIES, deadline=None)
    # Created out of table order: the API must sort by position, not by id.
    ResponsibilityFactory(reform=reform, unit=co, role=ResponsibilityRole.CO, position=1)
    ResponsibilityFactory(reform=reform, unit=lead, role=ResponsibilityRole.LEAD, position=0)
    RolloutTargetFactory(reform=reform, city=qingdao, status=TargetStatus.DONE)
    RolloutTargetFactory(reform=reform, city=jinan, status=TargetStatus.IN_PROGRESS)

    response = client_for(consumer).get(reform_url(reform.pk), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    body = response.json()
    assert body["batch"] == {"id": reform.batch.pk, "code": reform.batch.code, "title": reform.batch.title}
    assert [(u["id"], u["name"], u["role"], u["role_display"]) for u in body["responsible_units"]] == [
        (lead.pk, "省商务厅", "lead", "Lead"),
        (co.pk, "省市场监管局", "co", "Co-unit"),
    ]
    assert [(c["id"], c["code"], c["status"], c["status_display"]) for c in body["target_cities"]] == [
        (jinan.pk, "370100", "in_progress", "In progress"),
        (qingdao.pk, "370200", "done", "Done"),
    ]
    assert (body["target_count"], body["done_count"]) == (2, 1)
    assert body["target_status_counts"] == {"not_started": 0, "in_progress": 1, "done": 1, "not_applicable": 0}
    assert body["deadline"] is None
    assert body["effective_deadline"] == reform.batch.default_deadline.isoformat()


def test_choice_labels_follow_the_request_language(client_for, consumer):
    reform = ReformFactory(category=Category.PILOT, scope=Scope.QUALIFIED_CITIES)
    client = client_for(consumer)

    english = client.get(reform_url(reform.pk), HTTP_ACCEPT_LANGUAGE="en").json()
    default = client.get(reform_url(reform.pk)).json()

    assert (english["category"], english["category_display"]) == ("pilot", "Reform pilot experience")
    assert (english["scope"], english["scope_display"]) == ("qualified_cities", "Qualified cities")
    # Without Accept-Language the service speaks zh-hans, whatever the .po file holds today.
    with translation.override("zh-hans"):
        assert default["category_display"] == reform.get_category_display()
        assert default["scope_display"] == reform.get_scope_display()


def test_an_unknown_reform_answers_404(client_for, consumer):
    reform = ReformFactory()

    assert client_for(consumer).get(reform_url(reform.pk + 1000)).status_code == 404


# --- reform filters ---------------------------------------------------------------------------------------------


def test_the_batch_filters_pick_the_reforms_of_a_batch(client_for, consumer):
    first, second = BatchFactory(code="sdftz-1"), BatchFactory(code="sdftz-2")
    in_first = ReformFactory(batch=first)
    ReformFactory(batch=second)
    client = client_for(consumer)

    assert ids(client.get(REFORMS, {"batch_id": first.pk})) == {in_first.pk}
    assert ids(client.get(REFORMS, {"batch": "sdftz-1"})) == {in_first.pk}


def test_an_unknown_batch_code_is_a_400_naming_the_field(client_for, consumer):
    BatchFactory(code="sdftz-1")

    response = client_for(consumer).get(REFORMS, {"batch": "sdftz-9"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "sdftz-9" in response.json()["errors"]["batch"][0]


def test_the_category_and_scope_filters(client_for, consumer):
    pilot = ReformFactory(category=Category.PILOT, scope=Scope.ALL_CITIES)
    qualified = ReformFactory(category=Category.BEST_PRACTICE, scope=Scope.QUALIFIED_CITIES)
    ReformFactory(category=Category.BEST_PRACTICE, scope=Scope.ALL_CITIES)
    client = client_for(consumer)

    assert ids(client.get(REFORMS, {"category": "pilot"})) == {pilot.pk}
    assert ids(client.get(REFORMS, {"scope": "qualified_cities"})) == {qualified.pk}


def test_the_needs_verification_filter(client_for, consumer):
    unsure = ReformFactory(needs_verification=True, verification_note="配合单位字迹不清")
    sure = ReformFactory(needs_verification=False)
    client = client_for(consumer)

    assert ids(client.get(REFORMS, {"needs_verification": "true"})) == {unsure.pk}
    assert ids(client.get(REFORMS, {"needs_verification": "false"})) == {sure.pk}


def test_the_unit_filters_pick_the_reforms_a_unit_leads_or_co_implements(client_for, consumer):
    commerce, market = UnitFactory(name="省商务厅"), UnitFactory(name="省市场监管局")
    led = make_reform(units=[commerce, market])
    co = make_reform(units=[market, commerce])
    make_reform(units=[market])
    client = client_for(consumer)

    assert ids(client.get(REFORMS, {"unit_id": commerce.pk})) == {led.pk, co.pk}
    assert ids(client.get(REFORMS, {"unit": "省商务厅"})) == {led.pk, co.pk}


def test_role_with_unit_means_the_reforms_that_unit_leads(client_for, consumer):
    # `co` has a lead (market), so filtering unit and role on separate rows would wrongly return it.
    commerce, market = UnitFactory(name="省商务厅"), UnitFactory(name="省市场监管局")
    led = make_reform(units=[commerce, market])
    co = make_reform(units=[market, commerce])
    make_reform(units=[market])
    client = client_for(consumer)

    assert ids(client.get(REFORMS, {"unit": "省商务厅", "role": "lead"})) == {led.pk}
    assert ids(client.get(REFORMS, {"unit_id": commerce.pk, "role": "co"})) == {co.pk}


def test_role_alone_picks_reforms_that_have_a_unit_in_that_role(client_for, consumer):
    with_co = make_reform(units=[UnitFactory(), UnitFactory()])
    make_reform(units=[UnitFactory()])

    assert ids(client_for(consumer).get(REFORMS, {"role": "co"})) == {with_co.pk}


def test_the_city_filters_pick_the_reforms_targeting_a_city(client_for, consumer):
    jinan, qingdao = CityFactory(code="370100"), CityFactory(code="370200")
    both = make_reform(cities=[jinan, qingdao])
    only_qingdao = make_reform(cities=[qingdao])
    make_reform(cities=[])
    client = client_for(consumer)

    assert ids(client.get(REFORMS, {"city_id": jinan.pk})) == {both.pk}
    assert ids(client.get(REFORMS, {"city": "370200"})) == {both.pk, only_qingdao.pk}


def test_a_reform_matching_several_units_or_cities_is_listed_once_with_its_true_counts(client_for, consumer):
    one, two = UnitFactory(), UnitFactory()
    jinan, qingdao = CityFactory(code="370100"), CityFactory(code="370200")
    reform = make_reform(units=[one, two], cities=[jinan, qingdao], status=TargetStatus.DONE)

    response = client_for(consumer).get(REFORMS, {"unit_id": [one.pk, two.pk], "city_id": [jinan.pk, qingdao.pk]})

    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [reform.pk]
    assert response.json()["count"] == 1
    assert (rows[0]["target_count"], rows[0]["done_count"]) == (2, 2)


@pytest.mark.parametrize("term", ["跨境", "海关预裁定", "sdftz-1-p07"])
def test_q_finds_a_reform_by_title_content_or_code(term, client_for, consumer):
    batch = BatchFactory(code="sdftz-1")
    match = ReformFactory(
        batch=batch, category=Category.PILOT, number=7, title="跨境贸易便利化", content="推行海关预裁定"
    )
    ReformFactory(batch=batch, category=Category.PILOT, number=8, title="企业开办", content="一网通办")

    assert match.code == "sdftz-1-p07"
    assert ids(client_for(consumer).get(REFORMS, {"q": term})) == {match.pk}


# --- reform ordering --------------------------------------------------------------------------------------------


def test_reforms_read_in_table_order_newest_batch_first(client_for, consumer):
    old = BatchFactory(issued_on=datetime.date(2025, 1, 1))
    new = BatchFactory(issued_on=datetime.date(2026, 1, 1))
    old_first = ReformFactory(batch=old, position=1)
    new_second = ReformFactory(batch=new, position=2)
    new_first = ReformFactory(batch=new, position=1)

    assert ordered_ids(client_for(consumer).get(REFORMS)) == [new_first.pk, new_second.pk, old_first.pk]


@pytest.mark.parametrize("ordering", ["position", "number", "code", "deadline"])
def test_reforms_can_be_ordered_both_ways(ordering, client_for, consumer):
    batch = BatchFactory(code="b")
    # The creation order differs from every requested order, so a dropped `ordering` shows.
    later = ReformFactory(batch=batch, number=2, position=2, deadline=datetime.date(2026, 6, 30))
    earlier = ReformFactory(batch=batch, number=1, position=1, deadline=datetime.date(2026, 3, 31))
    client = client_for(consumer)

    assert ordered_ids(client.get(REFORMS, {"ordering": ordering})) == [earlier.pk, later.pk]
    assert ordered_ids(client.get(REFORMS, {"ordering": f"-{ordering}"})) == [later.pk, earlier.pk]


# --- the units endpoint's reform counts (they need reforms, which units' own tests may not import) -------------


def test_a_unit_counts_the_reforms_it_leads_and_co_implements(client_for, consumer):
    commerce, market = UnitFactory(), UnitFactory()
    make_reform(units=[commerce, market])
    make_reform(units=[commerce])
    make_reform(units=[market, commerce])
    make_reform(units=[UnitFactory()])

    rows = client_for(consumer).get(reverse("units-api:unit-list"), {"page_size": 200}).json()["results"]
    counts = {row["id"]: (row["lead_reform_count"], row["co_reform_count"]) for row in rows}

    assert counts[commerce.pk] == (2, 1)
    assert counts[market.pk] == (1, 1)


# --- query counts -----------------------------------------------------------------------------------------------
# force_authenticate skips the session and token look-ups, so the counts below are the endpoint's own queries.


@pytest.mark.parametrize("rows", [1, 50])
def test_the_batch_list_costs_two_queries_whatever_its_length(rows, client_for, consumer, django_assert_num_queries):
    for batch in BatchFactory.create_batch(rows):
        ReformFactory(batch=batch)
    client = client_for(consumer)

    # 1. COUNT of batches for the paginator  2. the page of batches with their reform counts (GROUP BY)
    with django_assert_num_queries(2):
        response = client.get(BATCHES)

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_the_reform_list_costs_three_queries_whatever_its_length(rows, client_for, consumer, django_assert_num_queries):
    units, cities = UnitFactory.create_batch(2), CityFactory.create_batch(2)
    batch = BatchFactory()
    for _ in range(rows):
        make_reform(batch=batch, units=units, cities=cities)
    client = client_for(consumer)

    # 1. COUNT of reforms for the paginator
    # 2. the page of reforms JOIN batch, with the target counts (total, done, per status) as correlated subqueries
    # 3. the responsibilities of those reforms JOIN unit (prefetch)
    # No rollout targets: the list counts them, the detail lists them (issue 11: a fourth query and 300 nested
    # cities per reform at national scale).
    with django_assert_num_queries(3):
        response = client.get(REFORMS)

    results = response.json()["results"]
    assert len(results) == rows
    assert all(len(r["responsible_units"]) == 2 and "target_cities" not in r for r in results)
    assert all(r["target_status_counts"]["not_started"] == 2 and r["target_count"] == 2 for r in results)


def test_the_reform_list_counts_the_target_cities_per_status(client_for, consumer):
    reform = ReformFactory()
    for code, status in [
        ("370100", "done"),
        ("370200", "done"),
        ("370300", "not_applicable"),
        ("370400", "in_progress"),
    ]:
        reason = "不适用" if status == "not_applicable" else ""
        RolloutTargetFactory(reform=reform, city=CityFactory(code=code), status=status, not_applicable_reason=reason)
    ReformFactory(batch=reform.batch)  # no targets: every status 0

    results = {r["id"]: r for r in client_for(consumer).get(REFORMS).json()["results"]}

    assert results[reform.pk]["target_status_counts"] == {
        "not_started": 0,
        "in_progress": 1,
        "done": 2,
        "not_applicable": 1,
    }
    assert (results[reform.pk]["target_count"], results[reform.pk]["done_count"]) == (4, 2)
    (empty,) = (r for pk, r in results.items() if pk != reform.pk)
    assert set(empty["target_status_counts"].values()) == {0} and empty["target_count"] == 0


def test_filtering_the_reform_list_adds_one_query_per_looked_up_name(client_for, consumer, django_assert_num_queries):
    unit, city = UnitFactory(name="省商务厅"), CityFactory(code="370100")
    reform = make_reform(units=[unit], cities=[city])
    client = client_for(consumer)

    # 1. the unit named 省商务厅  2. the city 370100 (form validation of the two filters)
    # 3-5. as for the unfiltered list; the filters are EXISTS subqueries inside queries 3 and 4
    with django_assert_num_queries(5):
        response = client.get(REFORMS, {"unit": "省商务厅", "city": "370100", "role": "lead"})

    assert ids(response) == {reform.pk}


@pytest.mark.parametrize("size", [1, 50])
def test_a_reform_detail_costs_three_queries_whatever_its_units_and_cities(
    size, client_for, consumer, django_assert_num_queries
):
    reform = make_reform(units=UnitFactory.create_batch(size), cities=CityFactory.create_batch(size))
    client = client_for(consumer)

    # 1. the reform JOIN batch, with total and done target counts
    # 2. its responsibilities JOIN unit  3. its rollout targets JOIN city
    with django_assert_num_queries(3):
        response = client.get(reform_url(reform.pk))

    body = response.json()
    assert (len(body["responsible_units"]), len(body["target_cities"]), body["target_count"]) == (size, size, size)
