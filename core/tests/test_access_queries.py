"""What the role checks cost (issue 11): one query per request for the user's groups, units and permissions, none
on top of an API token's or a session's user look-up, and the answers exactly Django's own."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core import access
from core.authentication import TokenAuthentication

pytestmark = pytest.mark.django_db

REPORTS = reverse("tracker-api:report-list")


def _fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def test_every_role_fact_and_permission_comes_from_one_query(reporter, unit_a):
    user = _fresh(reporter)
    user.user_permissions.add(Permission.objects.get(codename="view_city"))  # one of its own, beside its group's
    user = _fresh(user)

    with CaptureQueriesContext(connection) as queries:
        facts = (access.is_office(user), access.is_consumer(user), access.unit_ids_of(user), access.leads_reforms(user))
        may = user.has_perms(["tracker.add_progressreport", "units.view_city"])
        may_not = user.has_perm("tracker.delete_reportingperiod")

    assert len(queries) == 1, [q["sql"] for q in queries.captured_queries]
    assert facts == (False, False, [unit_a.pk], False) and may and not may_not  # unit_a leads no item here
    # The permissions are Django's own answer, kept where ModelBackend keeps it.
    backend, plain = ModelBackend(), _fresh(user)
    assert user._user_perm_cache == backend.get_user_permissions(plain) == {"units.view_city"}
    assert user._group_perm_cache == backend.get_group_permissions(plain)
    assert user.get_all_permissions() == backend.get_all_permissions(_fresh(user))


@pytest.mark.parametrize("persona", ["office", "consumer", "reporter"])
def test_the_roles_match_for_every_persona(persona, request):
    user = _fresh(request.getfixturevalue(persona))
    expected = {"office": (True, False), "consumer": (False, True), "reporter": (False, False)}[persona]
    assert (access.is_office(user), access.is_consumer(user)) == expected


def test_an_api_token_brings_the_roles_with_it(reporter):
    token = Token.objects.create(user=reporter)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    client.get(REPORTS)  # the throttles' first cache writes

    with CaptureQueriesContext(connection) as queries:
        response = client.get(REPORTS)

    assert response.status_code == 200
    # 1 the token with its user, groups, units and permissions (DRF's token look-up plus three role queries
    # before), 2 COUNT (capped; no report yet, so no page is read).
    assert len(queries) == 2, [q["sql"] for q in queries.captured_queries]


def test_a_tokens_roles_are_read_afresh_on_every_request(reporter, unit_a, unit_b):
    # The token's query is built once per process (core.authentication): its answers must not be kept with it.
    token = Token.objects.create(user=reporter)
    authenticate = TokenAuthentication().authenticate_credentials

    before, _token = authenticate(token.key)
    reporter.memberships.update(unit=unit_b)
    reporter.groups.clear()
    after, _token = authenticate(token.key)

    assert (access.unit_ids_of(before), before.has_perm("tracker.add_progressreport")) == ([unit_a.pk], True)
    assert (access.unit_ids_of(after), after.has_perm("tracker.add_progressreport")) == ([unit_b.pk], False)


def test_a_bad_token_is_refused_in_chinese():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nope", HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = client.get(REPORTS)
    # 403, not 401: session authentication comes first and names no WWW-Authenticate scheme (core/schema.py).
    assert response.status_code == 403
    assert response.json()["detail"] == "认证令牌无效。", response.json()


def test_an_inactive_users_token_is_refused(reporter):
    token = Token.objects.create(user=reporter)
    reporter.is_active = False
    reporter.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(REPORTS).status_code == 403


def test_a_session_user_comes_with_its_roles(client, reporter):
    client.force_login(reporter)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(REPORTS)

    assert response.status_code == 200
    # 1 the session, 2 the user with its groups, units and permissions (core.authentication.ModelBackend),
    # 3 COUNT (no report yet, so no page is read).
    assert len(queries) == 3, [q["sql"] for q in queries.captured_queries]


def test_the_redis_cache_reuses_its_client_object():
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is client
    cache.set("perf-probe", 1)
    assert cache.get("perf-probe") == 1


def test_a_session_signed_in_through_djangos_own_backend_stays_signed_in(client, reporter):
    # Sessions from before issue 11 name django.contrib.auth.backends.ModelBackend; it stays listed, last.
    client.force_login(reporter, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(REPORTS)
    assert response.status_code == 200
    assert response.wsgi_request.user.pk == reporter.pk


@pytest.mark.parametrize("persona", ["office", "consumer", "reporter"])
def test_the_precompiled_token_look_up_answers_as_the_orm_would(persona, request):
    from core import authentication

    user = request.getfixturevalue(persona)
    token = Token.objects.create(user=user)
    authenticator = authentication.TokenAuthentication()

    found, found_token = authenticator.authenticate_credentials(token.key)
    again, _ = authenticator.authenticate_credentials(token.key)

    expected = _fresh(user)
    fields = [field.attname for field in get_user_model()._meta.concrete_fields]
    assert [getattr(found, name) for name in fields] == [getattr(expected, name) for name in fields]
    assert (found_token.key, found_token.user_id, found_token.created) == (token.key, user.pk, token.created)
    assert found_token.user is found and not found._state.adding
    assert (access.is_office(found), access.is_consumer(found), access.unit_ids_of(found)) == (
        access.is_office(expected),
        access.is_consumer(expected),
        access.unit_ids_of(expected),
    )
    assert found.get_all_permissions() == ModelBackend().get_all_permissions(_fresh(user))
    assert again.pk == found.pk


def test_the_precompiled_statement_is_built_once(reporter, monkeypatch):
    from core import authentication
    from core.statements import Statement

    token = Token.objects.create(user=reporter)
    built = []

    def build(*, key):
        built.append(key)
        return authentication._token_rows(key=key)

    monkeypatch.setattr(authentication, "TOKEN_ROWS", Statement(build, key=str))

    for _ in range(3):
        assert authentication.TokenAuthentication().authenticate_credentials(token.key)[0].pk == reporter.pk

    assert len(built) == 1 and built[0] != token.key  # built once, with a placeholder for the key


def test_whether_a_unit_leads_an_item_comes_with_the_roles(reporter, unit_a, unit_b):
    from reforms.choices import ResponsibilityRole
    from reforms.tests.factories import ResponsibilityFactory
    from tracker.tests.factories import make_reform_for

    reform = make_reform_for(unit_b)  # unit_b leads; the reporter's unit_a only assists
    ResponsibilityFactory(reform=reform, unit=unit_a, role=ResponsibilityRole.CO, position=1)
    assert access.leads_reforms(_fresh(reporter)) is False

    make_reform_for(unit_a)
    user = _fresh(reporter)
    with CaptureQueriesContext(connection) as queries:
        assert access.leads_reforms(user) is True
    assert len(queries) == 1  # the roles' one query
