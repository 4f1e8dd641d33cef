"""The read-only units API: cities and units.

Reform counts per unit need reforms, which this app may not import; they are tested in reforms/tests/test_api.py.
"""

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.helpers import ids
from units.choices import UnitKind
from units.models import City
from units.tests.factories import CityFactory, UnitFactory

pytestmark = pytest.mark.django_db

CITIES = reverse("units-api:city-list")
UNITS = reverse("units-api:unit-list")


def city_url(pk: int) -> str:
    return reverse("units-api:city-detail", args=[pk])


def unit_url(pk: int) -> str:
    return reverse("units-api:unit-detail", args=[pk])


# --- who may read -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [CITIES, UNITS])
def test_an_anonymous_request_is_refused(url):
    response = APIClient().get(url)

    # 403 while SessionAuthentication is the first authenticator (it sends no WWW-Authenticate); 401 otherwise.
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


@pytest.mark.parametrize("url", [CITIES, UNITS])
def test_a_bad_token_is_refused(url):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = client.get(url)

    assert response.status_code in (401, 403)
    assert "results" not in response.json()


def test_a_token_of_an_api_consumer_reads_the_units(consumer):
    unit = UnitFactory()
    token = Token.objects.create(user=consumer)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = client.get(UNITS)

    assert ids(response) == {unit.pk}


def test_a_signed_in_session_reads_the_cities(reporter):
    city = CityFactory()
    client = APIClient()
    client.force_login(reporter)

    response = client.get(CITIES)

    assert ids(response) == {city.pk}


@pytest.mark.parametrize("persona", ["office", "reporter", "other_reporter", "manager", "consumer"])
def test_every_role_reads_every_unit(persona, request, client_for, unit_a, unit_b):
    # Units are public within the service: a reporter of unit_a also sees unit_b and units it has no tie to.
    stranger = UnitFactory()
    user = request.getfixturevalue(persona)

    response = client_for(user).get(UNITS)

    assert ids(response) == {unit_a.pk, unit_b.pk, stranger.pk}


# --- cities -----------------------------------------------------------------------------------------------------


def test_the_city_list_reads_in_code_order(client_for, consumer):
    qingdao = CityFactory(code="370200", name="青岛市", name_en="Qingdao")
    jinan = CityFactory(code="370100", name="济南市", name_en="Jinan")

    response = client_for(consumer).get(CITIES)

    assert [row["id"] for row in response.json()["results"]] == [jinan.pk, qingdao.pk]


def test_a_city_detail_gives_code_and_names(client_for, consumer):
    city = CityFactory(code="370100", name="济南市", name_en="Jinan")

    response = client_for(consumer).get(city_url(city.pk))

    assert response.status_code == 200
    assert response.json() == {
        "id": city.pk,
        "url": f"http://testserver{city_url(city.pk)}",
        "code": "370100",
        "name": "济南市",
        "name_en": "Jinan",
    }


def test_an_unknown_city_answers_404(client_for, consumer):
    city = CityFactory()

    response = client_for(consumer).get(city_url(city.pk + 1000))

    assert response.status_code == 404


def test_the_code_filter_picks_one_city(client_for, consumer):
    jinan = CityFactory(code="370100", name="济南市")
    CityFactory(code="370200", name="青岛市")

    response = client_for(consumer).get(CITIES, {"code": "370100"})

    assert ids(response) == {jinan.pk}


@pytest.mark.parametrize("term", ["济南", "jinan", "370100"])
def test_q_finds_a_city_by_name_english_name_or_code(term, client_for, consumer):
    jinan = CityFactory(code="370100", name="济南市", name_en="Jinan")
    CityFactory(code="370200", name="青岛市", name_en="Qingdao")

    response = client_for(consumer).get(CITIES, {"q": term})

    assert ids(response) == {jinan.pk}


def test_cities_can_be_ordered_by_name(client_for, consumer):
    b = CityFactory(code="370100", name="b")
    a = CityFactory(code="370200", name="a")

    response = client_for(consumer).get(CITIES, {"ordering": "name"})

    assert [row["id"] for row in response.json()["results"]] == [a.pk, b.pk]


# --- units ------------------------------------------------------------------------------------------------------


def test_a_unit_detail_gives_its_kind_city_aliases_and_zero_counts_without_reforms(client_for, consumer):
    city = CityFactory(code="370200", name="青岛市")
    unit = UnitFactory(
        name="青岛市人民政府",
        short_en="Qingdao Government",
        kind=UnitKind.CITY_GOVERNMENT,
        city=city,
        aliases="青岛市政府\n\n 青岛 \n",
    )

    response = client_for(consumer).get(unit_url(unit.pk), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "city_government"
    with translation.override("en"):
        assert body["kind_display"] == str(UnitKind.CITY_GOVERNMENT.label)
    assert body["city"] == {"id": city.pk, "code": "370200", "name": "青岛市"}
    assert body["aliases"] == ["青岛市政府", "青岛"]
    assert body["lead_reform_count"] == 0
    assert body["co_reform_count"] == 0


def test_a_unit_without_city_gives_null(client_for, consumer):
    unit = UnitFactory()

    response = client_for(consumer).get(unit_url(unit.pk))

    assert response.json()["city"] is None


def test_an_unknown_unit_answers_404(client_for, consumer):
    unit = UnitFactory()

    response = client_for(consumer).get(unit_url(unit.pk + 1000))

    assert response.status_code == 404


def test_the_kind_label_follows_the_request_language(client_for, consumer):
    unit = UnitFactory(kind=UnitKind.STATE_OWNED_ENTERPRISE)
    client = client_for(consumer)

    english = client.get(unit_url(unit.pk), HTTP_ACCEPT_LANGUAGE="en").json()
    default = client.get(unit_url(unit.pk)).json()

    assert english["kind_display"] == "State-owned enterprise"
    # Without Accept-Language the service speaks zh-hans, whatever the .po file holds today.
    with translation.override("zh-hans"):
        assert default["kind_display"] == unit.get_kind_display()


def test_the_kind_filter_picks_units_of_the_given_kinds(client_for, consumer):
    court = UnitFactory(kind=UnitKind.COURT_OR_PROCURATORATE)
    enterprise = UnitFactory(kind=UnitKind.STATE_OWNED_ENTERPRISE)
    UnitFactory(kind=UnitKind.PROVINCIAL_DEPARTMENT)

    client = client_for(consumer)

    assert ids(client.get(UNITS, {"kind": "court_or_procuratorate"})) == {court.pk}
    assert ids(client.get(UNITS, {"kind": ["court_or_procuratorate", "state_owned_enterprise"]})) == {
        court.pk,
        enterprise.pk,
    }


def test_an_unknown_kind_is_a_400_naming_the_field(client_for, consumer):
    response = client_for(consumer).get(UNITS, {"kind": "ministry"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "kind" in response.json()["errors"]


def test_the_city_id_filter_picks_the_units_of_that_city(client_for, consumer):
    qingdao, yantai = CityFactory(code="370200"), CityFactory(code="370600")
    in_qingdao = UnitFactory(kind=UnitKind.CITY_GOVERNMENT, city=qingdao)
    UnitFactory(kind=UnitKind.CITY_GOVERNMENT, city=yantai)
    UnitFactory()

    response = client_for(consumer).get(UNITS, {"city_id": qingdao.pk})

    assert ids(response) == {in_qingdao.pk}


def test_the_city_filter_picks_the_units_of_that_city_code(client_for, consumer):
    qingdao, yantai = CityFactory(code="370200"), CityFactory(code="370600")
    in_qingdao = UnitFactory(kind=UnitKind.CITY_GOVERNMENT, city=qingdao)
    UnitFactory(kind=UnitKind.CITY_GOVERNMENT, city=yantai)
    UnitFactory()

    response = client_for(consumer).get(UNITS, {"city": "370200"})

    assert ids(response) == {in_qingdao.pk}


def test_an_unknown_city_code_is_a_400_naming_the_field(client_for, consumer):
    CityFactory(code="370200")

    response = client_for(consumer).get(UNITS, {"city": "379999"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "379999" in response.json()["errors"]["city"][0]


@pytest.mark.parametrize("term", ["市场监管", "market regulation", "省工商局"])
def test_q_finds_a_unit_by_name_english_name_or_other_name(term, client_for, consumer):
    match = UnitFactory(name="省市场监管局", short_en="Market Regulation Administration", aliases="省工商局")
    UnitFactory(name="省商务厅", short_en="Department of Commerce", aliases="商务厅")

    response = client_for(consumer).get(UNITS, {"q": term})

    assert ids(response) == {match.pk}


def test_units_can_be_ordered_by_kind(client_for, consumer):
    department = UnitFactory(name="甲", kind=UnitKind.PROVINCIAL_DEPARTMENT)
    court = UnitFactory(name="乙", kind=UnitKind.COURT_OR_PROCURATORATE)

    response = client_for(consumer).get(UNITS, {"ordering": "kind"})

    # "court_or_procuratorate" < "provincial_department": the stored values sort, not the labels.
    assert [row["id"] for row in response.json()["results"]] == [court.pk, department.pk]


# --- pagination -------------------------------------------------------------------------------------------------


def test_page_size_is_capped_at_200(client_for, consumer):
    City.objects.bulk_create(City(code=f"37{n:04d}", name=f"市{n}") for n in range(201))
    client = client_for(consumer)

    default = client.get(CITIES).json()
    asked_for_ten = client.get(CITIES, {"page_size": 10}).json()
    asked_for_all = client.get(CITIES, {"page_size": 1000}).json()

    assert default["count"] == 201
    assert len(default["results"]) == 50
    assert len(asked_for_ten["results"]) == 10
    assert len(asked_for_all["results"]) == 200
    assert asked_for_all["next"] is not None


# --- query counts -----------------------------------------------------------------------------------------------
# force_authenticate skips the session and token look-ups, so the counts below are the endpoint's own queries.


@pytest.mark.parametrize("rows", [1, 50])
def test_the_city_list_costs_two_queries_whatever_its_length(rows, client_for, consumer, django_assert_num_queries):
    CityFactory.create_batch(rows)
    client = client_for(consumer)

    # 1. COUNT of cities for the paginator  2. the page of cities
    with django_assert_num_queries(2):
        response = client.get(CITIES)

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_the_unit_list_costs_two_queries_whatever_its_length(rows, client_for, consumer, django_assert_num_queries):
    cities = CityFactory.create_batch(rows)
    for city in cities:
        UnitFactory(kind=UnitKind.CITY_GOVERNMENT, city=city)
    client = client_for(consumer)

    # 1. COUNT of units for the paginator
    # 2. the page of units JOIN their city, with the lead and co-unit reform counts from one GROUP BY
    with django_assert_num_queries(2):
        response = client.get(UNITS)

    assert len(response.json()["results"]) == rows
    assert all(row["city"] is not None for row in response.json()["results"])


def test_a_unit_detail_costs_one_query(client_for, consumer, django_assert_num_queries):
    unit = UnitFactory(kind=UnitKind.CITY_GOVERNMENT, city=CityFactory())
    client = client_for(consumer)

    # 1. the unit JOIN its city, with its reform counts
    with django_assert_num_queries(1):
        response = client.get(unit_url(unit.pk))

    assert response.status_code == 200
