"""The API's one error path: malformed input of every kind answers a 4xx (never a 500), as JSON with a stable
`code` and a Chinese `detail` (English on request), and stores nothing."""

import json

import pytest
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from core.errors import server_error
from tracker.models import Attachment, ProgressReport
from tracker.reminders.tests.smtp import free_port
from tracker.stats.tests.test_api import ENDPOINTS as STATS_ENDPOINTS

from . import samples

pytestmark = pytest.mark.django_db

LIST = reverse("tracker-api:report-list")
PAST_64_BITS = str(2**64 + 1)


def detail(report) -> str:
    return reverse("tracker-api:report-detail", args=[report.pk])


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code, body
    assert body["detail"]
    return body


def chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


# --- malformed headers, bodies and ids: 4xx, nothing stored ------------------------------------------------------


@pytest.mark.parametrize("header", ['"²"', '"٣"', 'W/"1"x', '"99999999999999999999999"'])
def test_an_if_match_that_is_not_an_ascii_version_answers_400(client_for, reporter, reform_a, make_report, header):
    report = make_report(reporter, reform_a)
    client = client_for(reporter)

    patched = client.patch(detail(report), {"percent": 30}, format="json", HTTP_IF_MATCH=header)
    submitted = client.post(reverse("tracker-api:report-submit", args=[report.pk]), HTTP_IF_MATCH=header)

    for response in (patched, submitted):
        body = assert_error(response, 400, "invalid")
        assert "If-Match" in body["errors"]
    report.refresh_from_db()
    assert (report.percent, report.state, report.version) == (0, "draft", 1)


def test_a_body_nested_a_thousand_levels_deep_answers_400_and_stores_nothing(client_for, reporter, reform_a, period):
    deep = "[" * 1100 + "]" * 1100
    body = f'{{"reform": {reform_a.pk}, "period": {period.pk}, "work_done": {deep}}}'

    response = client_for(reporter).generic("POST", LIST, body, content_type="application/json")

    assert chinese(assert_error(response, 400, "parse_error")["detail"])
    assert not ProgressReport.objects.exists()


def test_a_body_nested_past_the_limit_but_parseable_answers_400(client_for, reporter, reform_a, period):
    # 40 levels: Python parses it, the parser's own limit (32) refuses it.
    body = f'{{"reform": {reform_a.pk}, "period": {period.pk}, "city_lines": {"[" * 40 + "]" * 40}}}'

    response = client_for(reporter).generic("POST", LIST, body, content_type="application/json")

    assert_error(response, 400, "parse_error")
    assert not ProgressReport.objects.exists()


ID_FILTERS = {
    "tracker-api:report-list": ("reform_id", "unit_id", "period_id", "batch_id", "city_id"),
    "tracker-api:period-list": ("batch_id",),
    "reforms-api:reform-list": ("batch_id", "unit_id", "city_id"),
    "units-api:unit-list": ("city_id",),
    **{f"stats-api:{name}": ("batch_id", "unit_id", "city_id", "period_id") for name in STATS_ENDPOINTS},
}


@pytest.mark.parametrize("value", [PAST_64_BITS, "-1", "0", "²", "1e3"])
def test_every_id_filter_refuses_what_is_no_database_id_with_400(client_for, office, value):
    client = client_for(office)
    for url_name, filters in ID_FILTERS.items():
        for name in filters:
            response = client.get(reverse(url_name), {name: value})
            body = assert_error(response, 400, "invalid")
            assert name in body["errors"], (url_name, name)
            assert chinese(body["detail"])


def test_the_largest_64_bit_id_is_a_valid_id_that_matches_nothing(client_for, office):
    response = client_for(office).get(LIST, {"unit_id": str(2**63 - 1)})

    # An unknown id is refused as an unknown choice, like any other unknown id; no overflow on the way.
    assert_error(response, 400, "invalid")


def test_a_non_numeric_report_id_on_revisions_answers_404_in_chinese(client_for, reporter):
    response = client_for(reporter).get("/api/tracker/reports/abc/revisions/")

    body = assert_error(response, 404, "not_found")
    assert body["detail"] == "未找到。"


def test_a_docx_whose_central_directory_is_corrupt_is_refused_in_chinese(client_for, reporter, reform_a, make_report):
    report = make_report(reporter, reform_a)
    content = bytearray(samples.docx())
    # "Version needed to extract" of every central directory entry: past what zipfile reads (NotImplementedError).
    at = content.find(b"PK\x01\x02")
    while at != -1:
        content[at + 6 : at + 8] = (255).to_bytes(2, "little")
        at = content.find(b"PK\x01\x02", at + 4)
    url = reverse("tracker-api:report-attachment-list", kwargs={"report_id": report.pk})

    response = client_for(reporter).post(url, {"file": samples.upload("方案.docx", bytes(content))}, format="multipart")

    body = assert_error(response, 400, "invalid")
    assert chinese(body["errors"]["file"][0])
    assert not Attachment.objects.exists()


# --- every error class as JSON in Chinese ---------------------------------------------------------------------------


def test_a_report_outside_ones_scope_answers_404_in_chinese_without_naming_the_model(
    client_for, reporter, other_reporter, reform_b, make_report
):
    report = make_report(other_reporter, reform_b)

    response = client_for(reporter).get(detail(report))

    body = assert_error(response, 404, "not_found")
    assert body["detail"] == "未找到。"
    assert "ProgressReport" not in response.content.decode()


def test_an_unknown_api_url_answers_json_404(client_for, reporter):
    response = client_for(reporter).get("/api/no-such-thing/")

    assert assert_error(response, 404, "not_found")["detail"] == "未找到。"


def test_a_method_not_allowed_answers_405_in_chinese(client_for, reporter):
    response = client_for(reporter).post(reverse("reforms-api:reform-list"), {}, format="json")

    assert chinese(assert_error(response, 405, "method_not_allowed")["detail"])


def test_an_unsupported_media_type_answers_415_in_chinese(client_for, reporter):
    response = client_for(reporter).generic("POST", LIST, "x", content_type="text/plain")

    assert chinese(assert_error(response, 415, "unsupported_media_type")["detail"])


def test_malformed_json_answers_400_in_chinese_and_english_on_request(client_for, reporter):
    client = client_for(reporter)

    zh = client.generic("POST", LIST, '{"reform": ', content_type="application/json")
    en = client.generic("POST", LIST, '{"reform": ', content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")

    assert chinese(assert_error(zh, 400, "parse_error")["detail"])
    assert "JSON" in assert_error(en, 400, "parse_error")["detail"]
    assert "JSON parse error" not in zh.content.decode()


def test_a_json_null_body_answers_400_in_chinese(client_for, reporter):
    response = client_for(reporter).generic("POST", LIST, "null", content_type="application/json")

    body = assert_error(response, 400, "invalid")
    assert "No data provided" not in response.content.decode()
    assert chinese(body["detail"])


def test_a_csrf_failure_answers_403_in_chinese(reporter, reform_a, period):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(reporter)

    response = client.post(LIST, {"reform": reform_a.pk, "period": period.pk}, format="json")

    body = assert_error(response, 403, "csrf_failed")
    assert chinese(body["detail"]) and "CSRF" in body["detail"]
    assert not ProgressReport.objects.exists()


def test_anonymous_requests_answer_403_in_chinese(client_for):
    response = client_for(None).get(LIST)

    assert chinese(assert_error(response, 403, "not_authenticated")["detail"])


def test_throttling_answers_429_in_chinese_with_retry_after(client_for, reporter, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "tracker-writes": "1/hour"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    client = client_for(reporter)
    client.post(LIST, {}, format="json")

    response = client.post(LIST, {}, format="json")

    assert chinese(assert_error(response, 429, "throttled")["detail"])
    assert int(response["Retry-After"]) > 0


def test_a_body_over_the_upload_memory_limit_answers_413_json(client_for, reporter, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = "work_done=" + "进" * 2000

    response = client_for(reporter).generic(
        "POST", LIST, body.encode(), content_type="application/x-www-form-urlencoded"
    )

    assert chinese(assert_error(response, 413, "request_too_large")["detail"])
    assert not ProgressReport.objects.exists()


def test_a_server_error_under_api_answers_json_and_elsewhere_the_html_page():
    request = RequestFactory().get("/api/tracker/reports/")
    with translation.override("zh-hans"):
        response = server_error(request)

    assert response.status_code == 500
    body = json.loads(response.content)
    assert body["code"] == "server_error" and chinese(body["detail"])
    assert server_error(RequestFactory().get("/admin/"))["Content-Type"].startswith("text/html")


def test_a_malformed_page_size_or_boolean_filter_answers_400_instead_of_being_ignored(client_for, consumer):
    client = client_for(consumer)

    page_size = client.get(reverse("units-api:city-list"), {"page_size": "null"})
    boolean = client.get(reverse("reforms-api:reform-list"), {"needs_verification": "null"})

    assert "page_size" in assert_error(page_size, 400, "invalid")["errors"]
    assert "needs_verification" in assert_error(boolean, 400, "invalid")["errors"]
    assert client.get(reverse("reforms-api:reform-list"), {"needs_verification": "false"}).status_code == 200


def test_with_debug_on_an_unknown_url_and_a_body_too_large_still_answer_json(client_for, reporter, settings):
    # The quickstart runs with DEBUG on, where Django answers with its technical HTML pages.
    settings.DEBUG = True
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = client_for(reporter)

    unknown = client.get("/api/no-such-thing/")
    too_large = client.generic(
        "POST", LIST, ("work_done=" + "进" * 2000).encode(), content_type="application/x-www-form-urlencoded"
    )

    assert assert_error(unknown, 404, "not_found")["detail"] == "未找到。"
    assert_error(too_large, 413, "request_too_large")
    assert client.get("/admin/no-such-page/")["Content-Type"].startswith("text/html")


# --- the database going away ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_database_that_refuses_connections_answers_503_with_retry_after(client_for, office):
    client = client_for(office)
    # A real refused connection (nothing listens on that loopback port), as while PostgreSQL restarts.
    connection.close()
    real_port = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = free_port()
    try:
        response = client.get(LIST)
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port

    body = assert_error(response, 503, "database_unavailable")
    assert chinese(body["detail"])
    assert response["Retry-After"] == "5"
    assert client.get(LIST).status_code == 200  # and the next request, once it is back, is served
