"""Session authentication whose CSRF refusal speaks the user's language (DRF's says "CSRF Failed: ..." in English)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


class CsrfFailed(exceptions.PermissionDenied):
    default_detail = _(
        "CSRF check failed: reload the page and try again, or authenticate with a token instead of the session."
    )
    default_code = "csrf_failed"


class SessionAuthentication(authentication.SessionAuthentication):
    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as exc:
            raise CsrfFailed() from exc
