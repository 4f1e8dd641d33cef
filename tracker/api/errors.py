"""How the tracker API answers the services' errors, and the version precondition of writes (ETag / If-Match)."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from ..exceptions import PreconditionFailed, ReportStateConflict


class PreconditionRequiredError(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _(
        "Say which version you are changing: send the If-Match header with the report's ETag, or a version field."
    )
    default_code = "precondition_required"


class PreconditionFailedError(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = PreconditionFailed.default_message
    default_code = "precondition_failed"


class ConflictError(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = ReportStateConflict.default_message
    default_code = "conflict"


def exception_handler(exc, context):
    """DRF's handler, taught the services' exceptions: each becomes its 4xx, with messages per field."""
    if isinstance(exc, DjangoValidationError):
        detail = as_serializer_error(exc)
        if NON_FIELD_ERRORS in detail:
            detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
        exc = ValidationError(detail=detail)
    elif isinstance(exc, PreconditionFailed):
        exc = PreconditionFailedError(exc.message)
    elif isinstance(exc, ReportStateConflict):
        exc = ConflictError(exc.message)
    elif isinstance(exc, IntegrityError) and "tracker:" in str(exc):
        # The PostgreSQL guard of frozen reports spoke: a race the services' checks did not see. Nothing was written.
        exc = ConflictError()
    return drf_exception_handler(exc, context)


def etag(version: int) -> str:
    return f'"{version}"'


def requested_version(request, *, required: bool) -> int | None:
    """The version the client says it is changing: If-Match first, else a `version` field in the body."""
    header = request.headers.get("If-Match")
    if header is not None:
        value = header.strip()
        if value.startswith("W/"):
            value = value[2:]
        value = value.strip('"')
        if not value.isdigit():
            raise ValidationError({"If-Match": [_('If-Match must carry the ETag of the report, e.g. "3".')]})
        return int(value)
    body = request.data.get("version") if hasattr(request.data, "get") else None
    if body is not None and body != "":
        try:
            return int(body)
        except (TypeError, ValueError):
            raise ValidationError({"version": [_("A valid integer is required.")]}) from None
    if required:
        raise PreconditionRequiredError()
    return None
