"""Celery bootstrap: one app, configured from Django settings under the CELERY_ namespace."""

import os

from celery import Celery

# The deployed processes (gunicorn through config/wsgi.py, the Celery worker and beat through this module) default to
# the production settings, which refuse to start without their required variables: a process started without
# DJANGO_SETTINGS_MODULE stops with a line naming what is missing instead of running with DEBUG on. The two must
# agree because `config/__init__.py` imports this module first, so its default is also the web process's default.
# Development sets the variable (scripts/run: local; scripts/test: test), and manage.py, a developer's tool, keeps
# defaulting to local settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("rollout_tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
