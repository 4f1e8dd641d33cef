"""Benchmark settings (benchmarks/, scripts/bench): production-like, with what a load test must not trip over."""

from .base import *  # noqa: F403
from .base import DATABASES, REST_FRAMEWORK, env

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# Persistent connections, as production should have them: a new PostgreSQL connection per request costs
# 1.35-1.48x on every endpoint (issue 11).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Thousands of requests from one user in a minute are the point of a load test, not abuse.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": dict.fromkeys(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "1000000/minute"),
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
