"""Statistics answers served from the cache as the JSON renderer's bytes (issue 11, fourth step): a hit is byte for
byte a fresh render, costs the role check only, keeps the ETag/304 and headers, and a write the figures count (or a
refresh of the rollup) makes a new answer. The participation world is test_participation.py's (today: 2026-11-20)."""

import gzip

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.renderers import JSONRenderer

from tracker.cities.models import CitySubmission
from tracker.cities.services.submissions import city_submission_submit
from tracker.cities.tests.factories import make_city_user
from tracker.contributions.models import Contribution
from tracker.contributions.services import contribution_submit
from units.models import City, Unit
from units.tests.factories import UserFactory, make_unit_user

from ..api import caching
from ..services import stats_refresh
from .test_participation import CITIES, UNITS, world  # noqa: F401 (world: the participation fixture)
from .test_queries import ROLE, build, fresh_client

pytestmark = pytest.mark.django_db

FIGURES = [reverse(f"stats-api:{name}") for name in ("overview", "reforms", "matrix")]


@pytest.fixture
def figures(frozen):
    """Two reforms with their rollup (test_queries.build); the clock is frozen, so generated_at is the same in every
    answer and two renders of one question are the same bytes."""
    build(2)


@pytest.mark.parametrize("url", [*FIGURES, CITIES, UNITS])
@pytest.mark.usefixtures("world")
def test_a_cached_answer_is_byte_for_byte_a_fresh_render(url, figures, office, django_assert_num_queries):
    first = fresh_client(office).get(url)  # computed and rendered, then cached
    client = fresh_client(office)

    with django_assert_num_queries(ROLE):  # the role check; no rollup state, no figure, no count
        again = client.get(url)

    assert again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"] == "application/json"
    assert again["ETag"] == first["ETag"]
    assert again["Cache-Control"] == "private, no-cache"
    assert again["Vary"] == first["Vary"] and "Accept" in first["Vary"]
    # What the renderer writes for the same data, and what a recomputation (nothing cached) answers.
    assert again.content == JSONRenderer().render(again.json(), "application/json", {})
    cache.clear()
    assert fresh_client(office).get(url).content == again.content


@pytest.mark.parametrize("url", [FIGURES[0], CITIES])
@pytest.mark.usefixtures("world")
def test_if_none_match_answers_304_and_costs_the_role_check_only(url, figures, office, django_assert_num_queries):
    first = fresh_client(office).get(url)
    client = fresh_client(office)

    with django_assert_num_queries(ROLE):
        revalidated = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert revalidated.status_code == 304
    assert revalidated.content == b""
    assert revalidated["ETag"] == first["ETag"]
    assert revalidated["Cache-Control"] == "private, no-cache"


def test_other_representations_are_other_entries_with_other_etags(figures, office):
    url = FIGURES[1]
    plain = fresh_client(office).get(url)
    indented = fresh_client(office).get(url, HTTP_ACCEPT="application/json; indent=2")
    page = fresh_client(office).get(url, HTTP_ACCEPT="text/html")  # the browsable API renders from the data

    assert indented.content.startswith(b'{\n  "as_of"')
    assert indented.json() == plain.json()
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert len({plain["ETag"], indented["ETag"], page["ETag"]}) == 3
    assert fresh_client(office).get(url).content == plain.content


def test_each_host_gets_its_own_links(figures, office, settings):
    settings.ALLOWED_HOSTS = ["testserver", "tracker.example.cn"]
    url = FIGURES[1]

    here = fresh_client(office).get(url, {"page_size": 1})
    there = fresh_client(office).get(url, {"page_size": 1}, HTTP_HOST="tracker.example.cn")

    assert here.json()["next"].startswith("http://testserver/")
    assert there.json()["next"].startswith("http://tracker.example.cn/")
    assert here["ETag"] != there["ETag"]


@pytest.mark.usefixtures("world")
def test_participation_hits_cost_the_role_checks_of_city_staff(django_assert_num_queries):
    staff = make_city_user(City.objects.get(code="370100"))  # 济南
    first = fresh_client(staff).get(CITIES)
    client = fresh_client(staff)

    with django_assert_num_queries(ROLE + 1):  # the role check, then the city memberships (the scope, in the key)
        again = client.get(CITIES)

    assert again.content == first.content
    assert len(again.json()["results"]) == 1


@pytest.mark.usefixtures("world")
def test_refusals_and_bad_questions_are_never_answered_from_the_cache(office):
    fresh_client(office).get(CITIES)
    fresh_client(office).get(FIGURES[1])

    for _ in range(2):
        assert fresh_client(UserFactory()).get(CITIES).status_code == 403
        assert fresh_client(UserFactory()).get(FIGURES[1]).status_code == 403
        assert fresh_client(office).get(CITIES, {"ordering": "nope"}).status_code == 400
        assert fresh_client(office).get(FIGURES[1], {"page": 99}).status_code == 404


def city_row(response, city) -> dict:
    return next(row for row in response.json()["results"] if row["city"]["id"] == city.pk)


@pytest.mark.usefixtures("world")
def test_a_city_submission_handed_in_makes_a_new_participation_answer(office, django_capture_on_commit_callbacks):
    qingdao = City.objects.get(code="370200")
    before = fresh_client(office).get(CITIES)
    draft = CitySubmission.objects.get(target__city=qingdao, state="draft")  # R3·青岛·Q1, due 11-16: missing
    CitySubmission.objects.filter(pk=draft.pk).update(work_done="已开展对接")
    draft.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        city_submission_submit(submission=draft, user=make_city_user(qingdao))
    after = fresh_client(office).get(CITIES)

    assert after["ETag"] != before["ETag"]
    assert city_row(before, qingdao)["submissions"]["late"] == 1
    assert city_row(after, qingdao)["submissions"]["late"] == 2  # handed in today, after its due date
    assert city_row(after, qingdao)["submissions"]["missing"] == city_row(before, qingdao)["submissions"]["missing"] - 1


@pytest.mark.usefixtures("world")
def test_a_contribution_handed_in_makes_a_new_participation_answer(office, django_capture_on_commit_callbacks):
    u3 = Unit.objects.get(name="省测试丙厅")
    before = fresh_client(office).get(UNITS)
    draft = Contribution.objects.get(unit=u3, state="draft")  # R2·U3·P1, due 11-06: missing

    with django_capture_on_commit_callbacks(execute=True):
        contribution_submit(contribution=draft, user=make_unit_user(u3))
    after = fresh_client(office).get(UNITS)

    row = {r["unit"]["id"]: r["contributions"] for r in after.json()["results"]}[u3.pk]
    assert after["ETag"] != before["ETag"]
    assert (row["late"], row["missing"]) == (1, 0)


@pytest.mark.usefixtures("world")
def test_a_refresh_of_the_rollup_makes_a_new_participation_answer(
    office, django_assert_num_queries, django_capture_on_commit_callbacks
):
    first = fresh_client(office).get(UNITS)
    with django_capture_on_commit_callbacks(execute=True):
        stats_refresh()
    client = fresh_client(office)

    with django_assert_num_queries(ROLE + 4):  # computed again: subjects, periods, calendar, the grouped counts
        second = client.get(UNITS, HTTP_IF_NONE_MATCH=first["ETag"])

    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]


@pytest.mark.parametrize("url", [FIGURES[1], FIGURES[2]])
def test_a_client_accepting_gzip_gets_the_same_answer_compressed_once(url, figures, office, django_assert_num_queries):
    plain = fresh_client(office).get(url)
    zipped = fresh_client(office).get(url, HTTP_ACCEPT_ENCODING="br, gzip;q=0.8")
    client = fresh_client(office)

    with django_assert_num_queries(ROLE):
        again = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        revalidated = client.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=zipped["ETag"])

    assert len(plain.content) >= caching.GZIP_FROM, "the answer is too small to show the compression"
    assert zipped["Content-Encoding"] == again["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    assert again.content == zipped.content and len(zipped.content) < len(plain.content) / 2
    assert "Accept-Encoding" in zipped["Vary"] and "Accept-Encoding" in plain["Vary"] and "Accept" in zipped["Vary"]
    assert zipped["ETag"] != plain["ETag"] and zipped["ETag"] == again["ETag"]
    assert revalidated.status_code == 304 and revalidated["ETag"] == zipped["ETag"]


@pytest.mark.parametrize(
    ("header", "compressed"),
    [("", False), ("identity", False), ("gzip;q=0", False), ("deflate, gzip;q=0.0", False), ("GZIP", True)],
)
def test_only_a_client_that_accepts_gzip_gets_it(header, compressed, figures, office):
    response = fresh_client(office).get(FIGURES[2], HTTP_ACCEPT_ENCODING=header)

    assert response.status_code == 200
    assert (response.get("Content-Encoding") == "gzip") is compressed
    assert caching.accepts_gzip(header) is compressed


def test_a_small_answer_is_sent_as_it_is(figures, office):
    response = fresh_client(office).get(FIGURES[0], HTTP_ACCEPT_ENCODING="gzip")

    assert len(response.content) < caching.GZIP_FROM
    assert "Content-Encoding" not in response and response.json()["as_of"]
