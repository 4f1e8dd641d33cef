"""The one error path of the API: every error is JSON `{"code": ..., "detail": ...}` in the request's language.

`code` is stable (clients branch on it), `detail` is for people (Chinese unless the request asks for English);
validation errors add `errors`, the messages per field. REST_FRAMEWORK["EXCEPTION_HANDLER"] points at
exception_handler(); the handler400/403/404/500 views below answer the same way for what fails before or outside
a DRF view under /api/ (an unknown URL, a body over DATA_UPLOAD_MAX_MEMORY_SIZE, a crash).
"""

import logging

from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request is too large.")
    default_code = "request_too_large"


class DatabaseUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    # Not "nothing was saved": a write may have committed just before the connection went (its answer is read
    # afterwards). A retry is safe all the same: a second create hits the unique triple, a stale edit answers 412.
    default_detail = gettext_lazy(
        "The database is briefly unavailable. Please try again shortly; if you were saving, reload first to see "
        "whether it was saved."
    )
    default_code = "database_unavailable"
    # Seconds a client should wait: a PostgreSQL restart or fail-over takes a few.
    wait = 5


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The data changed in the meantime. Reload it and try again.")
    default_code = "conflict"


# DRF messages that are not marked for translation: the same text in our catalogue, so that they read in Chinese.
UNTRANSLATED = {
    "No data provided": gettext_lazy("No data was provided."),
}
# Our own text for these, whatever the parser said: its English detail may quote the body back.
CLASS_MESSAGES = {
    exceptions.ParseError: gettext_lazy("The request body could not be read: check its format and encoding."),
}


def _translated(detail):
    """ErrorDetail values with DRF's untranslated strings replaced, keeping their codes; lists and dicts walked."""
    if isinstance(detail, dict):
        return {key: _translated(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_translated(value) for value in detail]
    text = UNTRANSLATED.get(str(detail))
    if text is not None:
        return exceptions.ErrorDetail(str(text), code=getattr(detail, "code", None))
    return detail


def _first_message(detail) -> str:
    """The first message anywhere in a (nested) validation error: the summary people read first."""
    values = detail.values() if isinstance(detail, dict) else detail if isinstance(detail, list) else None
    if values is None:
        return str(detail)
    for value in values:
        message = _first_message(value)
        if message:
            return message
    return ""


def as_api_exception(exc: Exception) -> exceptions.APIException | None:
    """The APIException `exc` stands for, or None for an unexpected error (a 500)."""
    if isinstance(exc, DjangoValidationError):
        detail = as_serializer_error(exc)
        if NON_FIELD_ERRORS in detail:
            detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
        return exceptions.ValidationError(detail=detail)
    if isinstance(exc, Http404):
        # Django's text names the model ("No ProgressReport matches the given query."), in English.
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge()
    if isinstance(exc, SuspiciousOperation):
        return exceptions.ParseError()
    if isinstance(exc, IntegrityError):
        # A constraint (or a database guard) refused a write the services' checks let through: a race with another
        # request. The transaction rolled back, nothing was written.
        return Conflict()
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The connection was refused or lost (a restart, a fail-over). Logged: operators want to know.
        logger.warning("database unavailable: %s", exc)
        return DatabaseUnavailable()
    # Domain errors say which status they mean (tracker.exceptions), so this module needs no domain import.
    http_status = getattr(exc, "http_status", None)
    if http_status:
        error = exceptions.APIException(getattr(exc, "message", None) or str(exc), code=exc.http_code)
        error.status_code = http_status
        return error
    if isinstance(exc, exceptions.APIException):
        return exc
    return None


def error_body(exc: exceptions.APIException) -> dict:
    detail = _translated(exc.detail)
    if isinstance(exc, exceptions.ValidationError):
        errors = detail if isinstance(detail, dict) else {api_settings.NON_FIELD_ERRORS_KEY: detail}
        return {"code": "invalid", "detail": _first_message(errors) or _("Invalid input."), "errors": errors}
    code = exc.default_code
    if isinstance(detail, exceptions.ErrorDetail) and detail.code:
        code = detail.code
    message = CLASS_MESSAGES.get(type(exc))
    if message is not None and str(detail) != str(message):
        detail = message
    return {"code": code, "detail": str(detail)}


def exception_handler(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every expected error as JSON; None (a 500) for anything else."""
    api_exc = as_api_exception(exc)
    if api_exc is None:
        return None
    # Imported here: DRF's views import the authentication classes, and core.authentication is one of them.
    from rest_framework.response import Response
    from rest_framework.views import set_rollback

    headers = {}
    if getattr(api_exc, "auth_header", None):
        headers["WWW-Authenticate"] = api_exc.auth_header
    if getattr(api_exc, "wait", None):
        headers["Retry-After"] = str(int(api_exc.wait))
    set_rollback()
    return Response(error_body(api_exc), status=api_exc.status_code, headers=headers)


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _json(code: str, detail: str, status_code: int) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail}, status=status_code, json_dumps_params={"ensure_ascii": False})


def bad_request(request, exception, template_name="400.html"):
    """handler400: a body over DATA_UPLOAD_MAX_MEMORY_SIZE (read before any view ran) and other refused requests."""
    if not _is_api(request):
        return defaults.bad_request(request, exception, template_name)
    if isinstance(exception, RequestDataTooBig):
        return _json(RequestTooLarge.default_code, str(RequestTooLarge.default_detail), 413)
    return _json("parse_error", str(CLASS_MESSAGES[exceptions.ParseError]), 400)


def permission_denied(request, exception, template_name="403.html"):
    if not _is_api(request):
        return defaults.permission_denied(request, exception, template_name)
    return _json("permission_denied", str(exceptions.PermissionDenied.default_detail), 403)


def page_not_found(request, exception, template_name="404.html"):
    if not _is_api(request):
        return defaults.page_not_found(request, exception, template_name)
    return _json("not_found", str(exceptions.NotFound.default_detail), 404)


def server_error(request, template_name="500.html"):
    if not _is_api(request):
        return defaults.server_error(request, template_name)
    return _json("server_error", _("A server error occurred. The error has been logged; please try again later."), 500)


class ApiErrorMiddleware:
    """Outermost middleware: under /api/, an error response that is not JSON becomes the JSON error of its status.

    The handlers above serve production; with DEBUG on (the quickstart) Django answers an unknown URL, a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE or a crash with its technical HTML pages instead (the traceback is still logged).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or not _is_api(request):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        if response.status_code == 400:
            return bad_request(request, _body_too_large(request))
        if response.status_code == 403:
            return permission_denied(request, None)
        if response.status_code == 404:
            return page_not_found(request, None)
        if response.status_code >= 500:
            return server_error(request)
        return response


def _body_too_large(request) -> Exception:
    from django.conf import settings

    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return RequestDataTooBig() if limit is not None and length > limit else SuspiciousOperation()
