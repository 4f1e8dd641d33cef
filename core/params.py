"""Opt-in query parameters that add to an answer (`?claims=1` on the matrix, `?city_lines=1` on the reports list):
read one way everywhere, and a value that is neither true nor false is a 400, not a silent "no"."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

# What a form, a script or the OpenAPI schema's boolean (schemathesis sends true/false) may send.
TRUE, FALSE = ("1", "true", "True"), ("", "0", "false", "False")


def flag_parameter(name: str, description) -> OpenApiParameter:
    """The OpenAPI description of a boolean query parameter read by query_flag()."""
    return OpenApiParameter(name, bool, description=description)


def query_flag(request, name: str) -> bool:
    """Whether the request sets the query parameter `name` (absent or empty: no); 400 on any other value."""
    value = request.query_params.get(name, "").strip()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValidationError({name: [_("Use 1 or 0.")]})
