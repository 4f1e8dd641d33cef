"""Participation statistics: city submissions, claims and applications per city; contributions per co-unit.

The world below (today = Friday 2026-11-20, China Standard Time); every expected figure is worked out by hand here,
not by the code under test:

    batch B (rule: contributions 2 working days before the report): P1 2026-10 (report due Tue 11-10, so city
        submissions and contributions are due Fri 11-06: Mon 11-09, then Sun 11-08 rolls back to Fri 11-06),
        P2 2026-11 (report due Thu 12-10, so due Tue 12-08: upcoming)
      R1 lead U1, co U2: 济南 in progress, 青岛 done, 淄博 not applicable
      R2 lead U2, co U1 and U3, own deadline 2026-10-31 (so P2, starting 11-01, is not owed): 济南 not started
    batch B2 (no rule: due with the report): Q1 2026-11 (due Mon 11-16)
      R3 lead U3, co U2: 青岛 in progress
    City submissions: R1·济南·P1 confirmed 11-05 (claims done), R1·济南·P2 submitted 11-19 (claims in progress),
        R1·青岛·P1 submitted 11-07 00:30 CST (late; still 11-06 in UTC; claims in progress), R2·济南·P1 returned,
        R3·青岛·Q1 draft.
    Applications: 淄博 for R2 submitted (pending), 淄博 for R3 rejected.
    Contributions: R1·U2·P1 submitted 11-06 23:00 CST (on time), R2·U1·P1 submitted 11-09 (late), R2·U3·P1 draft.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reforms.choices import ResponsibilityRole, TargetStatus
from reforms.tests.factories import BatchFactory, ReformFactory, ResponsibilityFactory, RolloutTargetFactory
from tracker.cities.models import CityApplication, CitySubmission
from tracker.cities.tests.factories import make_city_user
from tracker.contributions.deadlines import contribution_due_on
from tracker.contributions.models import Contribution
from tracker.reminders.tests.factories import ReportingRuleFactory
from tracker.tests.factories import ReportingPeriodFactory
from units.tests.factories import UnitFactory, UserFactory, make_unit_user

from .factories import make_city, stamp

pytestmark = pytest.mark.django_db

CITIES = reverse("stats-api:city-participation")
UNITS = reverse("stats-api:unit-contributions")


def period(batch, code, starts_on, due_on):
    return ReportingPeriodFactory(
        batch=batch, code=code, starts_on=starts_on, ends_on=starts_on + datetime.timedelta(days=29), due_on=due_on
    )


def submission(target, period_, state, at=None, status=TargetStatus.IN_PROGRESS, author=None):
    values = {"state": state, "status": status, "author": author or UserFactory()}
    if state != "draft":
        values.update(submitted_at=at, revision=1)
    if state == "confirmed":
        values["reviewer"] = UserFactory()
    if state == "returned":
        values["review_comment"] = "请补充"
    return CitySubmission.objects.create(target=target, period=period_, **values)


def contribution(reform, unit, period_, state, at=None):
    return Contribution.objects.create(
        reform=reform, unit=unit, period=period_, state=state, submitted_at=at, author=UserFactory(), work_done="配合"
    )


@pytest.fixture
def world(frozen, unit_a, unit_b):
    c1, c2, c3 = make_city("370100", "济南市"), make_city("370200", "青岛市"), make_city("370300", "淄博市")
    u1, u2, u3 = unit_a, unit_b, UnitFactory(name="省测试丙厅")
    b = BatchFactory(code="part-b", issued_on=datetime.date(2026, 3, 1), default_deadline=datetime.date(2026, 12, 31))
    ReportingRuleFactory(batch=b, contribution_lead_days=2)
    p1 = period(b, "2026-10", datetime.date(2026, 10, 1), datetime.date(2026, 11, 10))
    p2 = period(b, "2026-11", datetime.date(2026, 11, 1), datetime.date(2026, 12, 10))
    b2 = BatchFactory(code="part-b2", issued_on=datetime.date(2026, 6, 1), default_deadline=datetime.date(2027, 6, 30))
    q1 = period(b2, "2026-11", datetime.date(2026, 11, 1), datetime.date(2026, 11, 16))
    r1 = ReformFactory(batch=b, position=1)
    r2 = ReformFactory(batch=b, position=2, deadline=datetime.date(2026, 10, 31))
    r3 = ReformFactory(batch=b2, position=1)
    for reform, unit, role, position in [
        (r1, u1, ResponsibilityRole.LEAD, 1),
        (r1, u2, ResponsibilityRole.CO, 2),
        (r2, u2, ResponsibilityRole.LEAD, 1),
        (r2, u1, ResponsibilityRole.CO, 2),
        (r2, u3, ResponsibilityRole.CO, 3),
        (r3, u3, ResponsibilityRole.LEAD, 1),
        (r3, u2, ResponsibilityRole.CO, 2),
    ]:
        ResponsibilityFactory(reform=reform, unit=unit, role=role, position=position)
    t11 = RolloutTargetFactory(reform=r1, city=c1, status=TargetStatus.IN_PROGRESS)
    t12 = RolloutTargetFactory(reform=r1, city=c2, status=TargetStatus.DONE)
    RolloutTargetFactory(reform=r1, city=c3, status=TargetStatus.NOT_APPLICABLE, not_applicable_reason="不具备条件")
    t21 = RolloutTargetFactory(reform=r2, city=c1, status=TargetStatus.NOT_STARTED)
    t32 = RolloutTargetFactory(reform=r3, city=c2, status=TargetStatus.IN_PROGRESS)
    submission(t11, p1, "confirmed", stamp(11, 5), status=TargetStatus.DONE)
    submission(t11, p2, "submitted", stamp(11, 19))
    submission(t12, p1, "submitted", stamp(11, 7, 0, 30))
    submission(t21, p1, "returned", stamp(11, 5))
    submission(t32, q1, "draft")
    applicant = UserFactory()
    CityApplication.objects.create(reform=r2, city=c3, applicant=applicant, conditions_met="具备", reason="申请")
    CityApplication.objects.create(
        reform=r3, city=c3, applicant=applicant, conditions_met="具备", reason="申请", state="rejected",
        decision_reason="条件不足",
    )  # fmt: skip
    contribution(r1, u2, p1, "submitted", stamp(11, 6, 23))
    contribution(r2, u1, p1, "submitted", stamp(11, 9))
    contribution(r2, u3, p1, "draft")
    return {"cities": (c1, c2, c3), "units": (u1, u2, u3), "periods": (p1, p2, q1), "reforms": (r1, r2, r3)}


def counts(due=0, on_time=0, late=0, missing=0, upcoming=0) -> dict:
    return {"due": due, "on_time": on_time, "late": late, "missing": missing, "submitted": on_time + late,
            "upcoming": upcoming}  # fmt: skip


def city_row(city, targets, claims, differing, pending, **submissions) -> dict:
    return {
        "city": {"id": city.pk, "code": city.code, "name": city.name},
        "targets": targets,
        "submissions": counts(**submissions),
        "claims": claims,
        "claims_differing": differing,
        "applications_pending": pending,
    }


def unit_row(unit, co_reforms, **contributions) -> dict:
    subject = {"id": unit.pk, "name": unit.name}
    return {"unit": subject, "co_reforms": co_reforms, "contributions": counts(**contributions)}


def get(client_for, user, url, **params):
    response = client_for(user).get(url, params)
    return response


def test_the_due_dates_the_world_relies_on(world):
    p1, p2, q1 = world["periods"]
    assert contribution_due_on(p1) == datetime.date(2026, 11, 6)
    assert contribution_due_on(p2) == datetime.date(2026, 12, 8)
    assert contribution_due_on(q1) == datetime.date(2026, 11, 16)


def test_city_rows_count_submissions_claims_and_applications(world, client_for, office):
    c1, c2, c3 = world["cities"]
    response = get(client_for, office, CITIES)
    assert response.status_code == 200, response.json()
    assert response.json()["count"] == 3
    assert response.json()["results"] == [
        city_row(c1, 2, 1, 0, 0, due=2, on_time=1, missing=1, upcoming=1),
        city_row(c2, 2, 1, 1, 0, due=2, late=1, missing=1, upcoming=1),
        city_row(c3, 0, 0, 0, 1),
    ]


def test_unit_rows_count_contributions_as_co_unit(world, client_for, consumer):
    u1, u2, u3 = world["units"]
    response = get(client_for, consumer, UNITS)
    assert response.status_code == 200, response.json()
    by_name = sorted([u1, u2, u3], key=lambda u: u.name)
    expected = {
        u1.pk: unit_row(u1, 1, due=1, late=1),
        u2.pk: unit_row(u2, 2, due=2, on_time=1, missing=1, upcoming=1),
        u3.pk: unit_row(u3, 1, due=1, missing=1),
    }
    assert response.json()["results"] == [expected[u.pk] for u in by_name]


@pytest.mark.parametrize(
    ("params", "cities", "units"),
    [
        # One batch: B2 has R3 only (青岛 target, U2 co-unit).
        ({"batch": "part-b2"}, {"济南市": {}, "青岛市": {"due": 1, "missing": 1}}, {"U2": {"due": 1, "missing": 1}}),
        # A period code: P2 of B and Q1 of B2.
        (
            {"period": "2026-11"},
            {"济南市": {"upcoming": 1}, "青岛市": {"due": 1, "missing": 1, "upcoming": 1}},
            {"U1": {}, "U2": {"due": 1, "missing": 1, "upcoming": 1}, "U3": {}},
        ),
        # Due dates up to 11-10: P1 only.
        (
            {"date_to": "2026-11-10"},
            {"济南市": {"due": 2, "on_time": 1, "missing": 1}, "青岛市": {"due": 1, "late": 1}},
            {"U1": {"due": 1, "late": 1}, "U2": {"due": 1, "on_time": 1}, "U3": {"due": 1, "missing": 1}},
        ),
    ],
)
def test_filters_choose_the_obligations(world, client_for, office, params, cities, units):
    u1, u2, u3 = world["units"]
    names = {"U1": u1.pk, "U2": u2.pk, "U3": u3.pk}
    city_answer = get(client_for, office, CITIES, **params).json()["results"]
    assert {row["city"]["name"]: row["submissions"] for row in city_answer if row["city"]["name"] in cities} == {
        name: counts(**expected) for name, expected in cities.items()
    }
    unit_answer = get(client_for, office, UNITS, **params).json()["results"]
    assert {row["unit"]["id"]: row["contributions"] for row in unit_answer} == {
        names[key]: counts(**expected) for key, expected in units.items()
    }


def test_city_staff_see_their_city_only(world, client_for):
    c1, c2, _c3 = world["cities"]
    staff = make_city_user(c1)
    rows = get(client_for, staff, CITIES).json()["results"]
    assert [row["city"]["id"] for row in rows] == [c1.pk]
    assert rows[0]["submissions"] == counts(due=2, on_time=1, missing=1, upcoming=1)
    refused = get(client_for, staff, CITIES, city=c2.code)
    assert refused.status_code == 400
    assert "只能" in str(refused.json())
    assert get(client_for, staff, UNITS).status_code == 403


def test_unit_staff_see_their_unit_and_their_reforms_per_city(world, client_for, reporter):
    u1, u2, _u3 = world["units"]
    c1, c2, _c3 = world["cities"]
    rows = get(client_for, reporter, UNITS).json()["results"]
    assert rows == [unit_row(u1, 1, due=1, late=1)]
    assert get(client_for, reporter, UNITS, unit_id=u2.pk).status_code == 400
    # U1 is responsible for R1 and R2, not R3: 青岛 counts R1 only.
    cities = {row["city"]["id"]: row for row in get(client_for, reporter, CITIES).json()["results"]}
    assert cities[c1.pk] == city_row(c1, 2, 1, 0, 0, due=2, on_time=1, missing=1, upcoming=1)
    assert cities[c2.pk] == city_row(c2, 1, 1, 1, 0, due=1, late=1, upcoming=1)


def test_others_are_refused(world, client_for):
    assert get(client_for, None, CITIES).status_code in (401, 403)
    nobody = UserFactory()
    for url in (CITIES, UNITS):
        response = get(client_for, nobody, url)
        assert response.status_code == 403
        assert "没有" in str(response.json())


def test_ordering_and_paging(world, client_for, office):
    _c1, c2, c3 = world["cities"]
    response = get(client_for, office, CITIES, ordering="-applications_pending,-submissions_late", page_size=2)
    assert [row["city"]["id"] for row in response.json()["results"]] == [c3.pk, c2.pk]
    assert response.json()["next"]
    bad = get(client_for, office, CITIES, ordering="colour")
    assert bad.status_code == 400
    assert "ordering" in bad.json()["errors"]
    assert "未知字段" in str(bad.json())


def test_the_matrix_shows_the_claims_on_request(world, client_for, office):
    c1, c2, _c3 = world["cities"]
    r1, r2, _r3 = world["reforms"]
    url = reverse("stats-api:matrix")

    def cells(**params):
        data = get(client_for, office, url, batch="part-b", **params).json()
        columns = [city["city"]["id"] for city in data["cities"]]
        return {
            (row["reform"]["id"], city): cell
            for row in data["results"]
            for city, cell in zip(columns, row["cells"], strict=True)
            if cell
        }

    plain = cells()
    assert plain[(r1.pk, c2.pk)]["claim"] is None
    assert plain[(r1.pk, c2.pk)]["claim_differs"] is None
    shown = cells(claims="1")
    assert shown[(r1.pk, c2.pk)]["claim"]["status"] == TargetStatus.IN_PROGRESS
    assert shown[(r1.pk, c2.pk)]["claim_differs"] is True
    # The latest period's claim (P2, in progress) wins over P1's (done).
    assert shown[(r1.pk, c1.pk)]["claim"]["period"] == "2026-11"
    assert shown[(r1.pk, c1.pk)]["claim_differs"] is False
    # A returned submission is no claim.
    assert shown[(r2.pk, c1.pk)]["claim"] is None
    assert shown[(r2.pk, c1.pk)]["claim_differs"] is False


def grow(count: int) -> None:
    """`count` more reforms, each with its own batch and rule, two cities, a co-unit, two periods and filings."""
    for index in range(count):
        batch = BatchFactory(issued_on=datetime.date(2026, 3, 1), default_deadline=datetime.date(2026, 12, 31))
        ReportingRuleFactory(batch=batch, contribution_lead_days=1)
        first = period(batch, "2026-10", datetime.date(2026, 10, 1), datetime.date(2026, 11, 10))
        period(batch, "2026-11", datetime.date(2026, 11, 1), datetime.date(2026, 12, 10))
        reform = ReformFactory(batch=batch)
        lead, co = UnitFactory(), UnitFactory()
        ResponsibilityFactory(reform=reform, unit=lead, role=ResponsibilityRole.LEAD, position=1)
        ResponsibilityFactory(reform=reform, unit=co, role=ResponsibilityRole.CO, position=2)
        for offset in (0, 1):
            city = make_city(f"38{2 * index + offset:04d}", f"参与城市{2 * index + offset}")
            target = RolloutTargetFactory(reform=reform, city=city)
            submission(target, first, "submitted", stamp(11, 3))
            CityApplication.objects.create(reform=reform, city=city, applicant=UserFactory(), conditions_met="具备",
                                           reason="申请", state="rejected", decision_reason="不足")  # fmt: skip
        contribution(reform, co, first, "submitted", stamp(11, 2))


def queries(client_for, user, url, **params) -> int:
    client = client_for(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"page_size": 200, **params})
    assert response.status_code == 200, response.json()
    return len(captured)


# The role check, then: subjects, periods, calendar overrides, the grouped counts (cities: submissions, claims,
# applications; units: contributions).
OFFICE = {CITIES: 1 + 6, UNITS: 1 + 4}


@pytest.mark.parametrize("url", [CITIES, UNITS])
@pytest.mark.parametrize("count", [1, 20])
def test_query_counts_are_pinned(frozen, client_for, office, url, count):
    grow(count)
    assert queries(client_for, office, url) == OFFICE[url]


@pytest.mark.parametrize("count", [1, 20])
def test_query_counts_for_city_and_unit_staff(frozen, client_for, count):
    grow(count)
    city = make_city("380000", "参与城市0")
    unit = UnitFactory()
    ResponsibilityFactory(reform=ReformFactory(), unit=unit, role=ResponsibilityRole.CO, position=1)
    # On top of the office's role check (which reads the groups and the unit memberships in one query,
    # core.access.load_roles, so the consumer check and the unit ids cost none): their city memberships.
    assert queries(client_for, make_city_user(city), CITIES) == OFFICE[CITIES] + 1
    assert queries(client_for, make_unit_user(unit), UNITS) == OFFICE[UNITS] + 1


def test_the_ledger_shows_the_participation_and_the_claims(world, client_for, office):
    import io

    from openpyxl import load_workbook

    response = client_for(office).get(reverse("stats-api:ledger-xlsx"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    ledger = book["台账"]
    headers = [c.value for c in ledger[2]]
    start = headers.index("城市报送应报数")
    # R1: 济南 and 青岛 owe P1 (on time, late), 青岛 claims otherwise; U2's contribution is in. R2: 济南's P1 was
    # returned; U1 filed late, U3 has a draft. R3 (batch B2 first in the table): 青岛's Q1 is a draft, U2 filed none.
    lines = [row[start : start + 5] for row in ledger.iter_rows(min_row=3, values_only=True)]
    assert lines == [(1, 1, 0, 1, 1), (2, 0, 1, 1, 0), (1, 1, 0, 2, 1)]
    matrix = book["改革事项 × 城市"]
    cells = [row[4:] for row in matrix.iter_rows(min_row=3, max_row=5, values_only=True)]
    assert cells == [
        (None, "推进中", None),  # R3: 青岛's draft is no claim
        ("推进中", "已完成（市报：推进中）", "不适用"),  # R1
        ("未开始", None, None),  # R2: the returned submission is no claim
    ]
    units = {row[0]: row[1:] for row in book["配合单位材料"].iter_rows(min_row=3, values_only=True)}
    assert units == {
        "省测试甲厅": (1, 1, 0, 1, 0, 0),
        "省测试乙厅": (2, 2, 1, 0, 1, 1),
        "省测试丙厅": (1, 1, 0, 0, 1, 0),
    }


@pytest.mark.parametrize("count", [1, 20])
def test_the_matrix_claims_cost_one_query(frozen, client_for, office, count):
    grow(count)
    url = reverse("stats-api:matrix")
    plain = queries(client_for, office, url)
    from django.core.cache import cache

    cache.clear()  # the answer is cached per query string: start again from an empty cache
    assert queries(client_for, office, url, claims="1") == plain + 1
    assert client_for(office).get(url, {"claims": "maybe"}).status_code == 400


def test_the_dashboard_heatmap_shows_a_differing_claim_on_request(world, client, office):
    client.force_login(office)
    url = reverse("stats:dashboard")

    plain = client.get(url).content.decode()
    shown = client.get(url, {"claims": "1"}).content.decode()

    assert "市报：推进中" not in plain
    # Only 青岛's claim on R1 differs (in progress, confirmed done).
    assert shown.count("市报：推进中") == 1
    assert shown.count("claim-differs") == 1
