"""The matrix's opt-in `claims` parameter (issue 12): each target cell also shows the city's latest claim."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

CLAIMS_PARAMETER = OpenApiParameter(
    "claims",
    bool,
    description=_(
        "1: each target cell also holds the city's latest submitted or confirmed claim (`claim`) and whether it "
        "differs from the confirmed status (`claim_differs`); one query more. Else both are null."
    ),
)
TRUE, FALSE = ("1", "true", "True"), ("", "0", "false", "False")


def wants_claims(request) -> bool:
    """Whether the request asks for the claims; 400 on a value that is neither true nor false."""
    value = request.query_params.get("claims", "").strip()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValidationError({"claims": [_("Use 1 or 0.")]})
