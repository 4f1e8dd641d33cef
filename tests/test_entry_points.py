"""The web and worker entry points agree on their settings when DJANGO_SETTINGS_MODULE is not set: production,
which refuses to start without its required variables (config/celery.py says why)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

ROOT = settings.BASE_DIR


def start_without_settings_module(code: str) -> subprocess.CompletedProcess:
    # Nothing of this shell: no DJANGO_SETTINGS_MODULE, no required production variable, no developer's .env.
    env = {"PATH": os.environ["PATH"], "DJANGO_READ_DOT_ENV": "false"}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "code",
    [
        "import config.wsgi",  # gunicorn config.wsgi:application
        "from config import celery_app; celery_app.loader.import_default_modules()",  # celery -A config worker
    ],
)
def test_the_web_and_the_worker_start_on_the_production_settings_by_default(code):
    result = start_without_settings_module(code + "; print('started')")

    assert result.returncode != 0
    assert "started" not in result.stdout
    # The production settings' refusal, not a local development server.
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("错误 / error: ") and "production settings" in line
