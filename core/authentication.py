"""Session authentication whose CSRF refusal speaks the user's language (DRF's says "CSRF Failed: ..." in English),
and token authentication that reads the user's roles with the token."""

from django.contrib.auth import backends, get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from core import access
from core.statements import Statement


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


def _token_rows(*, key: str):
    """A token's creation time, its user's fields and the user's roles (core.access), by the token's key."""
    from rest_framework.authtoken.models import Token

    annotations = access.role_annotations("user_id")
    users = (f"user__{name}" for name in _user_fields())
    return Token.objects.filter(key=key).annotate(**annotations).values("created", *users, *annotations)


def _user_fields() -> tuple[str, ...]:
    return tuple(field.attname for field in get_user_model()._meta.concrete_fields)


# The token look-up's SQL, compiled once per process and database: building the ORM query (a token, its user and
# four role subqueries) cost more CPU than running it, on every API request (issue 11).
TOKEN_ROWS = Statement(_token_rows, key=str)


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, with the user's roles and permissions (core.access.load_roles) read in the
    token's own query: an API request's "who" costs one query in all, and that query's SQL is built once per
    process (TOKEN_ROWS), not per request (issue 11)."""

    def authenticate_credentials(self, key):
        if not access.roles_in_one_query():
            return super().authenticate_credentials(key)
        model, using = self.get_model(), "default"
        row = TOKEN_ROWS.first(using, key=key)
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        fields = _user_fields()
        user = get_user_model().from_db(using, fields, [row[f"user__{name}"] for name in fields])
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token = model.from_db(using, ["key", "user_id", "created"], [key, user.pk, row["created"]])
        token.user = user
        access.keep_roles(user, row)
        return (user, token)


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
