"""Who is writing, from where: the context of the current request, task or command.

One place holds it (a ContextVar), and two readers use it:
- the audit trail: on PostgreSQL, pghistory.context() sends the same values with every write statement, and the
  triggers copy them into each event row (`pgh_context`);
- the logs: RequestIdFilter puts `request_id` (and the process) on every log record.

On SQLite (the zero-setup `scripts/run`) there are no triggers and pghistory's statement prefix is PostgreSQL SQL,
so only the logging half is active there.
"""

import contextlib
import os
import re
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import pghistory
from django.db import connection

_current: ContextVar[dict[str, Any] | None] = ContextVar("audit_context", default=None)

# A request id a client or proxy sends is kept only if it looks like one: it goes into logs and the audit trail.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def clean_request_id(value: str | None) -> str:
    """The client's X-Request-ID if it is a plausible id, else a new one."""
    return value if value and _REQUEST_ID.match(value) else new_request_id()


def current() -> dict[str, Any]:
    """The context in force (empty outside any request, task or command)."""
    return _current.get() or {}


def _records_history() -> bool:
    return connection.vendor == "postgresql"


@contextlib.contextmanager
def audit_context(**values: Any) -> Iterator[dict[str, Any]]:
    """Run the block with `values` added to the context; writes in it are attributed to them.

    Nested contexts add to the outer one (a command that enqueues nothing, a request inside a test...); pghistory
    keeps one context id for the outermost block, so every write of one request or task shares it.
    """
    merged = {**current(), **{key: value for key, value in values.items() if value is not None}}
    merged.setdefault("pid", os.getpid())
    token = _current.set(merged)
    try:
        if _records_history():
            with pghistory.context(**merged):
                yield merged
        else:
            yield merged
    finally:
        _current.reset(token)


def audit_context_update(**values: Any) -> None:
    """Add `values` (e.g. the user, once authentication ran) to the context in force, for the writes that follow."""
    state = _current.get()
    if state is None:
        return
    state.update({key: value for key, value in values.items() if value is not None})
    if _records_history():
        # Inside an open pghistory.context this only updates its metadata, sent with the next statement.
        pghistory.context(**state)


def user_values(user) -> dict[str, Any]:
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    return {"user": user.pk, "username": user.get_username()}
