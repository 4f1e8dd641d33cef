"""core.statements: a query compiled once answers each call with that call's values."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.db import connection

from core.statements import Statement

pytestmark = pytest.mark.django_db


def _joined(*, user: int, since: datetime.date):
    return User.objects.filter(id__gte=user, date_joined__date__gte=since).order_by("id").values_list("id", flat=True)


def _run(statement: Statement, **values) -> list[int]:
    sql, params = statement.sql_with_params(**values)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def test_each_call_runs_with_its_own_values_and_matches_the_orm():
    users = [User.objects.create(username=f"u{n}") for n in range(3)]
    statement = Statement(_joined, user=int, since=datetime.date)
    today = datetime.date.today()
    later = today + datetime.timedelta(days=1)

    for user, since in [(users[1].pk, today), (users[0].pk, today), (users[0].pk, later)]:
        assert _run(statement, user=user, since=since) == list(_joined(user=user, since=since))
    assert _run(statement, user=users[2].pk, since=today) == [users[2].pk]


def test_the_query_is_built_once_per_database():
    built = []

    def build(*, user: int):
        built.append(user)
        return User.objects.filter(id=user)

    statement = Statement(build, user=int)
    for user in (1, 2, 3):
        statement.sql_with_params(user=user)

    assert len(built) == 1


def test_a_value_the_query_does_not_use_is_refused():
    statement = Statement(lambda *, user, since: User.objects.filter(id=user), user=int, since=datetime.date)

    with pytest.raises(RuntimeError, match="does not reach"):
        statement.sql_with_params(user=1, since=datetime.date.today())


def test_first_answers_a_row_by_its_column_names_or_none():
    user = User.objects.create(username="zhang", first_name="张")
    statement = Statement(lambda *, name: User.objects.filter(username=name).values("id", "first_name"), name=str)

    assert statement.first(name="zhang") == {"id": user.pk, "first_name": "张"}
    assert statement.first(name="li") is None
