"""The version precondition of the tracker API's writes (ETag / If-Match).

Errors are answered by the API's one exception handler (core.errors); the services' PreconditionFailed and
ReportStateConflict carry their HTTP status themselves (tracker/exceptions.py).
"""

import re

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError

# ASCII digits only: str.isdigit() and int() also take "²" or "٣", which are no version.
_ETAG = re.compile(r'\A(?:W/)?"?([0-9]{1,18})"?\Z')


class PreconditionRequiredError(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _(
        "Say which version you are changing: send the If-Match header with the report's ETag, or a version field."
    )
    default_code = "precondition_required"


def etag(version: int) -> str:
    return f'"{version}"'


def requested_version(request, *, required: bool) -> int | None:
    """The version the client says it is changing: If-Match first, else a `version` field in the body."""
    header = request.headers.get("If-Match")
    if header is not None:
        match = _ETAG.match(header.strip())
        if not match:
            raise ValidationError({"If-Match": [_('If-Match must carry the ETag of the report, e.g. "3".')]})
        return int(match.group(1))
    body = request.data.get("version") if hasattr(request.data, "get") else None
    if body is not None and body != "":
        if isinstance(body, bool) or not re.fullmatch(r"[0-9]{1,18}", str(body)):
            raise ValidationError({"version": [_("A valid integer is required.")]})
        return int(body)
    if required:
        raise PreconditionRequiredError()
    return None
