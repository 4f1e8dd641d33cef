"""Local development and the quickstart: debug on, mail written to files under var/mail/ (one per message)."""

from .base import *  # noqa: F403
from .base import LOG_LEVEL, VAR_DIR, env
from .logging import build_logging

DEBUG = env.bool("DJANGO_DEBUG", default=True)
EMAIL_BACKEND = env.str("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
# base.py chose the log format before DEBUG was switched on here: a terminal reads text better.
LOGGING = build_logging(fmt=env.str("DJANGO_LOG_FORMAT", default="text" if DEBUG else "json"), level=LOG_LEVEL)
