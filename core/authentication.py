"""Session authentication whose CSRF refusal speaks the user's language (DRF's says "CSRF Failed: ..." in English),
and token authentication that reads the user's roles with the token."""

import functools

from django.contrib.auth import backends, get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from core import access


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


@functools.cache
def _tokens_with_roles(model):
    # Built once per process: resolving the four role subqueries was about half of the authentication's CPU on every
    # API request (issue 11, benchmarks/write_profile.py). A queryset is never evaluated here, only cloned by get().
    return model.objects.select_related("user").annotate(**access.role_annotations("user_id"))


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, with the user's roles and permissions (core.access.load_roles) read in the
    token's own query: an API request's "who" costs one query in all (issue 11)."""

    def authenticate_credentials(self, key):
        if not access.roles_in_one_query():
            return super().authenticate_credentials(key)
        try:
            token = _tokens_with_roles(self.get_model()).get(key=key)
        except self.get_model().DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        access.keep_roles(token.user, token)
        return (token.user, token)


class ModelBackend(backends.ModelBackend):
    """Django's ModelBackend, reading the signed-in user of a session with its roles and permissions in one query
    (core.access.load_roles): a page or an API call over the session pays one query for "who" after the session's
    own, not four (issue 11)."""

    def get_user(self, user_id):
        if not access.roles_in_one_query():
            return super().get_user(user_id)
        users = get_user_model()._default_manager.annotate(**access.role_annotations())
        try:
            user = users.get(pk=user_id)
        except ObjectDoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        access.keep_roles(user, user)
        return user
