"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

# Production settings by default, the same default as config/celery.py (imported first, through config/__init__.py):
# see there why.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()
