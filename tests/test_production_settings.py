"""config.settings.production refuses to start without its required variables or with .env.example's placeholders,
with one line naming the variable; with only the required variables set, `check --deploy` finds nothing."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

ROOT = settings.BASE_DIR
REQUIRED = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DATABASE_URL": "postgres://rollout:s3cret-pass@db.internal:5432/rollout",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "DJANGO_ALLOWED_HOSTS": "rollout.example.gov.cn",
}


def run_production(code: str, **variables: str) -> subprocess.CompletedProcess:
    # Only what the test gives: no variable of this shell, and no developer's .env, may fill a gap.
    env = {"PATH": os.environ["PATH"], "DJANGO_READ_DOT_ENV": "false", **variables}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def import_settings(**variables: str) -> subprocess.CompletedProcess:
    return run_production("import django; django.setup(); print('started')", **variables)


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_it_stops_with_one_line_naming_a_missing_variable(missing):
    result = import_settings(**{k: v for k, v in REQUIRED.items() if k != missing})

    assert result.returncode != 0
    assert "started" not in result.stdout
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("错误 / error: ") and f"{missing} is not set" in line


def test_an_empty_variable_counts_as_missing():
    result = import_settings(**{**REQUIRED, "REDIS_URL": "  "})

    assert result.returncode != 0
    assert "REDIS_URL is not set" in result.stderr


def test_it_refuses_the_example_secret_key():
    result = import_settings(**{**REQUIRED, "DJANGO_SECRET_KEY": "change-me-to-a-long-random-string"})

    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert "DJANGO_SECRET_KEY is still the placeholder" in line


def test_it_refuses_the_example_database_password():
    url = "postgres://rollout:change-me@db:5432/rollout"
    result = import_settings(**{**REQUIRED, "DATABASE_URL": url})

    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert "DATABASE_URL" in line and "placeholder" in line


def test_with_the_required_variables_it_starts_with_https_settings_and_persistent_connections():
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "db = s.DATABASES['default']; "
        "print(json.dumps([s.DEBUG, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SITE_URL, db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS']]))"
    )
    result = run_production(code, **REQUIRED)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        '[false, true, 31536000, true, true, "https://rollout.example.gov.cn/admin/", 60, true]'
    )


def test_the_documented_variables_change_the_https_settings():
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SITE_URL]))"
    )
    extra = {"DJANGO_SECURE_SSL_REDIRECT": "false", "DJANGO_SECURE_HSTS_SECONDS": "3600", "SITE_URL": "https://x.cn/"}
    result = run_production(code, **REQUIRED, **extra)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '[false, 3600, "https://x.cn/"]'


def test_check_deploy_passes_with_only_the_required_variables():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_READ_DOT_ENV": "false",
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            **REQUIRED,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
