"""The matrix's opt-in `claims` parameter (issue 12): each target cell also shows the city's latest claim."""

from django.utils.translation import gettext_lazy as _

from core.params import flag_parameter, query_flag

CLAIMS_PARAMETER = flag_parameter(
    "claims",
    _(
        "1: each target cell also holds the city's latest submitted or confirmed claim (`claim`) and whether it "
        "differs from the confirmed status (`claim_differs`); one query more. Else both are null."
    ),
)


def wants_claims(request) -> bool:
    """Whether the request asks for the claims; 400 on a value that is neither true nor false."""
    return query_flag(request, "claims")
