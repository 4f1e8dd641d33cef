"""Session authentication whose CSRF refusal speaks the user's language (DRF's says "CSRF Failed: ..." in English),
and token authentication that reads the user's roles with the token."""

import secrets
from dataclasses import dataclass

from django.contrib.auth import backends, get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import connections
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


@dataclass(frozen=True)
class TokenStatement:
    """The token look-up's SQL, compiled once per process and database: building the ORM query (a token, its user
    and four role subqueries) cost more CPU than running it, on every API request (issue 11)."""

    sql: str
    params: tuple
    key_at: int  # the position of the token's key among the params
    columns: tuple[str, ...]
    user_fields: tuple[str, ...]

    @classmethod
    def compile(cls, using: str) -> "TokenStatement":
        from rest_framework.authtoken.models import Token

        user_fields = tuple(field.attname for field in get_user_model()._meta.concrete_fields)
        annotations = access.role_annotations("user_id")
        placeholder = f"token-key-{secrets.token_hex(8)}"  # a value no other parameter can equal
        rows = (
            Token.objects.using(using)
            .filter(key=placeholder)
            .annotate(**annotations)
            .values("created", *(f"user__{name}" for name in user_fields), *annotations)
        )
        sql, params = rows.query.sql_with_params()
        query = rows.query
        columns = (*query.extra_select, *query.values_select, *query.annotation_select)
        return cls(sql, tuple(params), params.index(placeholder), columns, user_fields)

    def fetch(self, key: str, using: str) -> dict | None:
        params = list(self.params)
        params[self.key_at] = key
        with connections[using].cursor() as cursor:  # Django's cursor: counted, logged, timed like any query
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        return None if row is None else dict(zip(self.columns, row, strict=True))


_statements: dict[str, TokenStatement] = {}


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, with the user's roles and permissions (core.access.load_roles) read in the
    token's own query: an API request's "who" costs one query in all, and that query's SQL is built once per
    process (TokenStatement), not per request (issue 11)."""

    def authenticate_credentials(self, key):
        if not access.roles_in_one_query():
            return super().authenticate_credentials(key)
        model, using = self.get_model(), "default"
        statement = _statements.get(using) or _statements.setdefault(using, TokenStatement.compile(using))
        row = statement.fetch(key, using)
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user = get_user_model().from_db(
            using, statement.user_fields, [row[f"user__{name}"] for name in statement.user_fields]
        )
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
