"""API tokens without the shell: the office issues and revokes them in the admin; a consumer exchanges its user name
and password for its token at POST /api/auth/token/ (throttled)."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from units.tests.factories import make_consumer_user

User = get_user_model()
pytestmark = pytest.mark.django_db
TOKEN_URL = reverse("api-token")
PASSWORD = "pass-1234-word"  # the factories' password


# --- the admin ---


def test_the_office_issues_a_token_to_a_consumer(client, office, consumer):
    client.force_login(office)

    response = client.post(reverse("admin:authtoken_tokenproxy_add"), {"user": consumer.pk})

    assert response.status_code == 302
    assert Token.objects.filter(user=consumer).exists()


def test_the_office_may_issue_tokens_to_consumers_only(client, office, reporter, consumer):
    client.force_login(office)
    Token.objects.create(user=make_consumer_user(username="has_one"))

    page = client.get(reverse("admin:authtoken_tokenproxy_add"))
    response = client.post(reverse("admin:authtoken_tokenproxy_add"), {"user": reporter.pk})

    choices = {str(user) for user in page.context["adminform"].form.fields["user"].queryset}
    assert choices == {"consumer"}  # not unit staff, not a consumer that holds a token already
    assert response.status_code == 200 and response.context["adminform"].form.errors
    assert not Token.objects.filter(user=reporter).exists()


def test_the_office_revokes_a_token_and_it_stops_working_at_once(client, office, consumer):
    token = Token.objects.create(user=consumer)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/units/cities/").status_code == 200
    client.force_login(office)

    response = client.post(reverse("admin:authtoken_tokenproxy_delete", args=[consumer.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Token.objects.filter(user=consumer).exists()
    refused = api.get("/api/units/cities/")
    assert refused.status_code == 403  # session authentication comes first: no challenge, so 403 rather than 401
    assert refused.json()["detail"] == "认证令牌无效。"


def test_an_administrators_token_is_not_the_offices_to_see(client, office):
    root = User.objects.create_superuser("root", "root@example.org", "pw-123456-root")
    Token.objects.create(user=root)
    client.force_login(office)

    listing = client.get(reverse("admin:authtoken_tokenproxy_changelist"))

    assert listing.status_code == 200
    assert "root" not in [str(t.user) for t in listing.context["cl"].result_list]
    assert client.get(reverse("admin:authtoken_tokenproxy_change", args=[root.pk])).status_code == 404
    assert client.post(reverse("admin:authtoken_tokenproxy_delete", args=[root.pk]), {"post": "yes"}).status_code == 404
    assert Token.objects.filter(user=root).exists()


@pytest.mark.parametrize("role", ["reporter", "manager"])
def test_unit_staff_cannot_see_or_issue_tokens(client, request, role, consumer):
    client.force_login(request.getfixturevalue(role))
    Token.objects.create(user=consumer)

    assert client.get(reverse("admin:authtoken_tokenproxy_changelist")).status_code == 403
    assert client.post(reverse("admin:authtoken_tokenproxy_add"), {"user": consumer.pk}).status_code == 403
    assert client.post(
        reverse("admin:authtoken_tokenproxy_delete", args=[consumer.pk]), {"post": "yes"}
    ).status_code in (403, 404)
    assert Token.objects.filter(user=consumer).count() == 1


@pytest.mark.parametrize("count", [1, 20])
def test_the_token_list_costs_the_same_queries_for_1_and_20_tokens(client, office, count):
    for i in range(count):
        Token.objects.create(user=make_consumer_user(username=f"consumer{i}"))
    client.force_login(office)
    client.get(reverse("admin:authtoken_tokenproxy_changelist"))  # warm the content types and permissions caches

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:authtoken_tokenproxy_changelist"))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count
    # session, user with its groups, units and permissions (one query), count for the paginator, unfiltered count,
    # the page of tokens joined with their users, and the filters' dates: the same for any number of tokens.
    assert len(queries) == 5, [q["sql"] for q in queries]


# --- the endpoint ---


def test_a_consumer_exchanges_its_password_for_its_token(consumer):
    token = Token.objects.create(user=consumer)

    response = APIClient().post(TOKEN_URL, {"username": "consumer", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    assert response.json() == {"token": token.key}


def test_a_wrong_password_answers_400_in_chinese(consumer):
    Token.objects.create(user=consumer)

    response = APIClient().post(TOKEN_URL, {"username": "consumer", "password": "wrong"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"] == ["无法使用提供的认证信息登录。"]


def test_missing_fields_answer_400_per_field(db):
    response = APIClient().post(TOKEN_URL, {}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"username": ["该字段是必填项。"], "password": ["该字段是必填项。"]}


def test_an_account_without_an_issued_token_gets_none(consumer, reporter):
    for username in ("consumer", "reporter"):
        response = APIClient().post(TOKEN_URL, {"username": username, "password": PASSWORD}, format="json")

        assert response.status_code == 400
        assert "尚未向此账号签发 API 令牌" in response.json()["errors"]["non_field_errors"][0]
    # A revoked token does not come back by itself: only the office issues tokens.
    assert not Token.objects.exists()


def test_too_many_attempts_answer_429_with_retry_after(consumer, settings):
    Token.objects.create(user=consumer)
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth-token"]
    allowed, _ = ScopedRateThrottle().parse_rate(rate)
    client = APIClient()
    for _ in range(allowed):
        assert client.post(TOKEN_URL, {"username": "consumer", "password": "wrong"}, format="json").status_code == 400

    throttled = client.post(TOKEN_URL, {"username": "consumer", "password": PASSWORD}, format="json")

    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert throttled.json()["detail"].startswith("请求已被限流。")


def test_a_signed_in_browser_needs_no_csrf_token_to_ask(consumer):
    Token.objects.create(user=consumer)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(consumer)

    response = client.post(TOKEN_URL, {"username": "consumer", "password": PASSWORD}, format="json")

    assert response.status_code == 200
