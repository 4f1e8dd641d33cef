"""Log records that say which request (or task, or command) they belong to, as JSON lines in production.

- RequestContextFilter copies the audit context (request id, user, process, task id) onto every record, so the
  JSON formatter writes them as fields. Attached to the handler, it covers Django's, Celery's and our loggers.
- AccessLogJsonFormatter turns gunicorn's access records (whose `args` is a dict of atoms) into the same fields:
  the access log line and the application's lines of one request carry the same `request_id`.

python-json-logger does the JSON: well kept, one small module, it serialises `extra` fields and exceptions
(Django has no JSON formatter of its own).
"""

import logging

from pythonjsonlogger.json import JsonFormatter

from .context import current

# Context key → log field. The process name becomes `origin`: LogRecord.process is already the pid.
CONTEXT_FIELDS = {
    "request_id": "request_id",
    "user": "user",
    "username": "username",
    "ip": "ip",
    "process": "origin",
    "task_id": "task_id",
}


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = current()
        for key, field in CONTEXT_FIELDS.items():
            if not hasattr(record, field):
                setattr(record, field, context.get(key))
        return True


class AccessLogJsonFormatter(JsonFormatter):
    """gunicorn.access records: the request line's parts as fields, `request_id` from the X-Request-ID response
    header the middleware set (gunicorn atom `{x-request-id}o`)."""

    def add_fields(self, log_data, record, message_dict) -> None:
        super().add_fields(log_data, record, message_dict)
        atoms = record.args if isinstance(record.args, dict) else {}
        if atoms:
            log_data.update(
                {
                    "request_id": atoms.get("{x-request-id}o") or None,
                    "remote": atoms.get("h"),
                    "method": atoms.get("m"),
                    "path": atoms.get("U"),
                    "query": atoms.get("q") or None,
                    "status": int(atoms["s"]) if str(atoms.get("s", "")).isdigit() else atoms.get("s"),
                    "bytes": atoms.get("B"),
                    "duration_ms": round(int(atoms.get("D", 0)) / 1000, 1),
                    "user_agent": atoms.get("a"),
                }
            )
