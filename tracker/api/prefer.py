"""RFC 7240 `Prefer: return=minimal` on the report writes: the client says it does not need the report back.

A write then answers 204 No Content with the report's ETag (and, for a create, its Location) and
`Preference-Applied: return=minimal`: no detail to build, no history read for it (issue 11: the answer was about a
quarter of a submit's web CPU). Without the header, or with `return=representation`, the answer is the detail as
always. Unknown preferences are ignored, as RFC 7240 asks. docs/api-contract.md describes it.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

MINIMAL = "minimal"
REPRESENTATION = "representation"

PREFER = OpenApiParameter(
    "Prefer",
    str,
    OpenApiParameter.HEADER,
    description=_(
        'RFC 7240. "return=minimal": answer 204 without a body, with the ETag (and, for a create, the Location); '
        '"return=representation" or no header: the report as usual. Preference-Applied says which was applied.'
    ),
)
MINIMAL_RESPONSE = OpenApiResponse(
    description=_("Prefer: return=minimal was applied: no body; the report's new version is in the ETag header")
)


def preferred_return(request) -> str | None:
    """The `return` preference of the request's Prefer header(s), lowercased, or None.

    RFC 7240: preferences are comma-separated, a name may carry `=value` and `;` parameters (ignored here), names
    are case-insensitive, and only the first occurrence of a preference counts.
    """
    header = request.headers.get("Prefer")
    if not header:
        return None
    for item in header.split(","):
        name, _sep, value = item.split(";", 1)[0].partition("=")
        if name.strip().lower() == "return":
            return value.strip().strip('"').lower() or None
    return None
