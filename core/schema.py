"""The API's OpenAPI schema class: every operation documents the errors it can answer, in the one error shape.

Which statuses come from where: 400 bad parameters or body (filters apply to detail routes too); 403 no or wrong
credentials (session authentication comes first, so DRF answers 403 rather than 401) or a role without the right;
404 an object outside one's scope or an unknown page; 429 throttled; 503 the database unreachable; and for
operations with a body 413 (too large) and 415 (a content type the operation does not parse). Operations add their
own (409/412/428 for report writes).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True, help_text=_("Stable error code, e.g. not_found, invalid, conflict"))
    detail = serializers.CharField(read_only=True, help_text=_("What went wrong, in the request's language"))
    errors = serializers.DictField(
        read_only=True,
        required=False,
        help_text=_("Validation errors only: the messages of each field (a list, or nested per item)"),
    )


ERRORS = {
    400: _("Invalid parameters or body"),
    403: _("Not signed in, or not allowed"),
    404: _("Not found (or outside your scope)"),
    429: _("Too many requests: wait for Retry-After seconds"),
    503: _("The database is briefly unavailable (a restart): retry after Retry-After seconds"),
}
BODY_ERRORS = {
    413: _("The request body is too large"),
    415: _("Unsupported content type"),
}


def error_response(description) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


class AutoSchema(openapi.AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # A list's child with allow_null=True: drf-spectacular does not read it, the items may be null all the same.
        child = getattr(field, "child", None)
        if isinstance(field, serializers.ListField) and getattr(child, "allow_null", False) and "items" in schema:
            schema["items"] = {"allOf": [schema["items"]], "nullable": True}
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction=direction)
        errors = dict(ERRORS)
        if self.method in ("POST", "PUT", "PATCH"):
            errors.update(BODY_ERRORS)
        for code, description in errors.items():
            if str(code) not in responses:
                response = self._get_response_for_code(ErrorSerializer, str(code), direction=direction)
                response["description"] = str(description)
                responses[str(code)] = response
        return responses


class CoreSessionScheme(SessionScheme):
    """Documents core.authentication.SessionAuthentication as DRF's session scheme (cookie + CSRF)."""

    target_class = "core.authentication.SessionAuthentication"


def postprocess(result, generator, request, public):
    """SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]: what serializer fields cannot say by themselves.

    `errors` comes with validation errors only (drf-spectacular lists every read-only field as required).
    An empty date filter means no filter.
    """
    error = result.get("components", {}).get("schemas", {}).get("Error")
    if error and "errors" in error.get("required", []):
        error["required"].remove("errors")
    # django-filter reads an empty date (`?date_to=`) as "no filter", as an HTML form sends it: say so.
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if parameter.get("in") == "query" and schema.get("format") in ("date", "date-time"):
                    parameter["schema"] = {"anyOf": [schema, {"type": "string", "maxLength": 0}]}
    return result
