"""Request ids: taken from X-Request-ID (if plausible) or made, echoed in the response, on every log line as JSON,
carried into the Celery tasks a request enqueues and into their log lines; gunicorn's access line agrees."""

import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from pythonjsonlogger.json import JsonFormatter

from audit.logs import AccessLogJsonFormatter, RequestContextFilter
from audit.middleware import RequestContextMiddleware
from config.settings.logging import build_logging
from tracker.reminders.tests.conftest import live  # noqa: F401
from tracker.reminders.tests.processes import wait_until
from tracker.tasks import attachments_purge_task


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.mark.django_db
def test_a_plausible_client_request_id_is_kept_and_echoed(client):
    response = client.get(reverse("admin:login"), HTTP_X_REQUEST_ID="abc-123-def-456")

    assert response["X-Request-ID"] == "abc-123-def-456"


@pytest.mark.django_db
@pytest.mark.parametrize("sent", [None, "", "short", "has spaces in it", "x" * 200, "inject\nnewline-000"])
def test_a_missing_or_implausible_request_id_is_replaced_by_a_new_one(client, sent):
    headers = {} if sent is None else {"HTTP_X_REQUEST_ID": sent}

    response = client.get(reverse("admin:login"), **headers)

    assert len(response["X-Request-ID"]) == 32
    assert response["X-Request-ID"] != sent


def test_log_lines_are_json_with_the_requests_id(capfd):
    # The production configuration, built as base.py builds it with DEBUG off.
    config = build_logging(fmt="json", level="INFO")
    handler = logging.StreamHandler()
    options = config["formatters"]["json"]
    handler.setFormatter(JsonFormatter(options["fmt"], rename_fields=options["rename_fields"]))
    handler.addFilter(RequestContextFilter())
    logger = logging.getLogger("audit.tests.json")
    logger.addHandler(handler)
    logger.propagate = False

    def view(request):
        logger.warning("报告已提交", extra={"report": 7})
        return HttpResponse("ok")

    request = RequestFactory().get("/x", HTTP_X_REQUEST_ID="req-log-000001", REMOTE_ADDR="10.9.8.7")
    response = RequestContextMiddleware(view)(request)
    logger.removeHandler(handler)

    line = _json_lines(capfd.readouterr().err)[-1]
    assert response["X-Request-ID"] == "req-log-000001"
    assert line["message"] == "报告已提交"
    assert (line["level"], line["logger"], line["report"]) == ("WARNING", "audit.tests.json", 7)
    assert (line["request_id"], line["ip"], line["origin"]) == ("req-log-000001", "10.9.8.7", "web")
    assert "time" in line


def test_the_gunicorn_access_line_carries_the_same_request_id():
    # gunicorn's access logger calls logger.info(access_log_format, atoms) with the atoms as a dict.
    atoms = {"h": "10.9.8.7", "m": "GET", "U": "/api/", "q": "", "s": "200", "B": "12", "D": "1500", "a": "ua"}
    atoms["{x-request-id}o"] = "req-log-000001"
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(h)s %(s)s", (atoms,), None)
    formatter = AccessLogJsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")

    line = json.loads(formatter.format(record))

    assert (line["request_id"], line["status"], line["method"], line["path"]) == ("req-log-000001", 200, "GET", "/api/")
    assert line["duration_ms"] == 1.5


@pytest.mark.services
def test_a_task_enqueued_during_a_request_logs_with_that_requests_id(live):  # noqa: F811
    worker = live.worker(DJANGO_LOG_FORMAT="json")

    def view(request):
        attachments_purge_task.delay()
        return HttpResponse("queued")

    request = RequestFactory().post("/queue", HTTP_X_REQUEST_ID="req-into-task-01")
    RequestContextMiddleware(view)(request)

    def logged() -> list[dict]:
        return [line for line in _json_lines(worker.output()) if line.get("logger") == "tracker.tasks"]

    wait_until(lambda: logged(), 30, "the task's log line")
    line = logged()[0]
    assert line["request_id"] == "req-into-task-01"
    assert line["origin"] == "celery:attachments.purge"
    assert line["task_id"]


def test_production_logs_json_lines_unless_debug(settings):
    # base.py (and so production.py, which adds nothing) with DEBUG off, as the test settings are.
    assert settings.DEBUG is False
    handler = settings.LOGGING["handlers"]["console"]
    assert handler["formatter"] == "json"
    assert handler["filters"] == ["request_context"]
    assert build_logging(fmt="text", level="INFO")["handlers"]["console"]["formatter"] == "text"
    with pytest.raises(ValueError):
        build_logging(fmt="xml", level="INFO")


@pytest.mark.parametrize("settings_module", ["config.settings.local", "config.settings.test"])
def test_a_django_error_is_logged_once(settings_module):
    # Django's own default config gives the "django" logger a console handler besides the root's: a 5xx was
    # printed twice in the quickstart's output. A fresh process, as scripts/run starts one.
    code = 'import logging; logging.getLogger("django.request").error("Service Unavailable: /probe/")'
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module, "DJANGO_DEBUG": "true"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (result.stdout + result.stderr).count("Service Unavailable: /probe/") == 1
