"""The logging configuration, in one place: JSON lines (one object per line, for the log collector) or plain text
for a developer's terminal. base.py picks JSON unless DEBUG is on; DJANGO_LOG_FORMAT=json|text overrides.

Every line carries `request_id` (X-Request-ID of the request, or of the request that enqueued the task), and the
user, process and task id when known (audit.logs.RequestContextFilter)."""

JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def build_logging(*, fmt: str, level: str) -> dict:
    if fmt not in ("json", "text"):
        raise ValueError(f"DJANGO_LOG_FORMAT must be json or text, not {fmt!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_context": {"()": "audit.logs.RequestContextFilter"}},
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": JSON_FIELDS,
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
                "json_ensure_ascii": False,
            },
            "text": {"format": TEXT_FORMAT},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": fmt, "filters": ["request_context"]},
        },
        "root": {"handlers": ["console"], "level": level},
        # Django's default config gives the "django" logger a console handler of its own (under DEBUG) and
        # propagates to the root too: every error line would be printed twice. One handler, the root's.
        "loggers": {"django": {"handlers": [], "level": level, "propagate": True}},
    }
