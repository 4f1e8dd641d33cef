"""The health endpoint for load balancers and compose: is the database reachable, is Redis, did a worker answer lately.

GET /health/ answers JSON without sign-in, 200 when every check passes and 503 otherwise:

    {"status": "ok", "checks": {"database": {"ok": true}, "redis": {"ok": true},
                                "worker": {"ok": true, "seconds_since_heartbeat": 12}}}

"A worker answered" is read from a heartbeat: Celery beat schedules `health.heartbeat` (CELERY_BEAT_SCHEDULE), a
worker runs it and stamps the time in the shared cache (Redis in production). Asking the workers directly
(`inspect ping`) on every probe would make each probe wait for the slowest worker; the stamp is one cache read.

HealthCheckMiddleware answers the path before any other middleware, so the probe needs no TLS (no SSL redirect) and
no allowed Host header: compose and a load balancer call it over plain HTTP inside the network, by IP.
"""

import time

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

HEARTBEAT_KEY = "health:worker-heartbeat"
PATH = "/health/"


@shared_task(name="health.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Stamp the time a worker last ran a task; kept a day so a stale stamp reads as stale, not as missing."""
    cache.set(HEARTBEAT_KEY, time.time(), timeout=24 * 3600)


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as exc:  # any failure is the answer, not a 500
        return {"ok": False, "error": _("The database is unreachable."), "detail": type(exc).__name__}


def _redis() -> dict:
    if not settings.REDIS_URL:
        # The quickstart's file-system broker: nothing to reach.
        return {"ok": True, "configured": False}
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        return {"ok": True}
    except Exception as exc:
        return {"ok": False, "error": _("Redis is unreachable."), "detail": type(exc).__name__}


def _worker() -> dict:
    try:
        stamp = cache.get(HEARTBEAT_KEY)
    except Exception as exc:
        return {"ok": False, "error": _("The worker's heartbeat cannot be read."), "detail": type(exc).__name__}
    if stamp is None:
        return {"ok": False, "error": _("No worker has answered yet.")}
    age = max(0, round(time.time() - stamp))
    if age > settings.HEALTH_HEARTBEAT_MAX_AGE:
        return {"ok": False, "error": _("No worker has answered recently."), "seconds_since_heartbeat": age}
    return {"ok": True, "seconds_since_heartbeat": age}


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database(), "redis": _redis(), "worker": _worker()}
    ok = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "error", "checks": checks},
        status=200 if ok else 503,
        json_dumps_params={"ensure_ascii": False},
    )


class HealthCheckMiddleware:
    """First in MIDDLEWARE: answers GET/HEAD /health/ before SSL redirect, host validation, sessions or sign-in."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.path == PATH and request.method in ("GET", "HEAD"):
            return health(request)
        return self.get_response(request)
