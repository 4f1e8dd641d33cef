"""gunicorn settings for the production stack: `gunicorn -c config/gunicorn.conf.py config.wsgi:application`.

The access log is a JSON line per request with the same `request_id` as the application's lines of that request:
the middleware sets the X-Request-ID response header, and the access format reads it back (`%({x-request-id}o)s`).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
# A worker is replaced after this many requests (with jitter, so they do not restart together): a page of 15,000
# city lines (`?city_lines=1`) leaves a worker at ~158 MB, which Python does not give back (docs/benchmarks.md); 0
# turns it off.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
accesslog = "-"
errorlog = "-"
# The atoms the access formatter turns into JSON fields (audit.logs.AccessLogJsonFormatter); as plain text it still
# reads: address, request line, status, bytes, duration, request id.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(D)sus request_id=%({x-request-id}o)s'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "access": {
            "()": "audit.logs.AccessLogJsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "access": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout"},
        "error": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
    },
    # gunicorn merges this into its defaults, whose root logger names a "console" handler: name ours. Django's
    # LOGGING takes the root logger over when the application loads.
    "root": {"level": "INFO", "handlers": ["error"]},
    "loggers": {
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "gunicorn.error": {"handlers": ["error"], "level": "INFO", "propagate": False},
    },
}
