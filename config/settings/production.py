"""Production: PostgreSQL and Redis are required, secrets come from the environment, HTTPS throughout.

Missing or placeholder settings stop the process at import with one line naming the variable (SystemExit, not a
traceback): gunicorn, the worker and `manage.py` all fail at start, not at the first request that needs them.
Behind a TLS-terminating proxy that sets X-Forwarded-Proto; /health/ alone answers over plain HTTP (config/health.py).
"""

from urllib.parse import urlsplit

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, DATABASES, env

REQUIRED = ("DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOWED_HOSTS")
# The example values of .env.example (and base.py's local-only key): a copied example must not go live.
PLACEHOLDERS = ("change-me", "insecure-local-only-key")


def _refuse(message: str) -> None:
    raise SystemExit(f"错误 / error: {message}")


for _name in REQUIRED:
    if not env.str(_name, default="").strip():
        _refuse(f"{_name} 未设置 / {_name} is not set (production settings; see .env.example and the README)")

SECRET_KEY = env.str("DJANGO_SECRET_KEY")
if any(SECRET_KEY.startswith(p) for p in PLACEHOLDERS):
    _refuse("DJANGO_SECRET_KEY 仍是示例值 / DJANGO_SECRET_KEY is still the placeholder of .env.example")
_db_password = urlsplit(env.str("DATABASE_URL")).password or ""
if any(_db_password.startswith(p) for p in PLACEHOLDERS):
    _refuse("DATABASE_URL 的密码仍是示例值 / the password in DATABASE_URL is still the placeholder (POSTGRES_PASSWORD)")

DEBUG = False

# HTTPS: the proxy in front terminates TLS and says so in X-Forwarded-Proto (only ever set by that proxy).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Preloading lists the domain in browsers for good: a decision for the office's network team, so off by default,
# and the check that asks for it (security.W021) is silenced for that reason alone.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# The address reminders link to: the first served host over HTTPS unless said otherwise.
SITE_URL = env.str("SITE_URL", default=f"https://{ALLOWED_HOSTS[0]}/admin/")

# Persistent connections, checked before reuse so a restarted PostgreSQL costs no failed request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# An unreachable database fails /health/ and requests in seconds rather than at the TCP timeout.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
