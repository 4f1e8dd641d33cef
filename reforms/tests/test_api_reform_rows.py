"""The reforms list builds its rows as plain dicts (reforms.api.reform_rows); ReformSerializer documents them. This test
holds the two to the same bytes: the list as served against the list DRF's own ListModelMixin serializes through
ReformSerializer, for reforms of every category, scope and target status, with and without deadlines, co-units and
English names, in both languages and with a format suffix in the URL."""

import datetime

import pytest
from django.urls import reverse
from rest_framework.mixins import ListModelMixin

from reforms.api.views import ReformViewSet
from reforms.choices import Category, ResponsibilityRole, Scope, TargetStatus
from reforms.tests.factories import BatchFactory, ReformFactory, ResponsibilityFactory, RolloutTargetFactory
from units.tests.factories import CityFactory, UnitFactory, make_consumer_user, make_unit_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def reforms(db):
    dated = BatchFactory(code="rows-dated")
    undated = BatchFactory(code="rows-undated", default_deadline=None)
    units = [UnitFactory(), UnitFactory(short_en=""), UnitFactory()]
    cities = CityFactory.create_batch(4)
    statuses = list(TargetStatus.values)
    n = 0
    for batch in (dated, undated):
        for category in Category.values:
            for scope in Scope.values:
                n += 1
                reform = ReformFactory(
                    batch=batch,
                    category=category,
                    scope=scope,
                    needs_verification=scope == Scope.UNVERIFIED,
                    verification_note="核对原件" if scope == Scope.UNVERIFIED else "",
                    deadline=datetime.date(2027, 6, n) if n % 2 else None,
                )
                for position, unit in enumerate(units[: n % 3 + 1]):
                    role = ResponsibilityRole.LEAD if position == 0 else ResponsibilityRole.CO
                    ResponsibilityFactory(reform=reform, unit=unit, role=role, position=position)
                for index, city in enumerate(cities[: n % 5]):
                    status = statuses[(n + index) % 4]
                    reason = "无口岸" if status == TargetStatus.NOT_APPLICABLE else ""
                    RolloutTargetFactory(reform=reform, city=city, status=status, not_applicable_reason=reason)
    return units


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("suffix", [None, "json"])
def test_the_fast_rows_are_byte_for_byte_the_serializers_answer(reforms, client_for, monkeypatch, language, suffix):
    url = reverse("reforms-api:reform-list", kwargs={"format": suffix} if suffix else {})
    users = [make_consumer_user(username="rows_consumer"), make_unit_user(reforms[0], username="rows_staff")]
    served = [client_for(user).get(url, {"page_size": 200}, HTTP_ACCEPT_LANGUAGE=language) for user in users]
    # The same requests through DRF's own list: ReformSerializer on model instances.
    monkeypatch.setattr(ReformViewSet, "list", ListModelMixin.list)
    for user, response in zip(users, served, strict=True):
        expected = client_for(user).get(url, {"page_size": 200}, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == expected.status_code == 200
        assert response.content == expected.content

    rows = served[0].json()["results"]
    # The fixture covers what it says (else the byte comparison could pass on a narrow sample).
    assert len(rows) == 12
    assert {row["scope"] for row in rows} == set(Scope.values)
    assert {row["effective_deadline"] is None for row in rows} == {True, False}
    assert {len(row["responsible_units"]) for row in rows} == {1, 2, 3}
    assert {row["target_count"] for row in rows} == {0, 1, 2, 3, 4}
    assert {unit["short_en"] for row in rows for unit in row["responsible_units"]} >= {""}
    assert all(row["url"].endswith(f"/{row['id']}.json" if suffix else f"/{row['id']}/") for row in rows)
